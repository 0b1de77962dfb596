"""Reading the audit log: the search behind the audit log page and its CSV export, and the
words both use for people, children and records ("Child: Omar Abdi (DEMO000238)", "Review: LAC
review 5", "User: Summer Davies"), looked up for a whole page or chunk at once: one query per kind
of record on it, whatever the number of events."""

import datetime
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Expression, Max, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat, TruncMonth
from django.utils import timezone

from iro_portal.dates import format_date, format_datetime

from .models import AuditAction, AuditEvent, AuditEventChild
from .registry import record_kinds

LARGEST_ID = 2**63 - 1
DETAIL_SUMMARY_LENGTH = 120
CSV_COLUMNS = [
    "When",
    "Who",
    "Action",
    "Record",
    "Child",
    "IP address",
    "Detail",
    "occurred_at",
    "username",
    "user_id",
    "action",
    "object_type",
    "object_id",
    "child_id",
]
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# Events keep the child's record number (child_id), not a foreign key, so the log outlives the
# record; the search finds the child by name in this model.
CHILD_MODEL = "children.Child"


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of a Europe/London (TIME_ZONE) date, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_default_timezone())


def _with_full_name(queryset: QuerySet[Any], first: str, last: str) -> QuerySet[Any]:
    return queryset.annotate(full_name_for_search=Concat(first, Value(" "), last))


def matching_user(value: str) -> Q:
    """Events by a person whose name (all or part of "Summer Davies") or username has this in it,
    in any case; a failed sign-in matches on the username typed."""
    named = _with_full_name(get_user_model().objects.all(), "first_name", "last_name").filter(
        full_name_for_search__icontains=value
    )
    return Q(username__icontains=value) | Q(user_id__in=named.values("pk"))


def matching_child(value: str) -> Q:
    """Events about the child with this local child ID (the SSDA903 CHILD, any case), whose name
    has this in it (all or part of "Omar Abdi", any case; not for a whole number) or, for a whole
    number, the child whose record number in the portal it is (events store the record number),
    and the list views that showed that child. The children are looked up first, in a query of
    their own: as a subquery inside the OR, PostgreSQL guesses it matches half the log and reads
    the children shown in lists once for every event (minutes on a log of two million events)."""
    whole_number = value.isascii() and value.isdigit()
    match = Q(local_child_id__iexact=value)
    if not whole_number:
        match |= Q(full_name_for_search__icontains=value)
    children = _with_full_name(apps.get_model(CHILD_MODEL).objects.all(), "given_name", "family_name").filter(match)
    child_ids = list(children.values_list("pk", flat=True))
    if whole_number and int(value) <= LARGEST_ID:
        child_ids.append(int(value))
    return Q(child_id__in=child_ids) | Q(
        pk__in=AuditEventChild.objects.filter(child_id__in=child_ids).values("event_id")
    )


def search_events(
    *,
    user: str = "",
    child: str = "",
    action: str = "",
    object_type: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    under_cover: bool = False,
) -> QuerySet[AuditEvent]:
    """Events newest first, narrowed by each filter given. Dates are whole Europe/London days,
    both ends included; compared as a range on occurred_at so its index serves them. Under cover:
    the events audit.services.record_event marked as made by an IRO covering for another."""
    events = AuditEvent.objects.select_related("user").order_by("-occurred_at", "-id")
    if user:
        events = events.filter(matching_user(user))
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


def count_and_last_id(events: QuerySet[AuditEvent]) -> tuple[int, int | None]:
    """How many events match and the newest id among them, in one query: the export streams up
    to that id, so the count it records is the rows it sends even while new events arrive."""
    totals = events.order_by().aggregate(count=Count("id"), last_id=Max("id"))
    return totals["count"], totals["last_id"]


def csv_rows(events: QuerySet[AuditEvent], up_to_id: int | None, chunk_size: int = 2000) -> Iterator[list[Any]]:
    """The export's rows, read from the database in chunks rather than all at once: the words
    the page shows, then the stored values (the time with its UTC offset, the ids and the detail
    whole), so a row can be matched to the database."""
    rows = events.filter(id__lte=up_to_id or 0).iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        for row in event_rows(chunk):
            event = row.event
            yield [
                format_datetime(event.occurred_at, seconds=True),
                row.who,
                event.get_action_display(),
                row.what,
                row.child,
                event.ip_address or "",
                json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
                timezone.localtime(event.occurred_at).isoformat(),
                event.username,
                "" if event.user_id is None else event.user_id,
                event.action,
                event.object_type,
                event.object_id,
                "" if event.child_id is None else event.child_id,
            ]


LABEL_FIELDS = 3


def _numbers(ids: Iterable[str]) -> list[int]:
    return [int(value) for value in ids if value.isascii() and value.isdigit() and int(value) <= LARGEST_ID]


def record_labels(wanted: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """{object type: {object id: label}} for the records asked for ({object type: ids}), in one
    query whatever the kinds and the number of records: a UNION ALL of one SELECT per kind."""
    kinds = record_kinds()
    selects = []
    labellers: dict[str, tuple[Callable[..., str], int]] = {}
    for object_type, ids in wanted.items():
        kind = kinds.get(object_type)
        numbers = _numbers(ids)
        if kind is None or not kind.model or kind.label is None or not numbers:
            continue
        labellers[object_type] = (kind.label, len(kind.fields))
        texts: list[Expression] = [Cast(field, TextField()) for field in kind.fields]
        texts += [Value("", output_field=TextField())] * (LABEL_FIELDS - len(texts))
        selects.append(
            apps.get_model(kind.model)
            .objects.filter(pk__in=numbers)
            .order_by()
            .values_list(Value(object_type, output_field=TextField()), Cast("pk", TextField()), *texts)
        )
    if not selects:
        return {}
    labels: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for object_type, pk, *values in selects[0].union(*selects[1:], all=True):
        label, count = labellers[object_type]
        labels[object_type][pk] = label(*values[:count])
    return labels


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of record for the audit log's filter, by name."""
    return sorted(
        ((object_type, kind.name) for object_type, kind in record_kinds().items()), key=lambda choice: choice[1]
    )


@dataclass
class EventRow:
    """An event as the table and the CSV name it: who (a person's name, the username typed at a
    failed sign-in, or "System"), what (the kind of record and which one), the child by name and
    local ID (child_link set while the portal holds the child's record), the IRO whose child an
    IRO covering for them saw or changed; children_shown counts the children a list view showed."""

    event: AuditEvent
    who: str
    what: str
    child: str
    child_link: int | None
    covering_for: str
    detail_summary: str
    children_shown: int


def _readable(value: Any) -> Any:
    """A date or time the detail stores as ISO text, as people write it."""
    try:
        if isinstance(value, str) and ISO_DAY.match(value):
            return format_date(datetime.date.fromisoformat(value))
        if isinstance(value, str) and ISO_MOMENT.match(value):
            return format_datetime(datetime.datetime.fromisoformat(value))
    except ValueError:
        pass
    return value


def detail_summary(detail: Any) -> str:
    """The detail as `key: value` pairs, dates as people write them, cut short for the table
    (the CSV has all of it)."""
    if isinstance(detail, dict):
        text = "; ".join(f"{key}: {json.dumps(_readable(value), ensure_ascii=False)}" for key, value in detail.items())
    else:
        text = json.dumps(detail, ensure_ascii=False)
    if len(text) > DETAIL_SUMMARY_LENGTH:
        return text[: DETAIL_SUMMARY_LENGTH - 1] + "…"
    return text


def _who(event: AuditEvent) -> str:
    if event.user is not None:
        name = event.user.get_full_name()
        return f"{name} ({event.username})" if name and event.username else str(event.user)
    return event.username or "System"


def _is_list_view(event: AuditEvent) -> bool:
    return event.action == AuditAction.VIEW and isinstance(event.detail, dict) and "list" in event.detail


def event_rows(events: Iterable[AuditEvent]) -> list[EventRow]:
    """Rows for one page of the table (or a chunk of the CSV): the events' users come with them
    (select_related), every child, record and covered IRO named on them in one more query."""
    events = list(events)
    kinds = record_kinds()
    wanted = defaultdict(set)
    for event in events:
        if event.object_id and not _is_list_view(event):
            wanted[event.object_type].add(event.object_id)
        if event.child_id is not None:
            wanted["children.child"].add(str(event.child_id))
        if isinstance(event.detail, dict) and event.detail.get("under_cover"):
            wanted["accounts.coverarrangement"].add(str(event.detail["under_cover"]))
    labels = record_labels(wanted)
    children = labels.get("children.child", {})
    covers = labels.get("accounts.coverarrangement", {})

    def what(event: AuditEvent) -> str:
        kind = kinds.get(event.object_type)
        if kind is None:
            return " ".join(part for part in (event.object_type, event.object_id) if part) or "–"
        if _is_list_view(event):
            return f"List of {kind.plural}"
        if not event.object_id:
            return kind.name
        if not kind.model:
            return f"{kind.name}: {event.object_id}"
        label = labels.get(event.object_type, {}).get(event.object_id)
        return f"{kind.name}: {label}" if label else f"{kind.name} {event.object_id} (no longer held)"

    def child(event: AuditEvent) -> str:
        if event.child_id is None:
            return ""
        return children.get(str(event.child_id)) or f"Record {event.child_id} (no longer held)"

    def covering_for(event: AuditEvent) -> str:
        if not isinstance(event.detail, dict) or not event.detail.get("under_cover"):
            return ""
        cover = covers.get(str(event.detail["under_cover"]))
        return cover or event.detail.get("covering_for", "")

    return [
        EventRow(
            event=event,
            who=_who(event),
            what=what(event),
            child=child(event),
            child_link=event.child_id if str(event.child_id) in children else None,
            covering_for=covering_for(event),
            detail_summary=detail_summary(event.detail),
            children_shown=len(event.detail.get("child_ids", [])) if isinstance(event.detail, dict) else 0,
        )
        for event in events
    ]


def log_is_partitioned() -> bool:
    """Whether the log is partitioned by month: on PostgreSQL from audit migration 0005 on; on
    SQLite never."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
            [AuditEvent._meta.db_table],
        )
        return cursor.fetchone()[0]


def partition_months() -> list[datetime.date]:
    """The months (their 1st) the partitioned log has partitions for, oldest first; the DEFAULT
    partition, for rows of any other month, is not among them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_date(right(relname, 7), 'YYYY_MM') FROM pg_inherits JOIN pg_class ON pg_class.oid = inhrelid "
            "WHERE inhparent = to_regclass(%s) AND relname <> %s ORDER BY 1",
            [AuditEvent._meta.db_table, f"{AuditEvent._meta.db_table}_default"],
        )
        return [month for (month,) in cursor.fetchall()]


def counts_by_month_before(boundary: datetime.datetime) -> dict[datetime.date, tuple[int, int]]:
    """For each calendar month (UTC) with events before `boundary`, its 1st: how many events, and
    how many children the list views among them showed."""

    def by_month(events: QuerySet[Any], moment: str) -> dict[datetime.date, int]:
        counted = (
            events.filter(**{f"{moment}__lt": boundary})
            .order_by()
            .annotate(month=TruncMonth(moment, tzinfo=datetime.UTC))
            .values("month")
            .annotate(count=Count("pk"))
            .values_list("month", "count")
        )
        return {month.date(): count for month, count in counted}

    events = by_month(AuditEvent.objects.all(), "occurred_at")
    children = by_month(AuditEventChild.objects.all(), "event_occurred_at")
    return {month: (events.get(month, 0), children.get(month, 0)) for month in sorted(events | children)}
