"""The figures of the service-manager dashboard (and later the annual report and the API).

Every figure is counted in SQL with the same condition the list behind it filters on (the
conditions live with their domain: reviews, children, oversight and escalations selectors), so
"12 overdue" always opens a list of 12. Each function runs a fixed number of queries whatever
the number of children. `children` narrows every figure to a set of children (an IRO's own
caseload); None means the whole authority.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar, cast

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth

from accounts.models import Role, User
from caseloads.selectors import IRO_ALLOCATION_OUTCOMES, iro_allocation_conditions, iro_allocation_outcome
from children.codes import CategoryOfAbuse, LegalStatus, Sex
from children.models import Allocation, Child, ChildProtectionPlan, open_on
from children.selectors import (
    AGE_BANDS,
    EPISODE_GROUPS,
    ETHNIC_GROUPS,
    PLACEMENT_GROUPS,
    PLAN_LENGTHS,
    PROVIDER_GROUPS,
    aged_between,
    ceased_care_between,
    dfe_ceased_care_between,
    dfe_episodes,
    dfe_looked_after,
    dfe_looked_after_between,
    dfe_started_care_between,
    latest_plan_start_for,
    looked_after,
    looked_after_between,
    on_protection_plan,
    only_short_breaks_between,
    only_short_breaks_on,
    protection_plan_category_on,
    protection_plan_lasted_two_years,
    protection_plan_open_for,
    protection_plan_open_since,
    repeat_protection_plan,
)
from consultations.figure_selectors import (
    CHILD_AGE_BANDS,
    ESCALATED,
    LISTENED_SCORES,
    RESPONDED,
    RETURNED,
    SENT,
    hours,
    reviewed_between,
    time_to_respond,
)
from consultations.models import CONSULTED_KINDS, AlertReason, ConsultationInvitation, PersonType, Purpose, SafetyAlert
from escalations.codes import AreaOfConcern, EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern
from escalations.selectors import (
    formal_process_within_limit,
    raised_between,
    referred_to_cafcass_between,
    resolved_between,
    response_overdue,
    went_formal,
    with_current_step,
    with_formal_process,
    withdrawn_between,
)
from escalations.timescales import formal_process_limit
from oversight.models import OversightKind, OversightRecord, Rag
from oversight.selectors import (
    check_overdue,
    no_record_this_quarter,
    rated,
    recorded_between,
    seen_by_iro_before_review,
    with_latest_oversight,
)
from reviews import timescales
from reviews.conference_selectors import FIRST_CORE_GROUP_OUTCOMES, first_core_group, quorate
from reviews.models import (
    CONFERENCE_KINDS,
    OUTSTANDING_STATUSES,
    LateReason,
    ParentsParticipation,
    ParticipationCode,
    Review,
    ReviewKind,
)
from reviews.record_models import CarePlanCheck, CarePlanCheckKind, CheckAnswer, ReviewViews, ViewsGiven, ViewsOf
from reviews.record_selectors import (
    CHECK_NOT_RECORDED,
    care_plan_checked,
    child_views_only_not_obtained,
    parents_attended,
    permanence_review,
)
from reviews.selectors import (
    HELD_IN_TIMESCALE,
    HELD_LATE,
    PARTICIPATION_RATE_CODES,
    QUALITY_STANDARDS,
    due_in,
    held_between,
    quality_outcome,
)
from staffing.selectors import staffing_on

from .periods import Period, a_year_before
from .tallies import median, tally

M = TypeVar("M", bound=Model)

CASELOAD_BAND = (50, 70)
"""Children per full-time IRO suggested by the IRO Handbook (DESIGN.md section 3)."""

NOT_RECORDED = ""


def percent(part: int | Decimal, whole: int | Decimal | None) -> int | None:
    """A whole-number percentage, halves rounded up as people expect; None when there is
    nothing to divide by."""
    if not whole:
        return None
    return int((Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _scoped(queryset: QuerySet[M], children: QuerySet[Child] | None, field: str = "child") -> QuerySet[M]:
    return queryset if children is None else queryset.filter(**{f"{field}__in": children})


def _children(children: QuerySet[Child] | None) -> QuerySet[Child]:
    return Child.objects.all() if children is None else children


def review_timeliness(period: Period, on: date, children: QuerySet[Child] | None = None) -> dict[str, dict[str, Any]]:
    """For each kind of review: held in the period, in timescale, late by reason; outstanding
    now: overdue and due within the next 20 working days. Two queries."""
    late_reasons = [*LateReason.values, NOT_RECORDED]
    # Passed as a dict: the type checker refuses a keyword named as Review's in_timescale property.
    held_counts = {
        "held": Count("pk"),
        "in_timescale": Count("pk", filter=HELD_IN_TIMESCALE),
        "late": Count("pk", filter=HELD_LATE),
        **{f"late_{reason}": Count("pk", filter=HELD_LATE & Q(late_reason=reason)) for reason in late_reasons},
    }
    held = tally(
        "reviews_held",
        held_between(_scoped(Review.objects.all(), children), period.start, period.end),
        child="child_id",
        by=("kind",),
        **held_counts,
    )
    outstanding = tally(
        "reviews_outstanding",
        _scoped(Review.objects.filter(status__in=OUTSTANDING_STATUSES), children),
        child="child_id",
        by=("kind",),
        overdue=Count("pk", filter=due_in(on, "overdue")),
        due_soon=Count("pk", filter=due_in(on, "20_working_days")),
    )
    figures: dict[str, dict[str, Any]] = {
        kind: {
            "held": 0,
            "in_timescale": 0,
            "late": 0,
            "overdue": 0,
            "due_soon": 0,
            "late_reasons": dict.fromkeys(late_reasons, 0),
        }
        for kind in ReviewKind.values
    }
    for row in held:
        of_kind = figures[row["kind"]]
        of_kind.update(held=row["held"], in_timescale=row["in_timescale"], late=row["late"])
        of_kind["late_reasons"] = {reason: row[f"late_{reason}"] for reason in late_reasons}
    for outstanding_row in outstanding:
        figures[outstanding_row["kind"]].update(
            overdue=outstanding_row["overdue"], due_soon=outstanding_row["due_soon"]
        )
    for of_kind in figures.values():
        of_kind["percent_in_timescale"] = percent(of_kind["in_timescale"], of_kind["held"])
    return figures


def lac_review_participation_and_quality(
    period: Period, on: date, children: QuerySet[Child] | None = None
) -> dict[str, Any]:
    """About the LAC reviews held in the period: the child's participation by PN code and the
    rate (PN1-PN6 over PN1-PN7), child-chaired reviews, advocates, parents' participation, the
    quality standards and whether the IRO saw the child beforehand. One query, over the reviews
    each annotated once with its outcomes."""
    reviews = held_between(_scoped(Review.objects.filter(kind=ReviewKind.LAC), children), period.start, period.end)
    reviews = reviews.annotate(
        seen_by_iro=seen_by_iro_before_review(),
        **{f"{standard}_outcome": quality_outcome(standard, on) for standard in QUALITY_STANDARDS},
    )
    codes = [*ParticipationCode.values, NOT_RECORDED]
    parents = [*ParentsParticipation.values, NOT_RECORDED]
    standards = {
        f"{standard}_{outcome}": Count("pk", filter=Q(**{f"{standard}_outcome": outcome}))
        for standard in QUALITY_STANDARDS
        for outcome in _outcomes(standard)
    }
    row = tally(
        "lac_reviews",
        reviews,
        child="child_id",
        once_per_row=True,
        held=Count("pk"),
        child_chaired=Count("pk", filter=Q(child_chaired=True)),
        advocate_present=Count("pk", filter=Q(advocate_present=True)),
        seen_before=Count("pk", filter=Q(seen_by_iro=True)),
        **{f"code_{code}": Count("pk", filter=Q(participation_code=code)) for code in codes},
        **{f"parents_{choice}": Count("pk", filter=Q(parents_participation=choice)) for choice in parents},
        **standards,
    )
    participation = {code: row[f"code_{code}"] for code in codes}
    participated, counted = _participation_rate_parts(participation)
    quality = {}
    for standard in QUALITY_STANDARDS:
        outcomes = {outcome: row[f"{standard}_{outcome}"] for outcome in _outcomes(standard)}
        outcomes["percent_met"] = percent(outcomes["met"], outcomes["met"] + outcomes["missed"])
        quality[standard] = outcomes
    return {
        "held": row["held"],
        "participation": participation,
        "participated": participated,
        "participation_counted": counted,
        "participation_rate": percent(participated, counted),
        "child_chaired": row["child_chaired"],
        "advocate_present": row["advocate_present"],
        "parents": {choice: row[f"parents_{choice}"] for choice in parents},
        "quality": quality,
        "seen_before": row["seen_before"],
        "not_seen_before": row["held"] - row["seen_before"],
        "percent_seen_before": percent(row["seen_before"], row["held"]),
    }


def _participation_rate_parts(participation: dict[str, int]) -> tuple[int, int]:
    """The participation rate's numerator (PN1 to PN6) and denominator (PN1 to PN7) from the
    reviews counted by PN code."""
    return (
        sum(participation[code] for code in PARTICIPATION_RATE_CODES[:-1]),
        sum(participation[code] for code in PARTICIPATION_RATE_CODES),
    )


def conference_figures(period: Period, on: date, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """About the conferences held in the period, by kind: those whose chair recorded
    attendance (a conference record), how many of them were quorate (conference_selectors
    .quorum, kept on the record), and, for ICPCs that made a plan, whether the first core group
    met within 10 working days as of `on` (conference_selectors.first_core_group). Conferences
    held without a record (imported, or from before the record existed) are in neither part of
    the quorum figure: nothing says who attended them. One query."""
    outcomes = [outcome for outcome, _ in FIRST_CORE_GROUP_OUTCOMES]
    rows = tally(
        "conferences",
        held_between(_scoped(Review.objects.filter(kind__in=CONFERENCE_KINDS), children), period.start, period.end),
        child="child_id",
        by=("kind",),
        held=Count("pk"),
        recorded=Count("conference_record"),
        quorate=Count("pk", filter=quorate(True)),
        **{f"core_group_{outcome}": Count("pk", filter=first_core_group(outcome, on)) for outcome in outcomes},
    )
    by_kind: dict[str, Any] = {row["kind"]: row for row in rows}
    figures: dict[str, Any] = {}
    for kind in [kind.value for kind in CONFERENCE_KINDS]:
        row = by_kind.get(kind, {})
        recorded, quorate_count = row.get("recorded", 0), row.get("quorate", 0)
        core_group: dict[str, int | None] = {outcome: row.get(f"core_group_{outcome}", 0) for outcome in outcomes}
        figures[kind] = {
            "held": row.get("held", 0),
            "recorded": recorded,
            "quorate": quorate_count,
            "not_quorate": recorded - quorate_count,
            "percent_quorate": percent(quorate_count, recorded),
        }
        if kind == ReviewKind.ICPC.value:
            met, missed = row.get("core_group_met", 0), row.get("core_group_missed", 0)
            core_group["percent_met"] = percent(met, met + missed)
            figures[kind]["first_core_group"] = core_group
    return figures


def lac_record_figures(period: Period, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """From the IRO's record of the LAC reviews held in the period: the child's views recorded,
    by how they were given (and where not, whether the reason was); the parents attended
    (record_selectors.parents_attended); at the second review, the permanence plan check; and
    the reviews where each care plan check was not met. Three queries: over the reviews, and
    over their child's views and their unmet checks (at most one of each per review), grouped,
    rather than looked up review by review."""
    kinds = CarePlanCheckKind.values
    reviews = held_between(_scoped(Review.objects.filter(kind=ReviewKind.LAC), children), period.start, period.end)
    second_review = permanence_review()
    row = tally(
        "lac_records",
        reviews,
        child="child_id",
        held=Count("pk"),
        views_not_obtained_count=Count("pk", filter=child_views_only_not_obtained()),
        parents_attended=Count("pk", filter=Q(parents_attended())),
        second_reviews=Count("pk", filter=second_review),
        checks_recorded=Count("pk", filter=Q(care_plan_checked())),
        any_not_met=Count("pk", filter=Q(care_plan_checked(answer=CheckAnswer.NO))),
        **{
            f"permanence_{answer}": Count(
                "pk", filter=second_review & Q(care_plan_checked(CarePlanCheckKind.PERMANENCE_PLAN, answer))
            )
            for answer in CheckAnswer.values
        },
    )
    given = {
        row["given"]: row["reviews"]
        for row in tally(
            "lac_record_child_views",
            ReviewViews.objects.filter(of=ViewsOf.CHILD, review__in=reviews),
            child="review__child_id",
            by=("given",),
            reviews=Count("pk"),
        )
    }
    not_met = {
        row["kind"]: row["reviews"]
        for row in tally(
            "lac_record_checks_not_met",
            CarePlanCheck.objects.filter(review__in=reviews, answer=CheckAnswer.NO),
            child="review__child_id",
            by=("kind",),
            reviews=Count("pk"),
        )
    }
    views = {way: given.get(way, 0) for way in ViewsGiven.values}
    recorded = sum(views.values())
    permanence = {answer: row[f"permanence_{answer}"] for answer in CheckAnswer.values}
    answered = permanence[CheckAnswer.YES] + permanence[CheckAnswer.NO]
    return {
        "held": row["held"],
        "child_views": views,
        "child_views_recorded": recorded,
        "percent_child_views_recorded": percent(recorded, row["held"]),
        "child_views_not_obtained": row["views_not_obtained_count"],
        "child_views_not_recorded": row["held"] - recorded - row["views_not_obtained_count"],
        "parents_attended": row["parents_attended"],
        "percent_parents_attended": percent(row["parents_attended"], row["held"]),
        "second_reviews": row["second_reviews"],
        "permanence": {**permanence, CHECK_NOT_RECORDED: row["second_reviews"] - sum(permanence.values())},
        "percent_permanence_agreed": percent(permanence[CheckAnswer.YES], answered),
        "checks_recorded": row["checks_recorded"],
        "checks_not_met": {kind: not_met.get(kind, 0) for kind in kinds},
        "any_check_not_met": row["any_not_met"],
    }


def _sent_and_returned(sent: int, returned: int) -> dict[str, int | None]:
    return {"sent": sent, "returned": returned, "percent_returned": percent(returned, sent)}


def consultation_figures(period: Period, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """The views of children, families and professionals sought online: consultation links sent
    (not withdrawn) and returned, by person, by the child's age band (their form) and by kind of
    review; feedback links sent and returned after the review, and how well it listened (1 to
    5); safety alerts raised, responded to (median and longest hours) and escalated. A link or an
    alert counts in the period its review's day is in: held in it, or, not held, due in it
    (consultations.figure_selectors). Two queries."""
    links = tally(
        "consultation_links",
        _scoped(
            ConsultationInvitation.objects.filter(reviewed_between(period.start, period.end)), children, "review__child"
        ),
        child="review__child_id",
        by=("purpose", "person_type", "form", "review__kind"),
        sent=Count("pk", filter=SENT),
        returned=Count("pk", filter=RETURNED),
        **{f"score_{score}": Count("pk", filter=Q(response__listened_score=score)) for score, _ in LISTENED_SCORES},
    )
    empty = {"sent": 0, "returned": 0}
    consultation: dict[str, Any] = {
        "all": dict(empty),
        "by_person_type": {person: dict(empty) for person in PersonType.values},
        "by_age_band": {band: dict(empty) for band, _ in CHILD_AGE_BANDS},
        "by_kind": {kind.value: dict(empty) for kind in CONSULTED_KINDS},
    }
    feedback: dict[str, Any] = {
        "all": dict(empty),
        "by_person_type": {person: dict(empty) for person in PersonType.values},
        "scores": {score: 0 for score, _ in LISTENED_SCORES},
    }
    for row in cast(list[dict[str, Any]], links):
        counted = consultation if row["purpose"] == Purpose.CONSULTATION else feedback
        groups = [counted["all"], counted["by_person_type"][row["person_type"]]]
        if counted is consultation:
            groups.append(consultation["by_kind"][row["review__kind"]])
            if row["form"] in consultation["by_age_band"]:
                groups.append(consultation["by_age_band"][row["form"]])
        else:
            for score, _ in LISTENED_SCORES:
                feedback["scores"][score] += row[f"score_{score}"]
        for group in groups:
            group["sent"] += row["sent"]
            group["returned"] += row["returned"]
    for counted in (consultation, feedback):
        counted["all"] = _sent_and_returned(**counted["all"])
        for key in ("by_person_type", "by_age_band", "by_kind"):
            if key in counted:
                counted[key] = {group: _sent_and_returned(**sums) for group, sums in counted[key].items()}
    scored = sum(feedback["scores"].values())
    feedback["scored"] = scored
    feedback["mean_score"] = (
        float(
            (Decimal(sum(score * n for score, n in feedback["scores"].items())) / scored).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        )
        if scored
        else None
    )
    alerts_by_time = tally(
        "safety_alerts",
        _scoped(
            SafetyAlert.objects.filter(reviewed_between(period.start, period.end)), children, "review__child"
        ).annotate(taken=time_to_respond()),
        child="review__child_id",
        by=("taken",),
        raised=Count("pk"),
        **{f"reason_{reason}": Count("pk", filter=Q(reason=reason)) for reason in AlertReason.values},
        responded=Count("pk", filter=RESPONDED),
        escalated=Count("pk", filter=ESCALATED),
    )
    alerts = {
        column: sum(row[column] for row in alerts_by_time)
        for column in ("raised", "responded", "escalated", *(f"reason_{reason}" for reason in AlertReason.values))
    }
    responded = {row["taken"]: row["responded"] for row in alerts_by_time if row["responded"]}
    return {
        "consultation": consultation,
        "feedback": feedback,
        "alerts": {
            "raised": alerts["raised"],
            "by_reason": {reason: alerts[f"reason_{reason}"] for reason in AlertReason.values},
            "responded": alerts["responded"],
            "not_responded": alerts["raised"] - alerts["responded"],
            "escalated": alerts["escalated"],
            "median_hours_to_respond": hours(median(responded)),
            "longest_hours_to_respond": hours(max(responded, default=None)),
        },
    }


def _outcomes(standard: str) -> tuple[str, ...]:
    return ("met", "missed") if standard == "report" else ("met", "missed", "pending")


@dataclass(frozen=True)
class Month:
    """A calendar month's reviews, counted over the part of it inside the period (`start` to
    `end`), so that a period starting or ending mid-month opens the right list."""

    first_day: date
    start: date
    end: date
    held: int
    in_timescale: int

    @property
    def percent_in_timescale(self) -> int | None:
        return percent(self.in_timescale, self.held)


def lac_timeliness_by_month(period: Period, children: QuerySet[Child] | None = None) -> list[Month]:
    """LAC reviews held and held in timescale in each month of the period (months with none
    held included, so the trend shows the gaps). One query."""
    held_counts = {"held": Count("pk"), "in_timescale": Count("pk", filter=HELD_IN_TIMESCALE)}  # as review_timeliness
    rows = tally(
        "lac_reviews_by_month",
        held_between(_scoped(Review.objects.filter(kind=ReviewKind.LAC), children), period.start, period.end).annotate(
            month=TruncMonth("held_on")
        ),
        child="child_id",
        by=("month",),
        **held_counts,
    )
    counted = {_as_date(row["month"]): row for row in rows}
    months = []
    month = period.start.replace(day=1)
    while month <= period.end:
        row = counted.get(month, {"held": 0, "in_timescale": 0})
        next_month = timescales.add_months(month, 1)
        months.append(
            Month(
                first_day=month,
                start=max(month, period.start),
                end=min(next_month - timedelta(days=1), period.end),
                held=row["held"],
                in_timescale=row["in_timescale"],
            )
        )
        month = next_month
    return months


def _as_date(value: date | datetime) -> date:
    return value.date() if hasattr(value, "date") else value


@dataclass(frozen=True)
class Caseload:
    """An IRO's allocated children on a day (looked after or on a child protection plan) and
    those of them looked after, with the IRO's full-time equivalent that day (staffing.selectors;
    None when they were not on the staff but still held children)."""

    iro: User
    children: int
    fte: Decimal | None
    lac_children: int = 0
    agency: bool = False

    @property
    def per_fte(self) -> float | None:
        return round(self.children / float(self.fte), 1) if self.fte else None

    @property
    def lac_per_fte(self) -> float | None:
        return round(self.lac_children / float(self.fte), 1) if self.fte else None

    @property
    def above_band(self) -> bool:
        return self.per_fte is not None and self.per_fte > CASELOAD_BAND[1]

    @property
    def below_band(self) -> bool:
        return self.per_fte is not None and self.per_fte < CASELOAD_BAND[0]


def _per(count: int, fte: Decimal) -> float | None:
    return round(count / float(fte), 1) if fte else None


def caseloads(on: date, iros: QuerySet[User] | None = None) -> dict[str, Any]:
    """Children allocated on `on` to each IRO on the staff that day whose account is open (and any
    other still holding cases), all of them and those looked after, per full-time equivalent as
    it was that day, against the IRO Handbook's 50-70. Two queries: the allocations per IRO (a
    tally, kept by shard of children) and the IROs with their hours that day (read afresh)."""
    allocations = Allocation.objects.filter(open_on(on))
    if iros is not None:
        allocations = allocations.filter(iro__in=iros)
    allocated = {
        row["iro_id"]: row
        for row in tally(
            "caseloads",
            allocations,
            child="child_id",
            by=("iro_id",),
            children=Count("pk"),
            lac_children=Count("pk", filter=Q(looked_after(on, every_child=True, child="child_id"))),
        )
    }
    users = (User.objects.filter(role=Role.IRO) if iros is None else iros).annotate(
        fte_then=staffing_on(on, "fte"), agency_then=staffing_on(on, "agency")
    )
    nothing = {"children": 0, "lac_children": 0}
    rows = [
        Caseload(
            iro=user,
            children=allocated.get(user.pk, nothing)["children"],
            fte=user.fte_then,
            lac_children=allocated.get(user.pk, nothing)["lac_children"],
            agency=bool(user.agency_then),
        )
        for user in users.order_by("first_name", "last_name", "pk")
        if (user.fte_then is not None and user.is_active) or allocated.get(user.pk, nothing)["children"]
    ]
    total_children = sum(row.children for row in rows)
    total_lac_children = sum(row.lac_children for row in rows)
    total_fte = sum((row.fte for row in rows if row.fte is not None), Decimal("0"))
    return {
        "rows": rows,
        "iros": len(rows),
        "agency_iros": sum(row.agency for row in rows),
        "part_time_iros": sum(row.fte is not None and row.fte < 1 for row in rows),
        "total_children": total_children,
        "total_lac_children": total_lac_children,
        "total_fte": total_fte,
        "per_fte": _per(total_children, total_fte),
        "lac_per_fte": _per(total_lac_children, total_fte),
        "average_per_iro": round(total_children / len(rows), 1) if rows else None,
        "above_band": sum(row.above_band for row in rows),
        "band": CASELOAD_BAND,
    }


def children_figures(period: Period, on: date, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """Looked after now; started and ceased in the period; IRO allocated in time after care
    started; on a child protection plan now and plans open a long time. One query: each
    condition is looked up once per child, in a subquery, and counted over it."""
    allocation = iro_allocation_conditions(period.start, period.end, on)
    flagged = _children(children).annotate(
        figure_looked_after=looked_after(on),
        figure_started=allocation["started"],
        figure_ceased=ceased_care_between(period.start, period.end),
        figure_plan_since=protection_plan_open_since(on),
        figure_without_timely=allocation["without_timely"],
        figure_past_deadline=allocation["past_deadline"],
    )
    read_back = {name: Q(**{f"figure_{name}": True}) for name in allocation}
    figures = tally(
        "children",
        flagged,
        child="pk",
        once_per_row=True,
        looked_after_now=Count("pk", filter=Q(figure_looked_after=True)),
        started=Count("pk", filter=Q(figure_started=True)),
        ceased=Count("pk", filter=Q(figure_ceased=True)),
        on_protection_plan=Count("pk", filter=Q(figure_plan_since__isnull=False)),
        **{
            f"plan_{length}": Count("pk", filter=Q(figure_plan_since__lte=latest_plan_start_for(on, length)))
            for length, _ in PLAN_LENGTHS
        },
        **{
            f"iro_allocation_{outcome}": Count("pk", filter=iro_allocation_outcome(outcome, **read_back))
            for outcome, _ in IRO_ALLOCATION_OUTCOMES
        },
    )
    figures["percent_iro_allocated_in_time"] = percent(
        figures["iro_allocation_in_time"], figures["iro_allocation_in_time"] + figures["iro_allocation_late"]
    )
    return figures


def oversight_figures(on: date, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """For children looked after now: current RAG ratings, red ones with an overdue check, and
    those with no oversight record this quarter. One query: each child's latest records are
    looked up once, in a subquery, and counted over it."""
    looked_after_now = with_latest_oversight(_children(children).filter(looked_after(on)), on)
    ratings = [*Rag.values, "none"]
    row = tally(
        "oversight",
        looked_after_now,
        child="pk",
        once_per_row=True,
        looked_after_now=Count("pk"),
        **{f"rag_{rag}": Count("pk", filter=rated(rag)) for rag in ratings},
        red_check_overdue=Count("pk", filter=rated(Rag.RED) & check_overdue(on)),
        no_record_this_quarter=Count("pk", filter=no_record_this_quarter(on)),
    )
    return {
        "looked_after_now": row["looked_after_now"],
        "ratings": {rag: row[f"rag_{rag}"] for rag in ratings},
        "percents": {rag: percent(row[f"rag_{rag}"], row["looked_after_now"]) for rag in ratings},
        "red_check_overdue": row["red_check_overdue"],
        "no_record_this_quarter": row["no_record_this_quarter"],
        "quarter_start": timescales.quarter_start(on),
    }


def escalation_figures(period: Period, on: date, children: QuerySet[Child] | None = None) -> dict[str, Any]:
    """Open escalations by current stage with overdue responses; those resolved in the period
    by the stage they were resolved at; open and raised-in-period counts by area of concern.
    Three queries."""
    escalations = _scoped(Escalation.objects.all(), children)
    open_rows = tally(
        "escalations_open",
        with_current_step(escalations.filter(status=EscalationStatus.OPEN)),
        child="child_id",
        by=("current_stage",),
        open=Count("pk"),
        overdue=Count("pk", filter=response_overdue(on)),
    )
    open_by_stage: dict[int | None, int] = dict.fromkeys(Stage.values, 0)
    overdue_by_stage: dict[int | None, int] = dict.fromkeys(Stage.values, 0)
    for open_row in open_rows:
        open_by_stage[open_row["current_stage"]] = open_row["open"]
        overdue_by_stage[open_row["current_stage"]] = open_row["overdue"]
    resolved_rows = tally(
        "escalations_resolved",
        escalations.filter(resolved_between(period.start, period.end)),
        child="child_id",
        by=("resolved_at_stage",),
        resolved=Count("pk"),
    )
    resolved_by_stage: dict[int | None, int] = dict.fromkeys(Stage.values, 0)
    for resolved_row in resolved_rows:
        resolved_by_stage[resolved_row["resolved_at_stage"]] = resolved_row["resolved"]
    raised_in_period = Q(escalation__raised_on__gte=period.start, escalation__raised_on__lte=period.end)
    area_rows = tally(
        "escalation_areas",
        EscalationConcern.objects.filter(escalation__in=escalations),
        child="escalation__child_id",
        by=("area",),
        open=Count("pk", filter=Q(escalation__status=EscalationStatus.OPEN)),
        raised=Count("pk", filter=raised_in_period),
    )
    by_area = {area: {"open": 0, "raised": 0} for area in AreaOfConcern.values}
    for area_row in area_rows:
        by_area[area_row["area"]] = {"open": area_row["open"], "raised": area_row["raised"]}
    return {
        "open_by_stage": open_by_stage,
        "overdue_by_stage": overdue_by_stage,
        "open": sum(open_by_stage.values()),
        "overdue": sum(overdue_by_stage.values()),
        "resolved_by_stage": resolved_by_stage,
        "resolved": sum(resolved_by_stage.values()),
        "by_area": by_area,
    }


def dashboard(
    period: Period, on: date, children: QuerySet[Child] | None = None, iros: QuerySet[User] | None = None
) -> dict[str, Any]:
    """Every figure of the dashboard for a period, as of `on`: sixteen queries in all (the
    consultation figures are counted for the same dates a year before too, to show beside them)."""
    return {
        "reviews": review_timeliness(period, on, children),
        "lac": lac_review_participation_and_quality(period, on, children),
        "months": lac_timeliness_by_month(period, children),
        "caseloads": caseloads(on, iros),
        "children": children_figures(period, on, children),
        "oversight": oversight_figures(on, children),
        "escalations": escalation_figures(period, on, children),
        "conferences": conference_figures(period, on, children),
        "lac_record": lac_record_figures(period, children),
        "consultations": consultation_figures(period, children),
        "consultations_last_year": consultation_figures(a_year_before(period), children),
    }


def reporting_year_figures(period: Period, on: date) -> dict[str, Any]:
    """Everything the selectors say about one reporting year, for the annual report."""
    return {
        "caseloads": caseloads(period.end),
        "children": children_in_care_profile(period),
        "reviews": review_timeliness(period, on),
        "lac": lac_review_participation_and_quality(period, on),
        "oversight": oversight_year_figures(period),
        "escalations": escalation_year_figures(period),
        "protection": child_protection_year_figures(period),
        "conferences": conference_figures(period, on),
        "lac_record": lac_record_figures(period),
        "consultations": consultation_figures(period),
        "quarters": quarterly_figures(period, on),
    }


# The annual IRO report (DESIGN.md section 4): figures for a reporting year (or any period),
# for the whole authority. Each function runs a fixed number of queries.


def children_in_care_profile(period: Period) -> dict[str, Any]:
    """Children in care as the DfE's published statistics count them (DESIGN.md section 4):
    looked after at the start (the day before it begins), at the end and at any time in the
    period; started and ceased; and, of those looked after on the last day, age (as age_on),
    sex, ethnic group split by UASC, and the legal status and placement (by provider) of the
    episode open that day. Children looked after only under a series of short breaks (V3/V4)
    are in none of these but counted on their own, on the last day and during the period, so
    every table describes the same children as the headline count. Four queries."""
    end = period.end
    at_start, at_end_count = dfe_looked_after_on_each([period.start - timedelta(days=1), end])
    totals = tally(
        "children_in_care",
        Child.objects.all(),
        child="pk",
        looked_after_during=Count("pk", filter=dfe_looked_after_between(period.start, end, every_child=True)),
        started=Count("pk", filter=dfe_started_care_between(period.start, end, every_child=True)),
        ceased=Count("pk", filter=dfe_ceased_care_between(period.start, end, every_child=True)),
        only_short_breaks_at_end=Count("pk", filter=only_short_breaks_on(end, every_child=True)),
        only_short_breaks_during=Count("pk", filter=only_short_breaks_between(period.start, end, every_child=True)),
    )
    at_end = Child.objects.filter(dfe_looked_after(end))
    profile = tally(
        "children_in_care_at_end",
        at_end,
        child="pk",
        **{f"age_{key}": Count("pk", filter=aged_between(end, low, high)) for key, _, low, high in AGE_BANDS},
        **{f"sex_{sex}": Count("pk", filter=Q(sex=sex)) for sex in Sex.values},
        **{
            f"ethnicity_{key}_{uasc}": Count("pk", filter=Q(ethnicity__in=codes, is_uasc=uasc))
            for key, _, codes in ETHNIC_GROUPS
            for uasc in (False, True)
        },
    )
    grouped: QuerySet[Any] = (
        dfe_episodes().filter(open_on(end)).annotate(**EPISODE_GROUPS)
    )  # annotations the checker cannot see
    episodes = tally(
        "episodes_at_end",
        grouped,
        child="child_id",
        by=("legal_status", "placement_group", "provider_group"),
        children=Count("pk"),
    )
    legal_status = dict.fromkeys(LegalStatus.values, 0)
    placements = {group: dict.fromkeys((key for key, _, _ in PROVIDER_GROUPS), 0) for group, _, _ in PLACEMENT_GROUPS}
    for row in episodes:
        legal_status[row["legal_status"]] += row["children"]
        placements[row["placement_group"]][row["provider_group"]] += row["children"]
    ethnicity = {}
    for key, _, _ in ETHNIC_GROUPS:
        not_uasc, uasc = profile[f"ethnicity_{key}_False"], profile[f"ethnicity_{key}_True"]
        ethnicity[key] = {"all": not_uasc + uasc, "not_uasc": not_uasc, "uasc": uasc}
    return {
        "looked_after_at_start": at_start,
        "looked_after_at_end": at_end_count,
        **totals,
        "age_bands": {key: profile[f"age_{key}"] for key, _, _, _ in AGE_BANDS},
        "sex": {sex: profile[f"sex_{sex}"] for sex in Sex.values},
        "ethnicity": ethnicity,
        "legal_status": legal_status,
        "placements": placements,
    }


def dfe_looked_after_on_each(days: list[date]) -> list[int]:
    """The number of children looked after on each of the days, as dfe_looked_after judges them,
    counted in one pass over the episodes the DfE counts: over the whole authority, cheaper than
    asking child by child. One query, none for no days."""
    if not days:
        return []
    row = tally(
        "looked_after_on_days",
        dfe_episodes(),
        child="child_id",
        **{f"day_{index}": Count("child", distinct=True, filter=open_on(day)) for index, day in enumerate(days)},
    )
    return [row[f"day_{index}"] for index in range(len(days))]


def quarters(period: Period) -> list[tuple[date, date]]:
    """The calendar quarters (April-June, July-September, October-December, January-March) that
    meet the period, clipped to it, as (first day, last day): four for a reporting year."""
    clipped = []
    start = period.start
    while start <= period.end:
        end = min(timescales.quarter_end(start), period.end)
        clipped.append((start, end))
        start = end + timedelta(days=1)
    return clipped


def quarterly_figures(period: Period, on: date) -> list[dict[str, Any] | None]:
    """The key figures of each quarter of the period (quarters): LAC reviews, ICPCs and RCPCs
    held and held in timescale, the participation rate's parts, escalations raised and children
    looked after at each quarter's end. Each is counted by the condition the year's figure is
    counted by (held_between and HELD_IN_TIMESCALE, the participation codes, raised_between,
    dfe_looked_after), grouped by the quarter the date falls in, so the quarters and the year
    can never disagree. Three queries for all the quarters; None for a quarter that has not
    started by `on`."""
    started = [Period(start, end) for start, end in quarters(period) if start <= on]
    if not started:
        return [None] * len(quarters(period))
    first, last = started[0].start, started[-1].end
    codes = [*ParticipationCode.values, NOT_RECORDED]
    lac = Q(kind=ReviewKind.LAC)
    # Passed as a dict: the type checker refuses a keyword named as Review's in_timescale property.
    counts = {
        "held": Count("pk"),
        "in_timescale": Count("pk", filter=HELD_IN_TIMESCALE),
        **{f"code_{code}": Count("pk", filter=lac & Q(participation_code=code)) for code in codes},
    }
    reviews = tally(
        "reviews_by_quarter",
        held_between(Review.objects.all(), first, last).annotate(quarter=_quarter_of("held_on", started)),
        child="child_id",
        by=("quarter", "kind"),
        **counts,
    )
    raised = {
        row["quarter"]: row["raised"]
        for row in tally(
            "escalations_raised_by_quarter",
            Escalation.objects.filter(raised_between(first, last)).annotate(quarter=_quarter_of("raised_on", started)),
            child="child_id",
            by=("quarter",),
            raised=Count("pk"),
        )
    }
    at_end = dfe_looked_after_on_each([quarter.end for quarter in started])
    figures: list[dict[str, Any]] = [
        {
            "start": quarter.start,
            "end": quarter.end,
            "reviews": {kind: {"held": 0, "in_timescale": 0} for kind in ReviewKind.values},
            "participation": dict.fromkeys(codes, 0),
            "looked_after_at_end": looked_after_at_end,
            "escalations_raised": raised.get(index, 0),
        }
        for index, (quarter, looked_after_at_end) in enumerate(zip(started, at_end))
    ]
    for row in reviews:
        quarter_figures = figures[row["quarter"]]
        quarter_figures["reviews"][row["kind"]] = {"held": row["held"], "in_timescale": row["in_timescale"]}
        for code in codes:
            quarter_figures["participation"][code] += row[f"code_{code}"]
    for quarter_figures in figures:
        participation = quarter_figures.pop("participation")
        quarter_figures["participated"], quarter_figures["participation_counted"] = _participation_rate_parts(
            participation
        )
    return [*figures, *[None] * (len(quarters(period)) - len(started))]


def _quarter_of(field: str, started: list[Period]) -> Case:
    """The index in `started` of the quarter a date falls in, for rows already limited to the
    quarters' span: grouping by it counts every quarter in one query."""
    return Case(
        *(When(**{f"{field}__lte": quarter.end}, then=Value(index)) for index, quarter in enumerate(started)),
        output_field=IntegerField(),
    )


def oversight_year_figures(period: Period) -> dict[str, Any]:
    """Oversight records made in the period, by kind and by the RAG rating they carry; and the
    quarterly footprint: of the children looked after at some time in the period, those with a
    record in every quarter (clipped to the period) in which they were looked after. Two
    queries."""
    records = tally(
        "oversight_records",
        OversightRecord.objects.filter(date__gte=period.start, date__lte=period.end),
        child="child_id",
        records=Count("pk"),
        **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in OversightKind.values},
        **{f"rag_{rag}": Count("pk", filter=Q(rag=rag)) for rag in Rag.values},
    )
    every_quarter = Q()
    for start, end in quarters(period):
        every_quarter &= Q(recorded_between(start, end)) | ~Q(looked_after_between(start, end))
    children = tally(
        "oversight_every_quarter",
        Child.objects.filter(looked_after_between(period.start, period.end)),
        child="pk",
        looked_after=Count("pk"),
        every_quarter=Count("pk", filter=every_quarter),
    )
    return {
        "records": records["records"],
        "records_by_kind": {kind: records[f"kind_{kind}"] for kind in OversightKind.values},
        "ratings": {rag: records[f"rag_{rag}"] for rag in Rag.values},
        "children_looked_after": children["looked_after"],
        "children_with_record_every_quarter": children["every_quarter"],
        "percent_every_quarter": percent(children["every_quarter"], children["looked_after"]),
    }


def escalation_year_figures(period: Period) -> dict[str, Any]:
    """Escalations raised in the period (and the children they were about, and their areas of
    concern); resolved in it, by the stage resolved at, informally (never went formal) or
    formally, and of the formal ones those whose formal process took no more than the limit
    (escalations.selectors.formal_process_within_limit: from the first formal step to
    resolution, the rule the escalation lists flag by); withdrawn in it; and Cafcass referrals
    sent in it. Two queries."""
    raised = raised_between(period.start, period.end)
    resolved = resolved_between(period.start, period.end)
    formal = Q(went_formal=True)
    escalations = with_formal_process(Escalation.objects.all(), period.end).annotate(
        went_formal=went_formal(), cafcass=referred_to_cafcass_between(period.start, period.end)
    )
    figures = tally(
        "escalations_in_year",
        escalations,
        child="child_id",
        raised=Count("pk", filter=raised),
        children=Count("child", filter=raised, distinct=True),
        resolved=Count("pk", filter=resolved),
        **{f"resolved_at_{stage}": Count("pk", filter=resolved & Q(resolved_at_stage=stage)) for stage in Stage.values},
        resolved_formally=Count("pk", filter=resolved & formal),
        resolved_within_working_days=Count("pk", filter=resolved & formal_process_within_limit()),
        withdrawn=Count("pk", filter=withdrawn_between(period.start, period.end)),
        cafcass_referrals=Count("pk", filter=Q(cafcass=True)),
    )
    areas = tally(
        "escalation_areas_in_year",
        EscalationConcern.objects.filter(
            escalation__raised_on__gte=period.start, escalation__raised_on__lte=period.end
        ),
        child="escalation__child_id",
        by=("area",),
        escalations=Count("pk"),
    )
    by_area = dict.fromkeys(AreaOfConcern.values, 0)
    for row in areas:
        by_area[row["area"]] = row["escalations"]
    return {
        "raised": figures["raised"],
        "children": figures["children"],
        "by_area": by_area,
        "resolved": figures["resolved"],
        "resolved_by_stage": {stage: figures[f"resolved_at_{stage}"] for stage in Stage.values},
        "resolved_informally": figures["resolved"] - figures["resolved_formally"],
        "resolved_formally": figures["resolved_formally"],
        "resolved_within_working_days": figures["resolved_within_working_days"],
        "percent_resolved_within_working_days": percent(
            figures["resolved_within_working_days"], figures["resolved_formally"]
        ),
        "resolution_working_days": formal_process_limit(),
        "withdrawn": figures["withdrawn"],
        "cafcass_referrals": figures["cafcass_referrals"],
    }


def child_protection_year_figures(period: Period) -> dict[str, Any]:
    """Child protection plans started and ended in the period, those started by the category
    of abuse at the start of the plan (DESIGN.md section 3); repeat plans among those started
    (an earlier plan at any time, and one ended within 2 years); ended plans that had lasted 2
    years or more; and plans open on the last day (children on a plan, one open plan each) by
    current category and by how long they had been open (PLAN_LENGTHS). Two queries."""
    started = Q(start_date__gte=period.start, start_date__lte=period.end)
    ended = Q(end_date__gte=period.start, end_date__lte=period.end)
    plans = tally(
        "protection_plans",
        ChildProtectionPlan.objects.all(),
        child="child_id",
        plans_started=Count("pk", filter=started),
        plans_ended=Count("pk", filter=ended),
        repeat_plans=Count("pk", filter=started & Q(repeat_protection_plan())),
        repeat_plans_within_2_years=Count("pk", filter=started & Q(repeat_protection_plan(within_two_years=True))),
        plans_ended_lasting_2_years_or_more=Count("pk", filter=ended & protection_plan_lasted_two_years()),
        **{
            f"started_{code}": Count("pk", filter=started & Q(initial_category_of_abuse=code))
            for code in CategoryOfAbuse.values
        },
    )
    on = period.end
    at_end = tally(
        "protection_plans_at_end",
        Child.objects.filter(on_protection_plan(on)),
        child="pk",
        plans_at_end=Count("pk"),
        **{
            f"category_{code}": Count("pk", filter=Q(protection_plan_category_on(on, code)))
            for code in CategoryOfAbuse.values
        },
        **{f"plan_{length}": Count("pk", filter=Q(protection_plan_open_for(on, length))) for length, _ in PLAN_LENGTHS},
    )
    return {
        "plans_started": plans["plans_started"],
        "plans_ended": plans["plans_ended"],
        "plans_started_by_initial_category": {code: plans[f"started_{code}"] for code in CategoryOfAbuse.values},
        "plans_at_end": at_end["plans_at_end"],
        "plans_at_end_by_category": {code: at_end[f"category_{code}"] for code in CategoryOfAbuse.values},
        "plans_open_18_months_at_end": at_end["plan_over_18_months"],
        "plans_open_2_years_at_end": at_end["plan_2_years_or_more"],
        "repeat_plans": plans["repeat_plans"],
        "repeat_plans_within_2_years": plans["repeat_plans_within_2_years"],
        "percent_repeat_plans": percent(plans["repeat_plans"], plans["plans_started"]),
        "plans_ended_lasting_2_years_or_more": plans["plans_ended_lasting_2_years_or_more"],
    }
