"""Reads about escalations: who sees which, the lists with their flags, and counts by area."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Case, Count, Prefetch, Q, Value, When
from django.utils import timezone

from accounts.permissions import children_visible_to
from children.models import Allocation, Child

from . import timescales
from .codes import AreaOfConcern, EscalationStatus, Stage
from .models import Escalation, EscalationConcern


def escalations_visible_to(user, escalations=None, on=None):
    """Escalations about the children the user may open (accounts.permissions decides which)."""
    escalations = Escalation.objects.all() if escalations is None else escalations
    return escalations.filter(child__in=children_visible_to(user, Child.objects.all(), on=on))


def for_listing(escalations, on):
    """Everything a row shows, fetched in a fixed number of queries whatever the row count."""
    return escalations.select_related("child", "raised_by").prefetch_related(
        "steps",
        "concerns",
        Prefetch("child__allocations", queryset=Allocation.objects.current(on).select_related("iro"),
                 to_attr="current_allocations"),
    )


def with_iro(escalations, iro, on):
    """Escalations about children allocated to this IRO now: the IRO who takes them forward."""
    return escalations.filter(child__in=Allocation.objects.current(on).filter(iro=iro).values("child_id"))


@dataclass(frozen=True)
class EscalationRow:
    """An escalation with its steps and the flags the IRO and managers act on."""

    escalation: Escalation
    steps: list
    iro: object
    response_overdue: bool
    formal_working_days: int | None
    formal_too_long: bool

    @property
    def current_step(self):
        return self.steps[-1]

    @property
    def current_stage(self):
        return Stage(self.current_step.stage)

    @property
    def at_last_stage(self):
        return self.current_stage == Stage.CAFCASS

    @property
    def formal_limit(self):
        return settings.ESCALATION_FORMAL_PROCESS_WORKING_DAYS

    @property
    def areas(self):
        concerns = sorted(self.escalation.concerns.all(), key=lambda concern: AreaOfConcern.values.index(concern.area))
        return [concern.get_area_display() for concern in concerns]


def formal_started_on(steps):
    """The day the first formal (not informal) step was sent, or None."""
    return next((step.sent_on for step in steps if Stage(step.stage).is_formal), None)


def escalation_row(escalation, on):
    """Flags (DESIGN.md section 3): the current step's response overdue while open; the formal
    process taking more than the limit, counted to today while open or to the resolution date.
    A withdrawn escalation is not judged against the limit."""
    steps = sorted(escalation.steps.all(), key=lambda step: step.stage)
    current = steps[-1]
    is_open = escalation.is_open
    started = formal_started_on(steps)
    until = on if is_open else escalation.resolved_on or escalation.withdrawn_on
    allocations = getattr(escalation.child, "current_allocations", [])
    return EscalationRow(
        escalation=escalation,
        steps=steps,
        iro=allocations[0].iro if allocations else None,
        response_overdue=is_open and timescales.response_overdue(current.response_due, current.responded_on, on),
        formal_working_days=timescales.formal_process_working_days(started, until),
        formal_too_long=escalation.status != EscalationStatus.WITHDRAWN
        and timescales.formal_process_too_long(started, until),
    )


def my_escalations(user, on):
    """The escalations an IRO takes forward: open ones first, then the newest."""
    open_first = Case(When(status=EscalationStatus.OPEN, then=Value(0)), default=Value(1))
    return for_listing(escalations_visible_to(user, on=on), on).order_by(open_first, "-raised_on", "-id")


def open_escalations(escalations, on):
    """The open ones among `escalations`, oldest first, ready for listing."""
    return for_listing(escalations.filter(status=EscalationStatus.OPEN), on).order_by("raised_on", "id")


def open_by_stage(rows):
    """Rows grouped by current stage, up the scale, with overdue responses first in each group
    and then the oldest."""
    groups = {stage: [] for stage in Stage}
    for row in rows:
        groups[row.current_stage].append(row)
    return [
        {"stage": stage, "rows": sorted(group, key=lambda row: (not row.response_overdue, row.current_step.response_due))}
        for stage, group in groups.items() if group
    ]


def counts_by_area(escalations, on):
    """How many open escalations name each area, and how many raised this reporting year did."""
    year_start = timescales.reporting_year_start(on)
    counted = dict.fromkeys(AreaOfConcern.values, (0, 0))
    rows = (
        EscalationConcern.objects.filter(escalation__in=escalations).values("area")
        .annotate(
            open=Count("id", filter=Q(escalation__status=EscalationStatus.OPEN)),
            this_year=Count("id", filter=Q(escalation__raised_on__gte=year_start, escalation__raised_on__lte=on)),
        )
    )
    for row in rows:
        counted[row["area"]] = (row["open"], row["this_year"])
    return {
        "year_start": year_start,
        "areas": [{"label": AreaOfConcern(area).label, "open": open_, "this_year": this_year}
                  for area, (open_, this_year) in counted.items()],
    }


def escalations_for_child(child, on: date | None = None):
    """A child's escalations for their page, newest first, with current stage and flags."""
    on = on or timezone.localdate()
    escalations = child.escalations.prefetch_related("steps", "concerns").order_by("-raised_on", "-id")
    return [escalation_row(escalation, on) for escalation in escalations]
