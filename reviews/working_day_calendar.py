"""Working-day rules as SQL expressions, over the CalendarDay table written from iro_portal.working_days.

Each expression here answers the same question as the timescales function of the same name,
for every row of a query at once (tests check them against each other day by day). With
B(d) = working days before d and T(d) = working days up to and including d:
  event <= add_working_days(after, n)   <=>  B(event) < T(after) + n       (n >= 1)
  event <= add_working_days(before, -n) <=>  B(event) <= B(before) - n     (n >= 1)
"""

from dataclasses import dataclass
from datetime import date

from django.db import router, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.expressions import ResolvedOuterRef
from django.db.models.lookups import LessThan, LessThanOrEqual

from iro_portal import working_days

from .models import CalendarDay, CalendarFingerprint


def ensure_calendar(using="default", **kwargs):
    """Write the calendar when the bank holidays it was written from have changed, or it was
    never written (after migrate, and after a test empties the database, which leaves it in
    place): one query when it is up to date."""
    if not router.allow_migrate_model(using, CalendarDay):
        return
    fingerprint = working_days.fingerprint()
    if CalendarFingerprint.objects.using(using).filter(fingerprint=fingerprint).exists():
        return
    with transaction.atomic(using=using):
        CalendarDay.objects.using(using).all().delete()
        CalendarDay.objects.using(using).bulk_create(
            (
                CalendarDay(
                    day=day, is_working_day=working, working_days_before=before, working_days_through=before + working
                )
                for day, working, before in working_days.calendar_days()
            ),
            batch_size=5000,
        )
        CalendarFingerprint.objects.using(using).all().delete()
        CalendarFingerprint.objects.using(using).create(fingerprint=fingerprint)


@dataclass(frozen=True)
class JoinedDay:
    """A date of the row being judged whose calendar row is joined through a relation (such as
    Review.held_on_day): a query over many rows then reads the calendar in one join instead of
    looking each date up row by row."""

    field: str
    calendar_day: str


def _ref(day):
    """A day for the calendar lookup: a field of the row being judged, an outer reference, a
    date constant, or a date-valued expression."""
    if isinstance(day, str):
        return OuterRef(day)
    if isinstance(day, (OuterRef, ResolvedOuterRef)):
        return OuterRef(day)
    if isinstance(day, date):
        return Value(day)
    return day


def _count(day, column):
    if isinstance(day, JoinedDay):
        return F(f"{day.calendar_day}__{column}")
    return Subquery(CalendarDay.objects.filter(day=_ref(day)).values(column)[:1])


def within_working_days(event, after, limit):
    """SQL form of timescales.within_working_days: `event` on or before the `limit`th working
    day after `after`. False when `event` is empty."""
    if limit <= 0:
        return LessThanOrEqual(_field(event), _field(after))
    return LessThan(_count(event, "working_days_before"), _count(after, "working_days_through") + Value(limit))


def at_least_working_days_before(event, before, lead):
    """SQL form of timescales.at_least_working_days_before: `event` on or before the `lead`th
    working day before `before`. False when `event` is empty."""
    if lead <= 0:
        return LessThanOrEqual(_field(event), _field(before))
    return LessThanOrEqual(_count(event, "working_days_before"), _count(before, "working_days_before") - Value(lead))


def _field(day):
    if isinstance(day, JoinedDay):
        return F(day.field)
    if isinstance(day, str):
        return F(day)
    if isinstance(day, date):
        return Value(day)
    return day
