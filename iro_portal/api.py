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
from rest_framework.pagination import BasePagination, _positive_int
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from .db_routers import reading_from_replica
from .keyset import CURSOR_PARAM, keyset_page
from .locking import ChangedByAnotherUser


class ApiPagination(BasePagination):
    """Every list a page at a time by keyset, as the pages are (iro_portal.keyset), so a deep page
    costs what the first does: {"count", "next", "previous", "results"}, where `next` and
    `previous` are the addresses of the pages either side (?cursor=, the filters and ordering
    kept) and `count` is the whole list's. A client asking for ?page= (numbered pages, before
    cursors) is told to follow `next`, rather than given the first page again and again. The count
    and the page may come from the read replica (iro_portal.db_routers), so a list may be up to the
    replica's delay behind."""

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        try:
            return _positive_int(
                request.query_params[self.page_size_query_param], strict=True, cutoff=settings.API_MAX_PAGE_SIZE
            )
        except (KeyError, ValueError):
            return settings.API_PAGE_SIZE

    @reading_from_replica()
    def paginate_queryset(self, queryset, request, view=None):
        if "page" in request.query_params:
            raise exceptions.ValidationError(
                {"page": ["Pages are not numbered: follow the `next` link of the page before (?cursor=)."]}
            )
        self.request = request
        self.page = keyset_page(queryset, request.query_params.get(CURSOR_PARAM), self.get_page_size(request))
        return self.page.object_list

    def _link(self, cursor):
        url = self.request.build_absolute_uri()
        return None if cursor is None else replace_query_param(remove_query_param(url, "page"), CURSOR_PARAM, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {
            "type": "string",
            "nullable": True,
            "format": "uri",
            "example": "https://iro.example.gov.uk/api/v1/children/?cursor=eyJ...",
        }
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123, "description": "How many the whole list holds."},
                "next": {**link, "description": "The next page's address; null on the last page."},
                "previous": {**link, "description": "The previous page's address; null on the first page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from the `next` or `previous` link; one that is "
                "garbled or made for another ordering gives the first page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results a page (default {settings.API_PAGE_SIZE}, at most {settings.API_MAX_PAGE_SIZE}).",
                "schema": {"type": "integer"},
            },
        ]


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
