"""Figures of a scope narrower than the authority (an IRO's own children), worked out once and
kept in StoredFigures against the data version they were counted at (reporting.models.DataVersion,
moved by database triggers in the same commit as any change to the records). A request whose
version matches reads them back in one query; any committed change makes the next request count
afresh. The whole authority's figures are maintained instead (reporting.maintained). Figures are
never older than the records they say they describe, and each page says when they were counted.

One request counts while the others asking for the same figures wait for it (an advisory
lock on PostgreSQL; SQLite serialises writers already), so a cold dashboard under load is
counted once, not once per user."""

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import sees_every_child
from children.models import Child
from children.permissions import children_allocated_to
from reviews import timescales

from . import detail_selectors, maintained, outcome_selectors, selectors
from .figure_encoding import decode, encode
from .models import FiguresKind, MaintainedFigures, StoredFigures
from .periods import Period, reporting_year, year_to_date

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
        return authority_dashboard(period, on)
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


def authority_counting(kind: str, period: Period, on: date) -> Callable[[], dict]:
    """What works out the whole authority's figures of a kind for a period."""
    if kind == FiguresKind.DASHBOARD:
        return lambda: selectors.dashboard(period, on)
    if kind == FiguresKind.REPORTING_YEAR:
        return lambda: annual_report_figures(period, on)
    return lambda: outcome_selectors.outcome_figures(period.start.year)


def authority_dashboard(period: Period, on: date) -> Counted:
    """The whole authority's dashboard figures: what a service manager's dashboard shows."""
    kind = FiguresKind.DASHBOARD
    return _counted(kind, AUTHORITY, period, on, authority_counting(kind, period, on))


def count_the_day(on: date) -> None:
    """Count the whole authority's figures a new day is read with (the dashboard's year to date,
    this and last reporting year's report and outcomes), so that the day's first reader is not
    the one who waits while they are counted in full: 'overdue now' moves with the day, so
    figures are kept for one day."""
    this_year = timescales.reporting_year_start(on).year
    authority_dashboard(year_to_date(on), on)
    for year in (this_year, this_year - 1):
        year_figures(reporting_year(year), on)
        authority_outcome_figures(year, on)


def check_the_day(on: date) -> dict[str, list[int]]:
    """Count the day's kept figures afresh and repair any whose maintained counts differ
    (maintained.check): {figures: the shards that differed} for those that did."""
    repaired = {}
    for kind, start, end in MaintainedFigures.objects.filter(as_of=on).values_list(
        "kind", "period_start", "period_end"
    ):
        period = Period(start, end)
        differed = maintained.check(kind, period, on, authority_counting(kind, period, on))
        if differed:
            repaired[f"{kind} {start} to {end}"] = differed
    return repaired


def year_figures(period: Period, on: date) -> Counted:
    """The annual report's figures for one reporting year (annual_report_figures)."""
    kind = FiguresKind.REPORTING_YEAR
    return _counted(kind, AUTHORITY, period, on, authority_counting(kind, period, on))


def annual_report_figures(period: Period, on: date) -> dict[str, Any]:
    """reporting.selectors.reporting_year_figures, and reporting.detail_selectors' under "detail"."""
    return {
        **selectors.reporting_year_figures(period, on),
        "detail": detail_selectors.detail_year_figures(period, on),
    }


def authority_outcome_figures(first_year: int, on: date) -> Counted:
    """The whole authority's outcome figures for a reporting year: the outcomes page of a service
    manager and the annual report's outcomes section read the same stored row."""
    kind, period = FiguresKind.OUTCOMES, reporting_year(first_year)
    return _counted(kind, AUTHORITY, period, on, authority_counting(kind, period, on))


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
    """The whole authority's figures are maintained (reporting.maintained); a scope's are
    stored against the data version."""
    if scope == AUTHORITY:
        kept = maintained.figures(kind, period, on, count)
        return Counted(count(), timezone.now()) if kept is None else Counted(*kept)
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
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [maintained.lock_id(key)])
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


def forget_all(using: str, apps: Apps = global_apps, **kwargs: Any) -> None:
    """After a migration (a new release), figures are counted afresh: the rules that count them
    may have changed."""
    for model in ("StoredFigures", "MaintainedFigures"):
        try:
            stored = apps.get_model("reporting", model)
        except LookupError:
            continue
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
    marks = importlib.import_module("reporting.migrations.0010_maintained_figures")
    marks_with_tables = importlib.import_module("reporting.migrations.0011_changed_shard_source")
    with database.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
        for table in [*triggers.TABLES, *TABLES_JOINED_LATER, triggers.USER_TABLE]:
            for name, event in triggers.sqlite_events(table).items():
                if f"reporting_data_changed_{table}_{name}" not in present:
                    cursor.execute(triggers.SQLITE_TABLE_TRIGGER.format(table=table, name=name, event=event))
        if "reporting_changedshard" not in database.introspection.table_names(cursor):
            return
        columns = {
            column.name for column in database.introspection.get_table_description(cursor, "reporting_changedshard")
        }
        made_by = marks_with_tables if "source" in columns else marks
        for table in [*marks.CHILD_OF, *marks.EVERY_SHARD_TABLES]:
            for name, sql in made_by.sqlite_triggers(table):
                if name not in present:
                    cursor.execute(sql)
