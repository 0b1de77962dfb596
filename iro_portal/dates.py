"""How a date or a time reads for a person, everywhere: pages, emails, messages and the CSV
files people open ("21 May 2025", "21 May 2025, 09:15"), never "2025-05-21". Templates use the
same through the `day` and `day_and_time` filters (iro_portal/templatetags/govuk.py), and the
locale's defaults say the same (iro_portal/formats). Files for machines, such as the SSDA903
return and the API, keep their own formats."""

import datetime

from django.utils import dateformat, timezone

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
DATETIME_WITH_SECONDS_FORMAT = "j F Y, H:i:s"


def format_date(value):
    """'21 May 2025'; a date and time gives its UK date; nothing gives ''."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, DATE_FORMAT)


def format_datetime(value, *, seconds=False):
    """'21 May 2025, 09:15' in UK time (with ':03' seconds when asked); nothing gives ''."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, DATETIME_WITH_SECONDS_FORMAT if seconds else DATETIME_FORMAT)
