"""Reads for the IRO's caseload: each child with their next review, plan (RAG) rating, open
escalation and last oversight, which the apps below (children, reviews, oversight, escalations)
each know a part of; and whether an IRO was allocated in time after care started (a filter of the
children list and a dashboard figure), counted on the reviews app's working-day calendar."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value, When

from accounts.models import User
from children.models import Allocation, Child
from children.permissions import children_visible_to
from children.selectors import child_has_one_of, matching_search, period_of_care_starts_between, started_care_between
from escalations.codes import Stage
from escalations.selectors import with_open_escalation
from oversight.selectors import with_latest_oversight
from reviews.selectors import review_timing, with_next_review
from reviews.working_day_calendar import within_working_days

_BY_NAME = ("family_name", "given_name", "id")
_RAG_ORDER = Case(
    When(current_rag="red", then=Value(0)),
    When(current_rag="amber", then=Value(1)),
    When(current_rag="green", then=Value(2)),
    default=Value(3),
)
CASELOAD_SORTS = {
    "name": ("Name", [F("family_name").asc(), F("given_name").asc()]),
    "next_review": ("Next review", [F("next_review_due").asc(nulls_last=True)]),
    "rag": ("RAG rating", [_RAG_ORDER.asc()]),
    "escalation": ("Open escalation", [F("open_escalation_id").asc(nulls_last=True)]),
    "last_oversight": ("Last oversight", [F("last_record_date").asc(nulls_first=True)]),
}
"""The caseload's columns an IRO can sort by: (heading, the order a first click gives), the
most pressing first: the soonest review, red ratings, open escalations, the longest without
oversight. A second click reverses the order; names break ties."""
CASELOAD_DEFAULT_SORT = "next_review"


def caseload_sort(value: str | None) -> tuple[str, bool]:
    """(key, descending) from ?sort= ("rag", or "-rag" for the reverse); the default for any
    other value."""
    value = value or ""
    key = value.removeprefix("-")
    if key not in CASELOAD_SORTS:
        return CASELOAD_DEFAULT_SORT, False
    return key, value.startswith("-")


def caseload(
    viewer: User,
    iro: User,
    on: date,
    *,
    search: str = "",
    sort: str = CASELOAD_DEFAULT_SORT,
    descending: bool = False,
) -> QuerySet[Child]:
    """The children currently allocated to `iro` that `viewer` may open (their own caseload, or
    one they cover for: children.permissions decides), with what the caseload shows: the next
    review, the current RAG rating, an open escalation and the last oversight record. Searched
    by name or ID and sorted by a CASELOAD_SORTS key, in a fixed number of queries."""
    allocated = Allocation.objects.current(on).filter(iro=iro).values("child_id")
    children = children_visible_to(viewer, Child.objects.filter(pk__in=allocated), on=on)
    children = with_open_escalation(with_latest_oversight(with_next_review(matching_search(children, search)), on), on)
    order: list[Any] = [(term.copy().reverse_ordering() if descending else term) for term in CASELOAD_SORTS[sort][1]]
    return children.order_by(*order, *_BY_NAME)


@dataclass(frozen=True)
class CaseloadRow:
    child: Child
    next_review: object
    next_review_timing: object
    current_rag: str
    open_escalation_id: int | None
    open_escalation_stage: str
    open_escalation_response_overdue: bool
    last_oversight: date | None


def caseload_rows(children: Iterable[Any], on: date) -> list[CaseloadRow]:
    rows = []
    for child in children:
        next_review = child.outstanding_reviews[0] if child.outstanding_reviews else None
        stage = child.open_escalation_stage
        rows.append(
            CaseloadRow(
                child=child,
                next_review=next_review,
                next_review_timing=review_timing(next_review, on) if next_review else None,
                current_rag=child.current_rag or "",
                open_escalation_id=child.open_escalation_id,
                open_escalation_stage=Stage(stage).label if stage else "",
                open_escalation_response_overdue=child.open_escalation_response_overdue,
                last_oversight=child.last_record_date,
            )
        )
    return rows


IRO_ALLOCATION_OUTCOMES = [
    ("in_time", "IRO allocated in time"),
    ("late", "IRO not allocated in time"),
    ("pending", "Still within the time to allocate"),
]


def iro_allocation_after_care_started(start: date, end: date, on: date, outcome: str) -> Q:
    """Children who started to be looked after in the period, by whether an IRO was allocated
    within the standard (5 working days by default) of each start: in time for every start;
    late for at least one whose deadline has passed by `on`; otherwise still pending."""
    return iro_allocation_outcome(
        outcome, **{name: Q(condition) for name, condition in iro_allocation_conditions(start, end, on).items()}
    )


def iro_allocation_conditions(start: date, end: date, on: date) -> dict[str, Exists | ExpressionWrapper]:
    """What iro_allocation_outcome reads, as conditions on a Child query: started to be looked
    after in the period (started); a start in it with no IRO allocated within the standard
    (without_timely); and one of those whose deadline has passed by `on` (past_deadline)."""
    days = settings.REVIEW_STANDARDS["iro_allocated_within_working_days"]
    timely_allocation = Allocation.objects.filter(child=OuterRef("child")).filter(
        within_working_days("start_date", OuterRef("start_date"), days),
        Q(end_date__isnull=True) | Q(end_date__gt=OuterRef("start_date")),
    )
    without_timely = period_of_care_starts_between(start, end).filter(~Exists(timely_allocation))
    past_deadline = without_timely.filter(~Q(within_working_days(on, "start_date", days)))
    return {
        "started": started_care_between(start, end),
        "without_timely": child_has_one_of(without_timely),
        "past_deadline": child_has_one_of(past_deadline),
    }


def iro_allocation_outcome(outcome: str, started: Any, without_timely: Any, past_deadline: Any) -> Any:
    """An outcome of iro_allocation_after_care_started from iro_allocation_conditions (given
    as Q objects, or as annotations read back)."""
    if outcome == "in_time":
        return started & ~without_timely
    if outcome == "late":
        return past_deadline
    return without_timely & ~past_deadline
