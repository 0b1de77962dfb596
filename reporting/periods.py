"""The period a dashboard or report covers: a reporting year (1 April to 31 March), the year to
date, or any range of dates."""

from dataclasses import dataclass
from datetime import date

from iro_portal.dates import format_date
from reviews.timescales import reporting_year_start


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{format_date(self.start)} to {format_date(self.end)}"

    @property
    def reporting_year(self) -> int | None:
        """The first calendar year of the reporting year this period exactly covers, or None."""
        if self.start.month == 4 and self.start.day == 1 and self.end == date(self.start.year + 1, 3, 31):
            return self.start.year
        return None


MIN_REPORT_YEAR = 2000
"""The first reporting year the dashboard, the reports and the API give figures for."""
EARLIEST_DAY = date(MIN_REPORT_YEAR, 1, 1)
LATEST_DAY = date(2100, 12, 31)
MAX_PERIOD_DAYS = 3660
"""Ten years: a longer range is never a question a service asks, and each costs a full recount."""


def period_problems(start: date | None, end: date | None) -> dict[str, str]:
    """What is wrong with a period chosen by its two dates (either may be None), by field: the
    dashboard's page and the API both ask this."""
    if start and not end:
        return {"end": "Enter the date the period ends, or leave both dates empty."}
    if end and not start:
        return {"start": "Enter the date the period starts, or leave both dates empty."}
    if not start or not end:
        return {}
    for field, day in (("start", start), ("end", end)):
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            return {field: f"Enter a date from {format_date(EARLIEST_DAY)} to {format_date(LATEST_DAY)}."}
    if start > end:
        return {"end": "The end date must be the same as or after the start date."}
    if (end - start).days > MAX_PERIOD_DAYS:
        return {"end": "The period can be at most ten years long."}
    return {}


def a_year_before(period: Period) -> Period:
    """The same dates a year earlier (29 February becomes the 28th): last year, beside a period's figures."""

    def back(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28) if (day.month, day.day) == (2, 29) else day.day)

    return Period(back(period.start), back(period.end))


def year_to_date(on: date) -> Period:
    return Period(reporting_year_start(on), on)


def reporting_year(first_year: int) -> Period:
    """The reporting year starting on 1 April `first_year`."""
    return Period(date(first_year, 4, 1), date(first_year + 1, 3, 31))


def reporting_year_label(first_year: int) -> str:
    """How a reporting year is named on every page and in the report: "April 2025 to March 2026"."""
    return f"April {first_year} to March {first_year + 1}"


def recent_reporting_years(on: date, count: int = 5) -> list[tuple[int, str]]:
    """The current reporting year and the ones before it, newest first, as (year, label)."""
    current = reporting_year_start(on).year
    return [(year, reporting_year_label(year)) for year in range(current, current - count, -1)]
