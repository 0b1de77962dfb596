"""Calendar-month arithmetic, as pure functions of dates: the statutory timescales count in
months (reviews.timescales names these with its rules), and the child protection plan measures
(children.selectors) count how long a plan has been open. A library module with no models, so
every app may import it."""

import calendar
from datetime import date, timedelta


def add_months(start: date, n: int) -> date:
    """The same day N calendar months later, clamped to the last day of that month."""
    month_index = start.month - 1 + n
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def latest_start_open_longer_than(on: date, months: int, *, or_exactly: bool = False) -> date:
    """The latest start date of something still open on `on` that has by then been open for
    more than `months` months (or for `months` months or more): the long child protection
    plan measures. add_months clamps month ends, so this searches around the plain answer."""

    def long_enough(start: date) -> bool:
        end = add_months(start, months)
        return end <= on if or_exactly else end < on

    day = add_months(on, -months)
    while not long_enough(day):
        day -= timedelta(days=1)
    while long_enough(day + timedelta(days=1)):
        day += timedelta(days=1)
    return day
