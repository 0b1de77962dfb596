"""What the audit log needs to know of the apps above it, which it may not import: every app
writes to the log, so audit sits at the bottom and the apps tell it, each from its own
AppConfig.ready(), as they register their models with the admin site:

- the kinds of their records, so the log's viewer names them (register_record_kind; each app's
  audit_records module);
- whose cover an IRO works under when they see or change a child (register_cover_lookup; the
  children app, which holds the allocations cover is read from);
- who may read the log (register_log_reader_rule; the accounts app, which holds the roles).

Until an app registers, the log names its records by type and id, marks nothing as seen under
cover, and lets nobody read it."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from iro_portal.dates import format_date, format_datetime


@dataclass(frozen=True)
class RecordKind:
    """What the log calls one kind of record: its name, in the plural for a list of them, and,
    for a record the portal holds, the model, up to three of its fields (read as text) and how
    they make the record's label. Without a model the object id is the label."""

    name: str
    plural: str
    model: str = ""
    fields: tuple = ()
    label: Callable[..., str] | None = None


_record_kinds: dict[str, RecordKind] = {}


def register_record_kind(object_type: str, kind: RecordKind) -> None:
    """Name a kind of record by the object type its events store ("reviews.review")."""
    _record_kinds[object_type] = kind


def record_kinds() -> dict[str, RecordKind]:
    """Every kind of record the log names, by the object type events store."""
    return _record_kinds


def day(text: str) -> str:
    """A date the label's field reads as ISO text, as people write it."""
    return format_date(datetime.date.fromisoformat(text[:10]))


def moment(text: str) -> str:
    """A time the label's field reads as ISO text (UTC when it has no offset), as people write it."""
    value = datetime.datetime.fromisoformat(text)
    return format_datetime(value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC))


def person(first_name: str, last_name: str, username: str) -> str:
    """As accounts.models.User names itself: the full name, else the username."""
    return " ".join(part for part in (first_name, last_name) if part) or username


def years(year: str) -> str:
    """A reporting year as the annual report names it: "2024 to 2025"."""
    return f"{year} to {int(year) + 1}"


CoverLookup = Callable[[Any, Iterable[int]], dict[int, Any]]


def _no_cover(user: Any, child_ids: Iterable[int]) -> dict[int, Any]:
    return {}


_cover_lookup: list[CoverLookup] = [_no_cover]


def register_cover_lookup(lookup: CoverLookup) -> None:
    """The children app registers children.permissions.covers_for_children: for each of these
    children the user sees today only through cover, the cover arrangement, in a fixed number of
    queries (accounts.models.CoverArrangement). record_event and record_list_view note it on every
    event about those children."""
    _cover_lookup[0] = lookup


def covers_for_children(user: Any, child_ids: Iterable[int]) -> dict[int, Any]:
    return _cover_lookup[0](user, child_ids)


def cover_for_child(user: Any, child_id: int) -> Any:
    return covers_for_children(user, [child_id]).get(child_id)


LogReaderRule = Callable[[Any], bool]


def _nobody(user: Any) -> bool:
    return False


_log_reader_rule: list[LogReaderRule] = [_nobody]


def register_log_reader_rule(rule: LogReaderRule) -> None:
    """The accounts app registers accounts.permissions.may_read_audit_log: which roles search and
    export the log."""
    _log_reader_rule[0] = rule


def may_read_audit_log(user: Any) -> bool:
    return _log_reader_rule[0](user)
