"""Writing audit events. Every service that changes data and every child page view calls
record_event, inside the same transaction as the change it records; every page of a list of
children's records (pages and API) calls record_list_view. A view or change an IRO makes of a
child they see only because they cover for its IRO is marked as such here, in one place,
whichever page or endpoint made it (the children app tells audit how to find the cover:
audit.registry).

On PostgreSQL the log is partitioned by month (migration 0005): add_partitions makes the months
ahead before they come, and remove_expired_months applies the retention setting."""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from iro_portal.client_address import client_address
from iro_portal.keyset import CURSOR_PARAM
from iro_portal.months import add_months

from . import selectors
from .models import AUDIT_LOG_OBJECT_TYPE, AuditAction, AuditEvent, AuditEventChild
from .registry import cover_for_child, covers_for_children

logger = logging.getLogger(__name__)

MONTHS_AHEAD = 3
"""Months after this one whose partitions are made before they start (migration 0005 made the
same): the daily task can miss this many months of runs before rows fall in the DEFAULT partition."""
LOCK_TIMEOUT = "10s"
"""The longest a partition change waits for a table lock. Waiting behind a long read of the log
(an export) would hold up every audited page queued behind it, so the change gives up instead and
is tried again on the next run."""


def record_event(
    *,
    action: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    child_id: int | None = None,
    request: HttpRequest | None = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if user is not None and not user.is_authenticated:
        user = None
    detail = detail or {}
    if user is not None and child_id is not None and (cover := cover_for_child(user, child_id)) is not None:
        detail = {
            **detail,
            "under_cover": cover.pk,
            "covering_for": cover.covered_iro.get_username(),
            "cover_level": cover.level,
        }
    return AuditEvent.objects.create(
        action=action,
        user=cast(Any, user),  # settings.AUTH_USER_MODEL, which the audit app does not import
        username=username or (user.get_username() if user is not None else ""),
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        ip_address=client_address(request),
        detail=detail,
    )


def apply_changes(record: models.Model, changes: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Make the changes to `record` (unsaved) and return what the audit log keeps of them: each
    field's value before and after, as text."""
    before = {field: str(getattr(record, field)) for field in changes}
    for field, value in changes.items():
        setattr(record, field, value)
    return {"before": before, "after": {field: str(value) for field, value in changes.items()}}


def list_filters(request: HttpRequest) -> dict[str, str | list[str]]:
    """The query string as the audit log keeps it (search text included: the log is internal),
    without the page's cursor: the page actually shown is recorded by its number."""
    return {
        key: values[0] if len(values) == 1 else values for key, values in request.GET.lists() if key != CURSOR_PARAM
    }


def record_list_view(
    request: HttpRequest,
    *,
    object_type: str,
    child_ids: Iterable[int | None],
    page_number: int,
    filters: dict[str, Any] | None = None,
) -> AuditEvent:
    """One event for one page of a list of children's records: who, which list, its filters (the
    query string unless given), the page and every child on it (in order, once each), and which of
    them an IRO saw only through cover. Two INSERTs whatever the page size (one when the page is
    empty), after the cover look-up's fixed two queries, in the caller's transaction if any."""
    shown = list(dict.fromkeys(child_id for child_id in child_ids if child_id is not None))
    if filters is None:
        filters = list_filters(request)
    detail = {"list": request.path, "filters": filters, "page": page_number, "child_ids": shown}
    covers = covers_for_children(request.user, shown)
    if covers:
        arrangements = list({cover.pk: cover for cover in covers.values()}.values())
        detail.update(
            under_cover=[cover.pk for cover in arrangements],
            covering_for=", ".join(dict.fromkeys(cover.covered_iro.get_username() for cover in arrangements)),
            child_ids_under_cover=[child_id for child_id in shown if child_id in covers],
        )
    with transaction.atomic(savepoint=False):
        event = record_event(
            action=AuditAction.VIEW, user=request.user, object_type=object_type, request=request, detail=detail
        )
        record_children_shown(event, shown)
    return event


def record_children_shown(event: AuditEvent, child_ids: Iterable[int]) -> None:
    """Name on an event each child whose record the response showed, so the audit log finds
    "who saw this child" through lists and downloads: one INSERT however many children."""
    AuditEventChild.objects.bulk_create(
        [AuditEventChild(event=event, event_occurred_at=event.occurred_at, child_id=child_id) for child_id in child_ids]
    )


def add_partitions(months_ahead: int = MONTHS_AHEAD) -> int:
    """Make the partitions missing for this month and the `months_ahead` after it, after moving
    any rows that fell in the DEFAULT partition into their months; returns the months made.
    Nothing to do unless the log is partitioned. The app's role may call it: the database function
    is its owner's (migration 0005)."""
    if not selectors.log_is_partitioned():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute("SELECT audit_add_partitions(%s)", [months_ahead])
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class RemovedMonth:
    """A calendar month (UTC; its 1st) that retention removed from the log, and what it held."""

    month: datetime.date
    events: int
    children_shown: int


def retention_boundary(now: datetime.datetime, months: int) -> datetime.datetime:
    """Midnight UTC on the 1st of the oldest month the log keeps when it keeps `months` months:
    every month before it ended more than `months` months before `now`; the month it starts ended
    less long ago, or has not ended, and is kept whole."""
    this_month = now.astimezone(datetime.UTC).date().replace(day=1)
    return datetime.datetime.combine(add_months(this_month, -months), datetime.time.min, tzinfo=datetime.UTC)


def remove_expired_months(now: datetime.datetime | None = None) -> list[RemovedMonth]:
    """Remove every month of the log that lies wholly more than settings.AUDIT_RETENTION_MONTHS
    months back (nothing while the setting is unset), and say what went in the log itself and in
    the application's log, in the same transaction. On PostgreSQL each month's pair of partitions
    is dropped, which only the owner of the tables may do (manage.py audit_retention); on SQLite
    its rows are deleted."""
    months = settings.AUDIT_RETENTION_MONTHS
    if months is None:
        return []
    boundary = retention_boundary(now or timezone.now(), months)
    with transaction.atomic():
        removed = _drop_months(boundary) if selectors.log_is_partitioned() else _delete_months(boundary)
        if removed:
            events, children = sum(month.events for month in removed), sum(month.children_shown for month in removed)
            record_event(
                action=AuditAction.DELETE,
                object_type=AUDIT_LOG_OBJECT_TYPE,
                detail={
                    "retention_months": months,
                    "kept_from": boundary.date().isoformat(),
                    "months": [f"{month.month:%Y-%m}" for month in removed],
                    "events": events,
                    "children_shown": children,
                },
            )
            logger.info(
                "Audit log retention (%s months) removed %s months, %s to %s: %s events, %s children shown in lists",
                months,
                len(removed),
                f"{removed[0].month:%Y-%m}",
                f"{removed[-1].month:%Y-%m}",
                events,
                children,
            )
    return removed


def _drop_months(boundary: datetime.datetime) -> list[RemovedMonth]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute("SELECT * FROM audit_drop_months_before(%s)", [boundary.date()])
        return [RemovedMonth(*row) for row in cursor.fetchall()]


def _delete_months(boundary: datetime.datetime) -> list[RemovedMonth]:
    """The rows of the months before `boundary`, deleted past the models' refusal (AppendOnlyModel):
    retention is the one removal the log allows."""
    counts = selectors.counts_by_month_before(boundary)
    value = connection.ops.adapt_datetimefield_value(boundary)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEventChild._meta.db_table} WHERE event_occurred_at < %s", [value])
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE occurred_at < %s", [value])
    return [RemovedMonth(month, events, children) for month, (events, children) in counts.items()]
