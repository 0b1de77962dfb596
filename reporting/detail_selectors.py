"""More of the annual report's figures for a reporting year, the detail the published reports
have: escalations raised formally and informally and how long each stage took to answer; LAC
reviews by how late they were held and whether they had been rebooked; IROs allocated in time
to children starting care; and the IROs' In-Contact plans with the children looked after.

Each function runs one query whatever the number of children, counted from the same
conditions the lists and the dashboard use (escalations.selectors, reviews.selectors,
caseloads.selectors, children.selectors)."""

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from caseloads.selectors import IRO_ALLOCATION_OUTCOMES, iro_allocation_conditions, iro_allocation_outcome
from children.models import Child
from children.selectors import dfe_looked_after
from escalations.codes import Stage
from escalations.models import Escalation, EscalationStep
from escalations.selectors import raised_between, went_formal
from oversight.models import InContactPlan
from reviews.models import CalendarDay, Review, ReviewKind
from reviews.selectors import HELD_LATE, held_between

from .periods import Period
from .selectors import percent
from .tallies import median, tally

LATENESS_BANDS = [
    ("up_to_5", "Up to 5 working days late", None, 5),
    ("6_to_20", "6 to 20 working days late", 6, 20),
    ("over_20", "More than 20 working days late", 21, None),
]
"""(key, label, from, to) working days after the due date, both ends included. A review held on
a weekend or bank holiday just after its due date is late by no working day: it is in the
first band."""

REBOOKED = Q(times_booked__gte=2)
"""A review whose date was booked more than once (reviews.services.book_review counts them)."""


def _working_days_through(day: Any) -> Subquery:
    """The working days up to and including a date of the row (reviews.working_day_calendar's
    T(d)), so that the working days between two dates is T(later) - T(earlier), as
    iro_portal.working_days.working_days_between counts them."""
    return Subquery(CalendarDay.objects.filter(day=OuterRef(day)).values("working_days_through")[:1])


def _in_band(low: int | None, high: int | None) -> Q:
    condition = Q()
    if low is not None:
        condition &= Q(working_days_late__gte=low)
    if high is not None:
        condition &= Q(working_days_late__lte=high)
    return condition


def escalation_process_figures(period: Period) -> dict[str, Any]:
    """Of the escalations raised in the period: those that went formal (reached team manager or
    above) and those that never left informal resolution; and, of the steps answered in the
    period, how many at each stage and the median working days from sending to the answer.
    Two queries."""
    raised = raised_between(period.start, period.end)
    formal = Q(went_formal())
    counts = tally(
        "escalations_formal",
        Escalation.objects.all(),
        child="child_id",
        raised_formal=Count("pk", filter=raised & formal),
        raised_informal=Count("pk", filter=raised & ~formal),
    )
    steps = tally(
        "escalation_steps_answered",
        EscalationStep.objects.filter(responded_on__gte=period.start, responded_on__lte=period.end).annotate(
            working_days=_working_days_through("responded_on") - _working_days_through("sent_on")
        ),
        child="escalation__child_id",
        by=("stage", "working_days"),
        answered=Count("pk"),
    )
    answered: dict[int, dict[int, int]] = {stage: {} for stage in Stage.values}
    for row in steps:
        answered[row["stage"]][row["working_days"]] = row["answered"]
    by_stage = {}
    for stage, counted in answered.items():
        middle = median(counted)
        by_stage[stage] = {
            "answered": sum(counted.values()),
            "median_working_days": None if middle is None else round(float(middle), 1),
        }
    return {**counts, "stages": by_stage}


def late_review_figures(period: Period) -> dict[str, Any]:
    """LAC reviews held late in the period by how many working days after the due date
    (LATENESS_BANDS, the working-day calendar), and how many of each had been rebooked. One
    query."""
    late = held_between(Review.objects.filter(kind=ReviewKind.LAC), period.start, period.end).filter(HELD_LATE)
    late = late.annotate(working_days_late=_working_days_through("held_on") - _working_days_through("due_date"))
    row = tally(
        "late_reviews",
        late,
        child="child_id",
        late=Count("pk"),
        rebooked=Count("pk", filter=REBOOKED),
        **{f"band_{key}": Count("pk", filter=_in_band(low, high)) for key, _, low, high in LATENESS_BANDS},
        **{
            f"band_{key}_rebooked": Count("pk", filter=_in_band(low, high) & REBOOKED)
            for key, _, low, high in LATENESS_BANDS
        },
    )
    return {
        "late": row["late"],
        "rebooked": row["rebooked"],
        "bands": {
            key: {"late": row[f"band_{key}"], "rebooked": row[f"band_{key}_rebooked"]}
            for key, _, _, _ in LATENESS_BANDS
        },
    }


def iro_allocation_figures(period: Period, on: date) -> dict[str, Any]:
    """Children who started to be looked after in the period, by whether an IRO was allocated
    within the standard (caseloads.selectors.iro_allocation_outcome, as the dashboard counts
    them); the percentage is of those whose time to allocate has run out. One query."""
    allocation = iro_allocation_conditions(period.start, period.end, on)
    flagged = Child.objects.annotate(**{f"figure_{name}": condition for name, condition in allocation.items()})
    read_back = {name: Q(**{f"figure_{name}": True}) for name in allocation}
    row = tally(
        "iro_allocation",
        flagged,
        child="pk",
        once_per_row=True,
        started=Count("pk", filter=Q(figure_started=True)),
        **{
            outcome: Count("pk", filter=iro_allocation_outcome(outcome, **read_back))
            for outcome, _ in IRO_ALLOCATION_OUTCOMES
        },
    )
    return {**row, "percent_in_time": percent(row["in_time"], row["in_time"] + row["late"])}


def in_contact_figures(period: Period) -> dict[str, Any]:
    """Children looked after at the end of the period (as the DfE counts them) with an
    In-Contact plan open that day (how the IRO and the child agreed to keep in touch), and
    children with a plan agreed in the period. One query."""
    end = period.end
    open_at_end = InContactPlan.objects.filter(child=OuterRef("pk"), agreed_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=end)
    )
    agreed = InContactPlan.objects.filter(child=OuterRef("pk"), agreed_on__gte=period.start, agreed_on__lte=end)
    looked_after = Q(dfe_looked_after(end, every_child=True))
    row = tally(
        "in_contact",
        Child.objects.all(),
        child="pk",
        looked_after_at_end=Count("pk", filter=looked_after),
        with_plan_at_end=Count("pk", filter=looked_after & Q(Exists(open_at_end))),
        agreed_in_period=Count("pk", filter=Q(Exists(agreed))),
    )
    return {
        **row,
        "percent_with_plan_at_end": percent(row["with_plan_at_end"], row["looked_after_at_end"]),
    }


def detail_year_figures(period: Period, on: date) -> dict[str, Any]:
    """All of the above for one reporting year: five queries."""
    return {
        "escalation_process": escalation_process_figures(period),
        "late_reviews": late_review_figures(period),
        "iro_allocation": iro_allocation_figures(period, on),
        "in_contact": in_contact_figures(period),
    }
