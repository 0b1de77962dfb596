"""The working-day calendar: Monday to Friday other than a bank holiday in England, the bank
holidays taken from the `holidays` package. The one source of working days: reviews.timescales
counts with it, the CalendarDay table (reviews.working_day_calendar) is written from it, and the
demo data draws its dates with it. A library module with no models, so every app may import it.

Days from FIRST_DAY to LAST_DAY are counted from an index built once per process, so the
thousands of dates a page, a report or the demo data work out are looked up rather than counted
day by day; days outside it are counted day by day with the same rule."""

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import NamedTuple

import holidays

FIRST_DAY = date(1995, 1, 1)
LAST_DAY = date(2050, 12, 31)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays in England in `year`."""
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday, excluding bank holidays in England."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


class CountedDay(NamedTuple):
    day: date
    is_working_day: bool
    working_days_before: int
    """Working days from FIRST_DAY up to, not including, this day."""


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[int, ...], tuple[date, ...]]:
    """Working days before each day of the covered range (by offset from FIRST_DAY), and the
    working days of the range in order."""
    before: list[int] = []
    working: list[date] = []
    day = FIRST_DAY
    while day <= LAST_DAY:
        before.append(len(working))
        if is_working_day(day):
            working.append(day)
        day += timedelta(days=1)
    return tuple(before), tuple(working)


def calendar_days() -> Iterator[CountedDay]:
    """Every day of the covered range with its working-day count, for the CalendarDay table."""
    before, _ = _index()
    for offset, count in enumerate(before):
        day = FIRST_DAY + timedelta(days=offset)
        yield CountedDay(day, is_working_day(day), count)


def fingerprint() -> str:
    """A hash of the covered range and its bank holidays: it changes when a `holidays` release
    adds, moves or drops a bank holiday, and then the CalendarDay table is written again."""
    days = [FIRST_DAY, LAST_DAY] + sorted(
        holiday for year in range(FIRST_DAY.year, LAST_DAY.year + 1) for holiday in bank_holidays(year)
    )
    return hashlib.sha256(",".join(day.isoformat() for day in days).encode()).hexdigest()


def _through(day: date) -> int | None:
    """Working days from FIRST_DAY up to and including `day`; None outside the covered range."""
    if not FIRST_DAY <= day <= LAST_DAY:
        return None
    return _index()[0][(day - FIRST_DAY).days] + is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The Nth working day after `start` (`start` itself not counted); a negative N counts back."""
    through = _through(start)
    if through is not None and n:
        working = _index()[1]
        position = through + n - 1 if n > 0 else through - is_working_day(start) + n
        if 0 <= position < len(working):
            return working[position]
    step = 1 if n >= 0 else -1
    day = start
    remaining = abs(n)
    while remaining:
        day += timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is earlier.
    So working_days_between(d, add_working_days(d, n)) == n."""
    sign = 1 if end >= start else -1
    low, high = (start, end) if sign > 0 else (end, start)
    low_through, high_through = _through(low), _through(high)
    if low_through is not None and high_through is not None:
        return sign * (high_through - low_through)
    count = 0
    day = low + timedelta(days=1)
    while day <= high:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return sign * count


def on_or_before(day: date) -> date:
    """`day` when it is a working day, else the last working day before it."""
    return day if is_working_day(day) else add_working_days(day, -1)


def on_or_after(day: date) -> date:
    """`day` when it is a working day, else the first working day after it."""
    return day if is_working_day(day) else add_working_days(day, 1)
