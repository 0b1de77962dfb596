"""A date or time shown without a format (the admin site, a template's bare value) reads as
iro_portal/dates.py writes them."""

from iro_portal.dates import DATE_FORMAT, DATETIME_FORMAT

__all__ = ["DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"]

TIME_FORMAT = "H:i"
