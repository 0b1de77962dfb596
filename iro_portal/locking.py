"""Optimistic locking, one rule for every writable record: each carries a `version` that every
save raises; a change says which version it was made from, and if someone else has saved the
record since, the change is refused whole (a 409 in the API, the "changed by someone else"
message on a page) and nothing is saved."""

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

RECORD_CHANGED_MESSAGE = (
    "Someone else changed this record while you were editing it. Nothing you entered has been saved: "
    "open it again to see their changes, then make yours."
)


M = TypeVar("M", bound=models.Model)


class ChangedByAnotherUser(ValidationError):
    """The record was saved by someone else after this user read it (its version is stale)."""


def refusal_status(error: ValidationError) -> int:
    """The HTTP status a page answers a service's refusal with: 409 Conflict for a stale write,
    as the API does, and 400 for any other rule broken."""
    return 409 if isinstance(error, ChangedByAnotherUser) else 400


def version_field(
    help_text: str = "Raised on every change; a change made from an older version is refused.",
) -> models.PositiveIntegerField:
    """The model field: a new record is version 1."""
    return models.PositiveIntegerField(default=1, help_text=help_text)


class VersionField(forms.IntegerField):
    """The hidden form field carrying the version the page was opened with."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, **kwargs)


class VersionForm(forms.Form):
    """The version alone, for a page whose fields are a formset."""

    version = VersionField()


def check_version(
    record: models.Model | None,
    expected_version: int | None,
    message: str = RECORD_CHANGED_MESSAGE,
    *,
    field: str = "version",
) -> None:
    """Refuse a change made from an older version of `record` (already locked by the caller).
    A record that does not exist is version 0, as a page offering to create it read it.
    No expected version means a write the portal makes itself (scheduling, imports), never stale."""
    current = 0 if record is None else getattr(record, field)
    if expected_version is not None and current != expected_version:
        raise ChangedByAnotherUser(message)


def lock(
    queryset: models.QuerySet[M], pk: int, expected_version: int | None, message: str = RECORD_CHANGED_MESSAGE
) -> M:
    """The row, locked until the transaction ends, refused if it changed since the caller read it."""
    record = queryset.select_for_update().get(pk=pk)
    check_version(record, expected_version, message)
    return record
