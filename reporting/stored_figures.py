"""Figures that take seconds to count for a large authority (the dashboard, the annual report's
year figures), worked out once and kept in StoredFigures against the data version they were
counted at (reporting.models.DataVersion, moved by database triggers in the same commit as
any change to the records). A request whose version matches reads them back in one query;
any committed change makes the next request count afresh. Figures are never older than the
records they say they describe, and each page says when they were counted.

One request counts while the others asking for the same figures wait for it (an advisory
lock on PostgreSQL; SQLite serialises writers already), so a cold dashboard under load is
counted once, not once per user."""

import hashlib
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import sees_every_child
from children.models import Child
from children.permissions import children_allocated_to

from . import detail_selectors, outcome_selectors, selectors
from .models import FiguresKind, StoredFigures
from .periods import Period, reporting_year

AUTHORITY = "authority"


@dataclass(frozen=True)
class Counted:
    figures: dict
    calculated_at: datetime


@dataclass(frozen=True)
class DataVersion:
    number: int
    changed_in_this_transaction: bool
    """PostgreSQL counts a change when it commits: until then this transaction's own changes
    are not in the number, so figures it reads must be counted live and not kept."""


def data_version() -> DataVersion:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT (SELECT number FROM reporting_dataversion WHERE id = 1), "
                "current_setting('reporting.data_changed', true) = 'yes'"
            )
            number, changed = cursor.fetchone()
        else:
            cursor.execute("SELECT (SELECT number FROM reporting_dataversion WHERE id = 1)")
            (number,), changed = cursor.fetchone(), False
    return DataVersion(number or 0, bool(changed))


def dashboard_for(user: User, period: Period, on: date) -> Counted:
    """The dashboard's figures (reporting.selectors.dashboard) that `user` sees: the whole
    authority for service managers and administrators, an IRO's own children for an IRO."""
    if sees_every_child(user):
        return _counted(FiguresKind.DASHBOARD, AUTHORITY, period, on, lambda: selectors.dashboard(period, on))
    return _counted(
        FiguresKind.DASHBOARD,
        f"iro:{user.pk}",
        period,
        on,
        lambda: selectors.dashboard(
            period,
            on,
            children=children_allocated_to(user, Child.objects.all(), on=on),
            iros=User.objects.filter(pk=user.pk),
        ),
    )


def year_figures(period: Period, on: date) -> Counted:
    """The annual report's figures for one reporting year (annual_report_figures)."""
    return _counted(FiguresKind.REPORTING_YEAR, AUTHORITY, period, on, lambda: annual_report_figures(period, on))


def annual_report_figures(period: Period, on: date) -> dict[str, Any]:
    """reporting.selectors.reporting_year_figures, and reporting.detail_selectors' under "detail"."""
    return {
        **selectors.reporting_year_figures(period, on),
        "detail": detail_selectors.detail_year_figures(period, on),
    }


def authority_outcome_figures(first_year: int, on: date) -> Counted:
    """The whole authority's outcome figures for a reporting year: the outcomes page of a service
    manager and the annual report's outcomes section read the same stored row."""
    return _counted(
        FiguresKind.OUTCOMES,
        AUTHORITY,
        reporting_year(first_year),
        on,
        lambda: outcome_selectors.outcome_figures(first_year),
    )


def outcome_figures_for(user: User, first_year: int, on: date) -> Counted:
    """The outcome figures (reporting.outcome_selectors) for a reporting year that `user` sees:
    the whole authority for service managers and administrators, an IRO's own children for an IRO."""
    if sees_every_child(user):
        return authority_outcome_figures(first_year, on)
    return _counted(
        FiguresKind.OUTCOMES,
        f"iro:{user.pk}",
        reporting_year(first_year),
        on,
        lambda: outcome_selectors.outcome_figures(
            first_year, children=children_allocated_to(user, Child.objects.all(), on=on)
        ),
    )


def _counted(kind: str, scope: str, period: Period, on: date, count: Callable[[], dict]) -> Counted:
    version = data_version()
    if version.changed_in_this_transaction:
        return Counted(count(), timezone.now())
    key: dict[str, Any] = {
        "kind": kind,
        "scope": scope,
        "period_start": period.start,
        "period_end": period.end,
        "as_of": on,
    }
    stored = _stored(key, version.number)
    if stored:
        return stored
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])
        version = data_version()
        stored = _stored(key, version.number)
        if stored:
            return stored
        counted = Counted(count(), timezone.now())
        StoredFigures.objects.filter(as_of__lt=on).delete()
        StoredFigures.objects.update_or_create(
            **key,
            defaults={
                "data_version": version.number,
                "calculated_at": counted.calculated_at,
                "figures": json.dumps(encode(counted.figures)),
            },
        )
    return counted


def _stored(key: dict[str, Any], version: int) -> Counted | None:
    row = StoredFigures.objects.filter(**key, data_version=version).values_list("figures", "calculated_at").first()
    return Counted(decode(json.loads(row[0])), row[1]) if row else None


def _lock_id(key: dict[str, Any]) -> int:
    digest = hashlib.blake2b(repr(sorted(key.items())).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def forget_all(using: str, apps: Apps = global_apps, **kwargs: Any) -> None:
    """After a migration (a new release), figures are counted afresh: the rules that count them
    may have changed."""
    try:
        stored = apps.get_model("reporting", "StoredFigures")
    except LookupError:
        return
    stored.objects.using(using).all().delete()


TABLES_JOINED_LATER = [
    "reviews_reviewactionupdate",
    "reviews_conferencerecord",
    "reviews_conferenceattendee",
    "reviews_coregroupmember",
    "reviews_reviewparticipant",
    "reviews_reviewviews",
    "reviews_careplancheck",
    "reviews_reviewrecord",
    "consultations_consultationinvitation",
    "consultations_consultationresponse",
    "consultations_safetyalert",
    "outcomes_healthrecord",
    "outcomes_careleaverrecord",
    "outcomes_missingepisode",
    "outcomes_adoptiondecision",
    "outcomes_adoption",
    "outcomes_previouspermanence",
    "staffing_staffingperiod",
]
"""Tables that joined the data-version triggers after migration reporting 0003, each in the
migration that made it (reviews 0005, reviews 0007, reviews 0008, consultations 0004,
outcomes 0002, staffing 0002)."""


def restore_sqlite_data_version_triggers(using: str, **kwargs: Any) -> None:
    """SQLite adds a column with a default, or a check, by rebuilding the table, which drops the
    triggers that move the data version (migration reporting 0003): after every migrate, create
    any that a rebuild dropped, or a change to that table would leave stale figures standing.
    PostgreSQL keeps its triggers through ALTER TABLE."""
    database = connections[using]
    if database.vendor != "sqlite":
        return
    triggers = importlib.import_module("reporting.migrations.0003_data_version_triggers")
    with database.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        for table in [*triggers.TABLES, *TABLES_JOINED_LATER, triggers.USER_TABLE]:
            for name, event in triggers.sqlite_events(table).items():
                if f"reporting_data_changed_{table}_{name}" not in present:
                    cursor.execute(triggers.SQLITE_TABLE_TRIGGER.format(table=table, name=name, event=event))


# JSON keeps strings, numbers, lists and string-keyed objects; the figures also hold dates,
# decimals, tuples, integer keys, and the selectors' Month and Caseload, so those are tagged.


def encode(value: Any) -> Any:
    if isinstance(value, selectors.Caseload):
        iro = value.iro
        return {
            "$caseload": {
                "children": value.children,
                "lac_children": value.lac_children,
                "fte": None if value.fte is None else str(value.fte),
                "agency": value.agency,
                "iro": {
                    "id": iro.pk,
                    "username": iro.username,
                    "first_name": iro.first_name,
                    "last_name": iro.last_name,
                    "role": iro.role,
                    "is_active": iro.is_active,
                    "team": iro.team,
                },
            }
        }
    if isinstance(value, selectors.Month):
        return {"$month": {field.name: encode(getattr(value, field.name)) for field in fields(value)}}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: encode(item) for key, item in value.items()}
        return {"$items": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, tuple):
        return {"$tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if type(value) is date:
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"Cannot store {type(value).__name__} in figures")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$caseload" in value:
        caseload = value["$caseload"]
        return selectors.Caseload(
            iro=User(**caseload["iro"]),
            children=caseload["children"],
            fte=None if caseload["fte"] is None else Decimal(caseload["fte"]),
            lac_children=caseload["lac_children"],
            agency=caseload["agency"],
        )
    if "$month" in value:
        return selectors.Month(**{name: decode(item) for name, item in value["$month"].items()})
    if "$items" in value:
        return {decode(key): decode(item) for key, item in value["$items"]}
    if "$tuple" in value:
        return tuple(decode(item) for item in value["$tuple"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    return {key: decode(item) for key, item in value.items()}
