"""The working-day calendar: its index counts as the day-by-day rule does, and its bank holidays
(the `holidays` package) reach at least three years ahead, in Python and in the CalendarDay table."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from iro_portal import working_days
from reviews.models import CalendarDay


def _counted_day_by_day(start, n):
    day, step, remaining = start, 1 if n >= 0 else -1, abs(n)
    while remaining:
        day += timedelta(days=step)
        remaining -= working_days.is_working_day(day)
    return day


def _working_days_counted_day_by_day(start, end):
    low, high = sorted((start, end))
    count = sum(working_days.is_working_day(low + timedelta(days=offset)) for offset in range(1, (high - low).days + 1))
    return count if end >= start else -count


def test_the_index_counts_as_the_day_by_day_rule_does_inside_and_across_its_edges():
    rng = random.Random(1)
    days = [date(2019, 1, 1) + timedelta(days=rng.randint(-60, 3300)) for _ in range(2000)]
    days += [working_days.FIRST_DAY + timedelta(days=offset) for offset in range(-10, 10)]
    days += [working_days.LAST_DAY + timedelta(days=offset) for offset in range(-10, 10)]
    for day in days:
        count = rng.randint(-40, 40)
        assert working_days.add_working_days(day, count) == _counted_day_by_day(day, count), (day, count)
        other = day + timedelta(days=rng.randint(-60, 60))
        assert working_days.working_days_between(day, other) == _working_days_counted_day_by_day(day, other), (
            day,
            other,
        )
        before, after = working_days.on_or_before(day), working_days.on_or_after(day)
        assert working_days.is_working_day(before) and before <= day
        assert working_days.is_working_day(after) and after >= day
        assert working_days.working_days_between(before, day) == 0


def easter(year):
    """Easter Sunday (the anonymous Gregorian algorithm), worked out apart from the `holidays` package."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    lost = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * lost) // 451
    month, day = divmod(h + lost - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _substitute(day, taken=()):
    """A bank holiday on a weekend (or on another holiday's substitute) moves to the next weekday."""
    while day.weekday() >= 5 or day in taken:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("years_ahead", [0, 1, 2, 3])
def test_the_bank_holidays_of_england_are_known_three_years_ahead(years_ahead):
    year = timezone.localdate().year + years_ahead
    christmas = _substitute(date(year, 12, 25))
    expected = {
        "New Year's Day": _substitute(date(year, 1, 1)),
        "Good Friday": easter(year) - timedelta(days=2),
        "Easter Monday": easter(year) + timedelta(days=1),
        "Christmas Day": christmas,
        "Boxing Day": _substitute(date(year, 12, 26), {christmas}),
    }
    for name, day in expected.items():
        assert not working_days.is_working_day(day), (name, day)
    assert working_days.is_working_day(_substitute(expected["Easter Monday"] + timedelta(days=1)))


@pytest.mark.django_db
def test_the_calendar_table_reaches_three_years_ahead():
    last = date(timezone.localdate().year + 3, 12, 31)
    assert working_days.LAST_DAY >= last
    assert CalendarDay.objects.filter(day__gte=last).exists()
    boxing_days = CalendarDay.objects.filter(day__year=last.year, day__month=12, day__day__gte=25, day__lte=last)
    assert [row.is_working_day for row in boxing_days] == [working_days.is_working_day(row.day) for row in boxing_days]
