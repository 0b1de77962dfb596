"""Reads about reviews: the due list, a child's history and the quality standards."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch

from accounts.permissions import children_visible_to
from children.models import Allocation, Child

from . import timescales
from .models import OUTSTANDING_STATUSES, Review, ReviewStatus


def reviews_visible_to(user, reviews, on=None):
    """Reviews of the children the user may open (accounts.permissions decides which)."""
    return reviews.filter(child__in=children_visible_to(user, Child.objects.all(), on=on))


def outstanding_reviews(user, on):
    """Due and booked reviews the user may see, soonest first, ready for listing."""
    reviews = Review.objects.filter(status__in=OUTSTANDING_STATUSES).select_related("child")
    return reviews_visible_to(user, reviews, on=on).prefetch_related(
        Prefetch(
            "child__allocations",
            queryset=Allocation.objects.current(on).select_related("iro"),
            to_attr="current_allocations",
        )
    ).order_by("due_date", "child__family_name", "id")


DUE_PERIODS = [
    ("overdue", "Overdue"),
    ("20_working_days", "Due in the next 20 working days"),
    ("3_months", "Due in the next 3 months"),
]


def due_within(reviews, on, period):
    """Narrow the due list to a period: overdue, or due within 20 working days or 3 months."""
    if period == "overdue":
        return reviews.filter(due_date__lt=on)
    if period == "20_working_days":
        return reviews.filter(due_date__lte=timescales.add_working_days(on, 20))
    if period == "3_months":
        return reviews.filter(due_date__lte=timescales.add_months(on, 3))
    return reviews


@dataclass(frozen=True)
class DueRow:
    review: Review
    working_days_remaining: int
    iro: object

    @property
    def is_late(self):
        return self.working_days_remaining < 0

    @property
    def working_days_late(self):
        return -self.working_days_remaining


def due_rows(reviews, on):
    return [
        DueRow(
            review=review,
            working_days_remaining=timescales.working_days_between(on, review.due_date),
            iro=next((a.iro for a in getattr(review.child, "current_allocations", [])), None),
        )
        for review in reviews
    ]


def review_history(child):
    """Every review and conference of a child that was held or is outstanding, newest first."""
    return list(
        child.reviews.exclude(status=ReviewStatus.CANCELLED).select_related("chair").order_by("-due_date", "-id")
    )


def quality_standards(review: Review):
    """Whether a held review met the local standards (DESIGN.md section 3), None if not known yet."""
    if review.held_on is None:
        return []
    standards = settings.REVIEW_STANDARDS
    report_days = standards["social_worker_report_working_days_before"]
    decisions_days = standards["decisions_circulated_within_working_days"]
    record_days = standards["record_circulated_within_working_days"]
    return [
        _standard(
            f"Social worker's report at least {report_days} working days before",
            review.social_worker_report_received,
            timescales.at_least_working_days_before(review.social_worker_report_received, review.held_on, report_days),
        ),
        _standard(
            f"Decisions circulated within {decisions_days} working days",
            review.decisions_circulated,
            timescales.within_working_days(review.decisions_circulated, review.held_on, decisions_days),
        ),
        _standard(
            f"Full record circulated within {record_days} working days",
            review.record_circulated,
            timescales.within_working_days(review.record_circulated, review.held_on, record_days),
        ),
    ]


def _standard(label, recorded: date | None, met: bool):
    return {"label": label, "date": recorded, "met": met}
