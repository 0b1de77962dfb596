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
    def label(self):
        return f"{format_date(self.start)} to {format_date(self.end)}"

    @property
    def reporting_year(self):
        """The first calendar year of the reporting year this period exactly covers, or None."""
        if self.start.month == 4 and self.start.day == 1 and self.end == date(self.start.year + 1, 3, 31):
            return self.start.year
        return None


def year_to_date(on):
    return Period(reporting_year_start(on), on)


def reporting_year(first_year):
    """The reporting year starting on 1 April `first_year`."""
    return Period(date(first_year, 4, 1), date(first_year + 1, 3, 31))


def recent_reporting_years(on, count=5):
    """The current reporting year and the ones before it, newest first, as (year, label)."""
    current = reporting_year_start(on).year
    return [(year, f"April {year} to March {year + 1}") for year in range(current, current - count, -1)]
