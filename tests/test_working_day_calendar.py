"""The SQL working-day rules give the same answers as reviews.timescales, day by day, across
weekends and the Christmas, New Year and Easter bank holidays."""

from datetime import date, timedelta

import pytest

from reviews import timescales
from reviews.models import CalendarDay
from reviews.working_day_calendar import (
    FIRST_DAY,
    LAST_DAY,
    at_least_working_days_before,
    ensure_calendar,
    within_working_days,
)

WINDOW = [date(2025, 12, 15) + timedelta(days=offset) for offset in range(45)] + [
    date(2026, 3, 30) + timedelta(days=offset) for offset in range(21)
]


def _days_matching(condition):
    return set(CalendarDay.objects.filter(day__in=WINDOW).filter(condition).values_list("day", flat=True))


@pytest.mark.django_db
def test_the_calendar_is_filled_after_migrate_and_counts_working_days():
    assert CalendarDay.objects.count() == (LAST_DAY - FIRST_DAY).days + 1
    christmas = CalendarDay.objects.get(day=date(2025, 12, 25))
    boxing_day = CalendarDay.objects.get(day=date(2025, 12, 26))
    assert not christmas.is_working_day and not boxing_day.is_working_day
    next_monday = CalendarDay.objects.get(day=date(2025, 12, 29))
    christmas_eve = CalendarDay.objects.get(day=date(2025, 12, 24))
    assert next_monday.working_days_through == christmas_eve.working_days_through + 1


@pytest.mark.django_db
def test_ensure_calendar_refills_an_emptied_table():
    CalendarDay.objects.filter(day__year=2026).delete()
    ensure_calendar()
    assert CalendarDay.objects.filter(day__year=2026).count() == 365


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [0, 1, 3, 5, 20])
def test_within_working_days_matches_timescales(limit):
    for event in WINDOW[::3]:
        expected = {after for after in WINDOW if timescales.within_working_days(event, after, limit)}
        assert _days_matching(within_working_days(event, "day", limit)) == expected, (event, limit)
    for after in WINDOW[::3]:
        expected = {event for event in WINDOW if timescales.within_working_days(event, after, limit)}
        assert _days_matching(within_working_days("day", after, limit)) == expected, (after, limit)


@pytest.mark.django_db
@pytest.mark.parametrize("lead", [0, 1, 3, 5])
def test_at_least_working_days_before_matches_timescales(lead):
    for before in WINDOW[::3]:
        expected = {event for event in WINDOW if timescales.at_least_working_days_before(event, before, lead)}
        assert _days_matching(at_least_working_days_before("day", before, lead)) == expected, (before, lead)
    for event in WINDOW[::3]:
        expected = {before for before in WINDOW if timescales.at_least_working_days_before(event, before, lead)}
        assert _days_matching(at_least_working_days_before(event, "day", lead)) == expected, (event, lead)
