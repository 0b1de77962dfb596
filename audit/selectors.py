"""Reading the audit log: the search behind the audit log page and its CSV export."""

import datetime
import json
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from children.models import Child

from .models import AuditEvent, AuditEventChild

LARGEST_ID = 2**63 - 1
DETAIL_SUMMARY_LENGTH = 120
CSV_COLUMNS = ["occurred_at", "username", "user_id", "action", "object_type", "object_id", "child_id",
               "ip_address", "detail"]


def start_of_day(day):
    """Midnight at the start of a Europe/London (TIME_ZONE) date, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def matching_child(value):
    """Events about the child with this local child ID (the SSDA903 CHILD, any case) or, for a
    whole number, the child whose record number in the portal it is (events store the record
    number), and the list views that showed that child."""
    condition = Q(child_id__in=Child.objects.filter(local_child_id__iexact=value).values("pk"))
    if value.isascii() and value.isdigit() and int(value) <= LARGEST_ID:
        condition |= Q(child_id=int(value))
    return condition | Q(pk__in=AuditEventChild.objects.filter(condition).values("event_id"))


def search_events(*, user="", child="", action="", object_type="", date_from=None, date_to=None, under_cover=False):
    """Events newest first, narrowed by each filter given. Dates are whole Europe/London days,
    both ends included; compared as a range on occurred_at so its index serves them. Under cover:
    the events audit.services.record_event marked as made by an IRO covering for another."""
    events = AuditEvent.objects.select_related("user").order_by("-occurred_at", "-id")
    if user:
        events = events.filter(username__icontains=user)
    if child:
        events = events.filter(matching_child(child))
    if action:
        events = events.filter(action=action)
    if object_type:
        events = events.filter(object_type__iexact=object_type)
    if date_from:
        events = events.filter(occurred_at__gte=start_of_day(date_from))
    if date_to:
        events = events.filter(occurred_at__lt=start_of_day(date_to + datetime.timedelta(days=1)))
    if under_cover:
        events = events.filter(detail__has_key="under_cover")
    return events


def count_and_last_id(events):
    """How many events match and the newest id among them, in one query: the export streams up
    to that id, so the count it records is the rows it sends even while new events arrive."""
    totals = events.order_by().aggregate(count=Count("id"), last_id=Max("id"))
    return totals["count"], totals["last_id"]


def csv_rows(events, up_to_id, chunk_size=2000):
    """The export's rows, read from the database in chunks rather than all at once."""
    rows = events.filter(id__lte=up_to_id or 0).values_list(
        "occurred_at", "username", "user_id", "action", "object_type", "object_id", "child_id", "ip_address",
        "detail",
    )
    for occurred_at, username, user_id, action, object_type, object_id, child_id, ip_address, detail in (
        rows.iterator(chunk_size=chunk_size)
    ):
        yield [
            timezone.localtime(occurred_at).isoformat(), username, "" if user_id is None else user_id, action,
            object_type, object_id, "" if child_id is None else child_id, ip_address or "",
            json.dumps(detail, sort_keys=True, ensure_ascii=False),
        ]


@dataclass
class EventRow:
    """An event as the table shows it; local_child_id is blank when the child's record is gone;
    children_shown counts the children a list view showed."""

    event: AuditEvent
    local_child_id: str
    detail_summary: str
    children_shown: int


def detail_summary(detail):
    """The detail as `key: value` pairs, cut short for the table (the CSV has all of it)."""
    if isinstance(detail, dict):
        text = "; ".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in detail.items())
    else:
        text = json.dumps(detail, ensure_ascii=False)
    if len(text) > DETAIL_SUMMARY_LENGTH:
        return text[:DETAIL_SUMMARY_LENGTH - 1] + "…"
    return text


def event_rows(events):
    """Rows for one page of the table, with each child's local ID found in a single query."""
    events = list(events)
    child_ids = {event.child_id for event in events if event.child_id is not None}
    local_ids = dict(Child.objects.filter(pk__in=child_ids).values_list("pk", "local_child_id")) if child_ids else {}
    return [
        EventRow(
            event=event,
            local_child_id=local_ids.get(event.child_id, ""),
            detail_summary=detail_summary(event.detail),
            children_shown=len(event.detail.get("child_ids", [])) if isinstance(event.detail, dict) else 0,
        )
        for event in events
    ]
