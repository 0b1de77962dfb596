"""The figures of the service-manager dashboard (and later the annual report and the API).

Every figure is counted in SQL with the same condition the list behind it filters on (the
conditions live with their domain: reviews, children, oversight and escalations selectors), so
"12 overdue" always opens a list of 12. Each function runs a fixed number of queries whatever
the number of children. `children` narrows every figure to a set of children (an IRO's own
caseload); None means the whole authority.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from accounts.models import Role, User
from children.models import Child
from children.selectors import (
    IRO_ALLOCATION_OUTCOMES,
    PLAN_LENGTHS,
    ceased_care_between,
    iro_allocation_after_care_started,
    looked_after,
    on_protection_plan,
    protection_plan_open_for,
    started_care_between,
)
from escalations.codes import AreaOfConcern, EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern
from escalations.selectors import response_overdue, with_current_step
from oversight.models import Rag
from oversight.selectors import seen_by_iro_before_review, with_oversight_status
from reviews import timescales
from reviews.models import OUTSTANDING_STATUSES, LateReason, ParentsParticipation, ParticipationCode, Review, ReviewKind
from reviews.selectors import (
    HELD_IN_TIMESCALE,
    HELD_LATE,
    PARTICIPATION_RATE_CODES,
    QUALITY_STANDARDS,
    due_in,
    held_between,
    quality_standard,
)

CASELOAD_BAND = (50, 70)
"""Children per full-time IRO suggested by the IRO Handbook (DESIGN.md section 3)."""

NOT_RECORDED = ""


def percent(part, whole):
    """A whole-number percentage, halves rounded up as people expect; None when there is
    nothing to divide by."""
    if not whole:
        return None
    return int((Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _scoped(queryset, children, field="child"):
    return queryset if children is None else queryset.filter(**{f"{field}__in": children})


def _children(children):
    return Child.objects.all() if children is None else children


def review_timeliness(period, on, children=None):
    """For each kind of review: held in the period, in timescale, late by reason; outstanding
    now: overdue and due within the next 20 working days. Two queries."""
    late_reasons = [*LateReason.values, NOT_RECORDED]
    held = (
        held_between(_scoped(Review.objects.all(), children), period.start, period.end)
        .values("kind")
        .annotate(
            held=Count("pk"),
            in_timescale=Count("pk", filter=HELD_IN_TIMESCALE),
            late=Count("pk", filter=HELD_LATE),
            **{f"late_{reason}": Count("pk", filter=HELD_LATE & Q(late_reason=reason)) for reason in late_reasons},
        )
    )
    outstanding = (
        _scoped(Review.objects.filter(status__in=OUTSTANDING_STATUSES), children)
        .values("kind")
        .annotate(
            overdue=Count("pk", filter=due_in(on, "overdue")),
            due_soon=Count("pk", filter=due_in(on, "20_working_days")),
        )
    )
    figures = {kind: {"held": 0, "in_timescale": 0, "late": 0, "overdue": 0, "due_soon": 0,
                      "late_reasons": dict.fromkeys(late_reasons, 0)} for kind in ReviewKind.values}
    for row in held:
        kind = figures[row["kind"]]
        kind.update(held=row["held"], in_timescale=row["in_timescale"], late=row["late"])
        kind["late_reasons"] = {reason: row[f"late_{reason}"] for reason in late_reasons}
    for row in outstanding:
        figures[row["kind"]].update(overdue=row["overdue"], due_soon=row["due_soon"])
    for kind in figures.values():
        kind["percent_in_timescale"] = percent(kind["in_timescale"], kind["held"])
    return figures


def lac_review_participation_and_quality(period, on, children=None):
    """About the LAC reviews held in the period: the child's participation by PN code and the
    rate (PN1-PN6 over PN1-PN7), child-chaired reviews, advocates, parents' participation, the
    quality standards and whether the IRO saw the child beforehand. One query."""
    reviews = held_between(_scoped(Review.objects.filter(kind=ReviewKind.LAC), children), period.start, period.end)
    codes = [*ParticipationCode.values, NOT_RECORDED]
    parents = [*ParentsParticipation.values, NOT_RECORDED]
    standards = {
        f"{standard}_{outcome}": Count("pk", filter=quality_standard(standard, outcome, on))
        for standard in QUALITY_STANDARDS for outcome in _outcomes(standard)
    }
    row = reviews.aggregate(
        held=Count("pk"),
        child_chaired=Count("pk", filter=Q(child_chaired=True)),
        advocate_present=Count("pk", filter=Q(advocate_present=True)),
        seen_before=Count("pk", filter=Q(seen_by_iro_before_review())),
        **{f"code_{code}": Count("pk", filter=Q(participation_code=code)) for code in codes},
        **{f"parents_{choice}": Count("pk", filter=Q(parents_participation=choice)) for choice in parents},
        **standards,
    )
    participation = {code: row[f"code_{code}"] for code in codes}
    participated = sum(participation[code] for code in PARTICIPATION_RATE_CODES[:-1])
    counted = sum(participation[code] for code in PARTICIPATION_RATE_CODES)
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


def _outcomes(standard):
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
    def percent_in_timescale(self):
        return percent(self.in_timescale, self.held)


def lac_timeliness_by_month(period, children=None):
    """LAC reviews held and held in timescale in each month of the period (months with none
    held included, so the trend shows the gaps). One query."""
    rows = (
        held_between(_scoped(Review.objects.filter(kind=ReviewKind.LAC), children), period.start, period.end)
        .annotate(month=TruncMonth("held_on"))
        .values("month")
        .annotate(held=Count("pk"), in_timescale=Count("pk", filter=HELD_IN_TIMESCALE))
    )
    counted = {_as_date(row["month"]): row for row in rows}
    months = []
    month = period.start.replace(day=1)
    while month <= period.end:
        row = counted.get(month, {"held": 0, "in_timescale": 0})
        next_month = timescales.add_months(month, 1)
        months.append(Month(first_day=month, start=max(month, period.start),
                            end=min(next_month - timedelta(days=1), period.end),
                            held=row["held"], in_timescale=row["in_timescale"]))
        month = next_month
    return months


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


@dataclass(frozen=True)
class Caseload:
    iro: User
    children: int

    @property
    def fte(self):
        return self.iro.fte

    @property
    def per_fte(self):
        return round(self.children / float(self.iro.fte), 1)

    @property
    def above_band(self):
        return self.per_fte > CASELOAD_BAND[1]

    @property
    def below_band(self):
        return self.per_fte < CASELOAD_BAND[0]


def caseloads(on, iros=None):
    """Children allocated now to each IRO (every active IRO, and any inactive one still holding
    cases), per full-time equivalent, against the IRO Handbook's 50-70. One query."""
    current = Q(allocations__start_date__lte=on) & (
        Q(allocations__end_date__isnull=True) | Q(allocations__end_date__gt=on)
    )
    users = User.objects.filter(role=Role.IRO) if iros is None else iros
    users = (
        users.annotate(children=Count("allocations", filter=current))
        .filter(Q(is_active=True) | Q(children__gt=0))
        .order_by("first_name", "last_name", "pk")
    )
    rows = [Caseload(iro=user, children=user.children) for user in users]
    total_children = sum(row.children for row in rows)
    total_fte = sum(row.fte for row in rows)
    return {
        "rows": rows,
        "iros": len(rows),
        "total_children": total_children,
        "total_fte": total_fte,
        "per_fte": round(total_children / float(total_fte), 1) if total_fte else None,
        "average_per_iro": round(total_children / len(rows), 1) if rows else None,
        "above_band": sum(row.above_band for row in rows),
        "band": CASELOAD_BAND,
    }


def children_figures(period, on, children=None):
    """Looked after now; started and ceased in the period; IRO allocated in time after care
    started; on a child protection plan now and plans open a long time. One query."""
    figures = _children(children).aggregate(
        looked_after_now=Count("pk", filter=Q(looked_after(on))),
        started=Count("pk", filter=Q(started_care_between(period.start, period.end))),
        ceased=Count("pk", filter=Q(ceased_care_between(period.start, period.end))),
        on_protection_plan=Count("pk", filter=Q(on_protection_plan(on))),
        **{f"plan_{length}": Count("pk", filter=Q(protection_plan_open_for(on, length))) for length, _ in PLAN_LENGTHS},
        **{f"iro_allocation_{outcome}": Count(
            "pk", filter=iro_allocation_after_care_started(period.start, period.end, on, outcome))
           for outcome, _ in IRO_ALLOCATION_OUTCOMES},
    )
    figures["percent_iro_allocated_in_time"] = percent(
        figures["iro_allocation_in_time"], figures["iro_allocation_in_time"] + figures["iro_allocation_late"]
    )
    return figures


def oversight_figures(on, children=None):
    """For children looked after now: current RAG ratings, red ones with an overdue check, and
    those with no oversight record this quarter. One query."""
    groups = (
        with_oversight_status(_children(children).filter(looked_after(on)), on)
        .values("current_rag", "check_overdue", "no_record_this_quarter")
        .annotate(children=Count("pk"))
    )
    ratings = dict.fromkeys([*Rag.values, "none"], 0)
    red_check_overdue = no_record_this_quarter = looked_after_now = 0
    for group in groups:
        ratings[group["current_rag"] or "none"] += group["children"]
        looked_after_now += group["children"]
        if group["current_rag"] == Rag.RED and group["check_overdue"]:
            red_check_overdue += group["children"]
        if group["no_record_this_quarter"]:
            no_record_this_quarter += group["children"]
    return {
        "looked_after_now": looked_after_now,
        "ratings": ratings,
        "percents": {rag: percent(count, looked_after_now) for rag, count in ratings.items()},
        "red_check_overdue": red_check_overdue,
        "no_record_this_quarter": no_record_this_quarter,
        "quarter_start": timescales.quarter_start(on),
    }


def escalation_figures(period, on, children=None):
    """Open escalations by current stage with overdue responses; those resolved in the period
    by the stage they were resolved at; open and raised-in-period counts by area of concern.
    Three queries."""
    escalations = _scoped(Escalation.objects.all(), children)
    open_rows = (
        with_current_step(escalations.filter(status=EscalationStatus.OPEN))
        .values("current_stage")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=response_overdue(on)))
    )
    open_by_stage = dict.fromkeys(Stage.values, 0)
    overdue_by_stage = dict.fromkeys(Stage.values, 0)
    for row in open_rows:
        open_by_stage[row["current_stage"]] = row["open"]
        overdue_by_stage[row["current_stage"]] = row["overdue"]
    resolved_rows = (
        escalations.filter(status=EscalationStatus.RESOLVED, resolved_on__gte=period.start, resolved_on__lte=period.end)
        .values("resolved_at_stage")
        .annotate(resolved=Count("pk"))
    )
    resolved_by_stage = dict.fromkeys(Stage.values, 0)
    for row in resolved_rows:
        resolved_by_stage[row["resolved_at_stage"]] = row["resolved"]
    raised_in_period = Q(escalation__raised_on__gte=period.start, escalation__raised_on__lte=period.end)
    area_rows = (
        EscalationConcern.objects.filter(escalation__in=escalations)
        .values("area")
        .annotate(
            open=Count("pk", filter=Q(escalation__status=EscalationStatus.OPEN)),
            raised=Count("pk", filter=raised_in_period),
        )
    )
    by_area = {area: {"open": 0, "raised": 0} for area in AreaOfConcern.values}
    for row in area_rows:
        by_area[row["area"]] = {"open": row["open"], "raised": row["raised"]}
    return {
        "open_by_stage": open_by_stage,
        "overdue_by_stage": overdue_by_stage,
        "open": sum(open_by_stage.values()),
        "overdue": sum(overdue_by_stage.values()),
        "resolved_by_stage": resolved_by_stage,
        "resolved": sum(resolved_by_stage.values()),
        "by_area": by_area,
    }


def dashboard(period, on, children=None, iros=None):
    """Every figure of the dashboard for a period, as of `on`: ten queries in all."""
    return {
        "reviews": review_timeliness(period, on, children),
        "lac": lac_review_participation_and_quality(period, on, children),
        "months": lac_timeliness_by_month(period, children),
        "caseloads": caseloads(on, iros),
        "children": children_figures(period, on, children),
        "oversight": oversight_figures(on, children),
        "escalations": escalation_figures(period, on, children),
    }
