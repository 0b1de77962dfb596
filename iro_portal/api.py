"""What every endpoint of the REST API shares: pagination, the one shape of error bodies, the
conflict answer to a stale write. The permission classes are in accounts.api_permissions, the
audit of lists of children's records in audit.api, the throttle in iro_portal.api_throttling."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .db_routers import reading_from_replica
from .locking import ChangedByAnotherUser


class ApiPagination(PageNumberPagination):
    """Every list of the API, a page at a time. The count and the page may come from the read
    replica (iro_portal.db_routers), so a list may be up to the replica's delay behind."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE

    @reading_from_replica()
    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(queryset, request, view)


class Conflict(exceptions.APIException):
    """The record changed since the caller read it (its `version` is stale)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone else changed this record since you read it. Read it again, then make your change."
    default_code = "conflict"


CONFLICT_RESPONSE = {
    409: OpenApiResponse(
        description="The `version` sent is stale: someone else saved the record since you read it. Nothing was saved; "
        'body {"detail": "...", "errors": {}}.'
    )
}


def version_field():
    """What a change sends back: the `version` the client read (iro_portal.locking)."""
    return serializers.IntegerField(
        min_value=0, help_text="The record's `version` as you read it; a stale one is a 409."
    )


def _messages(detail):
    """DRF error details as plain strings: {field: [message]} or [message]."""
    if isinstance(detail, dict):
        return {field: _messages(value) for field, value in detail.items()}
    if isinstance(detail, list):
        flattened = []
        for position, item in enumerate(detail, start=1):
            value = _messages(item)
            if isinstance(value, dict):
                # A nested list of objects: "Item 2, due_date: Enter a date." keeps {field: [str]}.
                flattened.extend(
                    f"Item {position}, {field}: {message}"
                    for field, messages in value.items()
                    for message in (messages if isinstance(messages, list) else [messages])
                )
            else:
                flattened.extend(value if isinstance(value, list) else [value])
        return flattened
    return str(detail)


def exception_handler(exc, context):
    """Every error has one shape: {"detail": "what went wrong", "errors": {field: [messages]}},
    with "non_field_errors" for messages about the whole request. A service's ValidationError
    (the same rules as the pages) is a 400, as is a body larger than a form post may be; a stale
    version is a 409."""
    if isinstance(exc, DjangoValidationError):
        if isinstance(exc, ChangedByAnotherUser):
            exc = Conflict(" ".join(exc.messages))
        elif hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(
                {
                    ("non_field_errors" if field == "__all__" else field): messages
                    for field, messages in exc.message_dict.items()
                }
            )
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = exceptions.ParseError(f"The request body is larger than {limit:,} bytes, the most the API accepts.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _messages(exc.detail)
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        body = {"detail": "The request has errors: see the messages for each field.", "errors": errors}
    else:
        body = {"detail": _messages(exc.detail) if hasattr(exc, "detail") else str(exc), "errors": {}}
    return Response(
        body,
        status=response.status_code,
        headers={key: value for key, value in response.items() if key in ("WWW-Authenticate", "Retry-After", "Allow")},
    )
