"""Working-day rules as SQL expressions, over the CalendarDay table filled from timescales.

Each expression here answers the same question as the timescales function of the same name,
for every row of a query at once (tests check them against each other day by day). With
B(d) = working days before d and T(d) = working days up to and including d:
  event <= add_working_days(after, n)   <=>  B(event) < T(after) + n       (n >= 1)
  event <= add_working_days(before, -n) <=>  B(event) <= B(before) - n     (n >= 1)
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import router, transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.expressions import ResolvedOuterRef
from django.db.models.lookups import LessThan, LessThanOrEqual

from . import timescales
from .models import CalendarDay

FIRST_DAY = date(1995, 1, 1)
LAST_DAY = date(2050, 12, 31)


def calendar_rows(first=FIRST_DAY, last=LAST_DAY):
    before = 0
    day = first
    while day <= last:
        working = timescales.is_working_day(day)
        yield CalendarDay(day=day, is_working_day=working, working_days_before=before,
                          working_days_through=before + working)
        before += working
        day += timedelta(days=1)


def ensure_calendar(using="default", **kwargs):
    """Fill the calendar when it is missing or incomplete (after migrate, and after a test
    flushes the database). Cheap when it is already there."""
    if not router.allow_migrate_model(using, CalendarDay):
        return
    days = (LAST_DAY - FIRST_DAY).days + 1
    calendar = CalendarDay.objects.using(using)
    if calendar.count() == days and calendar.filter(day=FIRST_DAY, working_days_before=0).exists():
        return
    with transaction.atomic(using=using):
        calendar.all().delete()
        CalendarDay.objects.using(using).bulk_create(calendar_rows(), batch_size=5000)


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
    return LessThanOrEqual(
        _count(event, "working_days_before"), _count(before, "working_days_before") - Value(lead)
    )


def _field(day):
    if isinstance(day, JoinedDay):
        return F(day.field)
    if isinstance(day, str):
        return F(day)
    if isinstance(day, date):
        return Value(day)
    return day
