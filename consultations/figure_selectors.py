"""The conditions the consultation figures count by (reporting.selectors.consultation_figures)
and the list of links each figure opens (figure_views): one rule for both, as SQL over links,
alerts and reviews.

A link, or an alert, counts in a period when its review's day is in it: the day the review was
held, or else the day it is due. A consultation link is sent before the review and answered
before it is held, so counting by the day a link was sent or answered would part a review's
links across two periods; by the review's day, each review's links stay together, in the
period the review itself is counted in."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce

from .models import CHILD_FORMS, FormVersion

CHILD_AGE_BANDS = [(form, FormVersion(form).label) for form in CHILD_FORMS]
"""The child's age bands, as the child's form: chosen by age on the review's day, or younger if
the IRO chose a younger child's form for a child who needs it."""

LISTENED_SCORES = [
    (1, "1: not at all"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5: very well"),
]
"""How well the review listened, as the feedback form asks it."""

SENT = Q(revoked_at__isnull=True)
"""A link sent and not withdrawn: a link withdrawn (or whose email failed, which withdraws it)
was never there to answer."""

RETURNED = Q(submitted_at__isnull=False)
"""A link answered: a reply was kept (a link answered cannot be withdrawn)."""


def alert_responded(prefix: str = "") -> Q:
    """Someone recorded what they did about the alert (through `prefix` from a link)."""
    return Q(**{f"{prefix}responded_at__isnull": False})


def alert_escalated(prefix: str = "") -> Q:
    """The alert, unanswered in time, was passed to the service managers."""
    return Q(**{f"{prefix}escalated_at__isnull": False})


RESPONDED = alert_responded()
ESCALATED = alert_escalated()


def review_day(prefix: str = "") -> Coalesce:
    """The day a review is counted on: held, or else due."""
    return Coalesce(f"{prefix}held_on", f"{prefix}due_date")


def reviewed_between(start: date, end: date, prefix: str = "review__") -> Q:
    """The review (through `prefix`) was held in the period, or, not held, is due in it."""
    return Q(**{f"{prefix}held_on__gte": start, f"{prefix}held_on__lte": end}) | Q(
        **{f"{prefix}held_on__isnull": True, f"{prefix}due_date__gte": start, f"{prefix}due_date__lte": end}
    )


def time_to_respond() -> ExpressionWrapper:
    """From an alert being raised to someone recording what they did."""
    return ExpressionWrapper(F("responded_at") - F("raised_at"), output_field=DurationField())


def hours(duration: timedelta | None) -> float | None:
    """A time to respond in hours, to one decimal place, as the figures show it."""
    if duration is None:
        return None
    return float((Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
