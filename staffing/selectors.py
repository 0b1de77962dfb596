"""Reads about IROs' staffing as it was on a day: the one place that says which FTE, and whether
an agency IRO, counts for a day. Caseloads (reporting.selectors.caseloads) and the IRO's own
caseload page divide by the FTE these give for the day they count."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.models import Role, User

from .models import StaffingPeriod, open_on


def period_on(iro: User, on: date) -> StaffingPeriod | None:
    return StaffingPeriod.objects.filter(open_on(on), iro=iro).first()


def fte_on(iro: User, on: date) -> Decimal | None:
    """The IRO's full-time equivalent on the day; None when they were not on the staff that day."""
    period = period_on(iro, on)
    return None if period is None else period.fte


def staffing_on(on: date, field: str) -> Subquery:
    """The `field` ("fte", "agency") of each IRO's period open on `on`, to annotate a User query
    with (None when no period is): one lookup per IRO inside the query that lists them."""
    return Subquery(StaffingPeriod.objects.filter(open_on(on), iro=OuterRef("pk")).values(field)[:1])


def staffed_on(on: date) -> QuerySet[StaffingPeriod]:
    """The periods open on `on`: one per IRO on the staff that day."""
    return StaffingPeriod.objects.filter(open_on(on))


def history(iro: User) -> list[StaffingPeriod]:
    """The IRO's periods, the latest first, as the staffing page's table lists them."""
    return list(iro.staffing_periods.select_related("created_by").order_by("-starts_on"))


def latest_period(iro: User) -> StaffingPeriod | None:
    return iro.staffing_periods.order_by("-starts_on").first()


def staff_list(on: date) -> list[Any]:
    """Every IRO with an active account or on the staff on `on`, with their FTE and agency status
    that day, by name. One query."""
    return list(
        User.objects.filter(role=Role.IRO)
        .annotate(fte_today=staffing_on(on, "fte"), agency_today=staffing_on(on, "agency"))
        .exclude(is_active=False, fte_today__isnull=True)
        .order_by("first_name", "last_name", "pk")
    )
