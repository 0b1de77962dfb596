"""Reads about escalations: who sees which, the lists with their flags, and counts by area."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Case, Count, DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from children.models import Allocation, Child, current_iro, prefetch_current_iro
from children.permissions import children_visible_to
from iro_portal.dates import format_date
from notifications.models import NotificationKind, SubjectType
from notifications.reminders import Reminder, overdue_step
from reviews.timescales import add_working_days, reporting_year_start
from reviews.working_day_calendar import within_working_days

from . import timescales
from .codes import AreaOfConcern, EscalationStatus, Stage
from .models import Escalation, EscalationConcern, EscalationStep

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CurrentStep(TypedDict):
    """What with_current_step annotates an escalation with."""

    current_stage: int | None
    current_response_due: date | None
    current_responded_on: date | None


def escalations_visible_to(
    user: User, escalations: QuerySet[Escalation] | None = None, on: date | None = None
) -> QuerySet[Escalation]:
    """Escalations about the children the user may open (children.permissions decides which)."""
    escalations = Escalation.objects.all() if escalations is None else escalations
    return escalations.filter(child__in=children_visible_to(user, Child.objects.all(), on=on))


def for_listing(escalations: QuerySet[Escalation], on: date) -> QuerySet[Escalation]:
    """Everything a row shows, fetched in a fixed number of queries whatever the row count."""
    return escalations.select_related("child", "raised_by").prefetch_related(
        "steps",
        "concerns",
        prefetch_current_iro(on, through="child__"),
    )


def with_current_step(escalations: QuerySet[Escalation]) -> "QuerySet[WithAnnotations[Escalation, CurrentStep]]":
    """Annotate each escalation with its current step (the highest stage reached): the stage
    and that step's response deadline and date, so lists and counts can use them in SQL."""
    current = EscalationStep.objects.filter(escalation=OuterRef("pk")).order_by("-stage")
    return escalations.annotate(
        current_stage=Subquery(current.values("stage")[:1]),
        current_response_due=Subquery(current.values("response_due")[:1]),
        current_responded_on=Subquery(current.values("responded_on")[:1]),
    )


def response_overdue(on: date) -> Q:
    """Open escalations (annotated by with_current_step) whose current step has passed its
    response date unanswered: the SQL form of timescales.response_overdue."""
    return Q(status=EscalationStatus.OPEN, current_responded_on__isnull=True, current_response_due__lt=on)


def with_formal_process(escalations: QuerySet[Escalation], on: date) -> QuerySet[Escalation]:
    """Annotate each escalation with the day its first formal step was sent and the day its
    formal process is counted to: `on` while open, the resolution date once resolved, none once
    withdrawn (a withdrawn escalation is not judged against the limit)."""
    formal = EscalationStep.objects.filter(escalation=OuterRef("pk"), stage__gt=Stage.INFORMAL).order_by("stage")
    return escalations.annotate(
        formal_started_on=Subquery(formal.values("sent_on")[:1]),
        formal_counted_to=Case(
            When(status=EscalationStatus.OPEN, then=Value(on)),
            When(status=EscalationStatus.RESOLVED, then=F("resolved_on")),
            output_field=DateField(),
        ),
    )


def _formal_process_within_limit() -> Q:
    return Q(within_working_days("formal_counted_to", "formal_started_on", timescales.formal_process_limit()))


def formal_process_too_long() -> Q:
    """Escalations (annotated by with_formal_process) whose formal process has taken more than
    the limit: the SQL form of the formal_too_long flag escalation_row sets."""
    return Q(formal_started_on__isnull=False, formal_counted_to__isnull=False) & ~_formal_process_within_limit()


def formal_process_within_limit() -> Q:
    """Escalations (annotated by with_formal_process) that went formal and whose formal process
    has taken no more than the limit so far (to today while open, to the resolution date once
    resolved): the opposite of formal_process_too_long for those it judges."""
    return Q(formal_started_on__isnull=False, formal_counted_to__isnull=False) & _formal_process_within_limit()


def with_open_escalation(children: QuerySet[Child], on: date) -> QuerySet[Child]:
    """Annotate each child (a Child query) with their longest-open escalation: its id, its
    current stage and whether its response is overdue (response_overdue); empty when none is
    open."""
    open_ones = with_current_step(Escalation.objects.filter(child=OuterRef("pk"), status=EscalationStatus.OPEN))
    open_ones = open_ones.order_by("raised_on", "id")
    return children.annotate(
        open_escalation_id=Subquery(open_ones.values("pk")[:1]),
        open_escalation_stage=Subquery(open_ones.values("current_stage")[:1]),
        open_escalation_response_overdue=Exists(open_ones.filter(response_overdue(on))),
    )


def with_iro(escalations: QuerySet[Escalation], iro: User, on: date) -> QuerySet[Escalation]:
    """Escalations about children allocated to this IRO now: the IRO who takes them forward."""
    return escalations.filter(child__in=Allocation.objects.current(on).filter(iro=iro).values("child_id"))


@dataclass(frozen=True)
class EscalationRow:
    """An escalation with its steps and the flags the IRO and managers act on."""

    escalation: Escalation
    steps: list[EscalationStep]
    iro: User | None
    response_overdue: bool
    formal_working_days: int | None
    formal_too_long: bool

    @property
    def current_step(self) -> EscalationStep:
        return self.steps[-1]

    @property
    def current_stage(self) -> Stage:
        return Stage(self.current_step.stage)

    @property
    def at_last_stage(self) -> bool:
        return self.current_stage == Stage.CAFCASS

    @property
    def formal_limit(self) -> int:
        return timescales.formal_process_limit()

    @property
    def areas(self) -> list[str]:
        concerns = sorted(self.escalation.concerns.all(), key=lambda concern: AreaOfConcern.values.index(concern.area))
        return [concern.get_area_display() for concern in concerns]


def steps_up_the_stages(escalation: Escalation) -> list[EscalationStep]:
    """The escalation's steps (prefetched), lowest stage first: escalations only go up, so the
    last is the current step."""
    return sorted(escalation.steps.all(), key=lambda step: step.stage)


def formal_started_on(steps: Iterable[EscalationStep]) -> date | None:
    """The day the first formal (not informal) step was sent, or None."""
    return next((step.sent_on for step in steps if Stage(step.stage).is_formal), None)


def escalation_row(escalation: Escalation, on: date) -> EscalationRow:
    """Flags (DESIGN.md section 3): the current step's response overdue while open; the formal
    process taking more than the limit, counted to today while open or to the resolution date.
    A withdrawn escalation is not judged against the limit."""
    steps = steps_up_the_stages(escalation)
    current = steps[-1]
    is_open = escalation.is_open
    started = formal_started_on(steps)
    until = on if is_open else cast(date, escalation.resolved_on or escalation.withdrawn_on)
    return EscalationRow(
        escalation=escalation,
        steps=steps,
        iro=current_iro(escalation.child),
        response_overdue=is_open and timescales.response_overdue(current.response_due, current.responded_on, on),
        formal_working_days=timescales.formal_process_working_days(started, until),
        formal_too_long=escalation.status != EscalationStatus.WITHDRAWN
        and timescales.formal_process_too_long(started, until),
    )


def in_list_order(escalations: QuerySet[Escalation]) -> QuerySet[Escalation]:
    """Open ones first, then the newest: the order an IRO works through them."""
    open_first = Case(When(status=EscalationStatus.OPEN, then=Value(0)), default=Value(1))
    return escalations.order_by(open_first, "-raised_on", "-id")


def in_stage_order(
    escalations: "QuerySet[WithAnnotations[Escalation, CurrentStep]]", on: date
) -> "QuerySet[WithAnnotations[Escalation, CurrentStep]]":
    """Up the stages; within a stage overdue responses first, then by response date: the
    managers' list, so that each page reads stage by stage. Escalations annotated by
    with_current_step."""
    overdue_first = Case(When(response_overdue(on), then=Value(0)), default=Value(1))
    return escalations.order_by("current_stage", overdue_first, "current_response_due", "raised_on", "id")


def stage_list_counts(escalations: "QuerySet[WithAnnotations[Escalation, CurrentStep]]", on: date) -> dict[str, Any]:
    """How many escalations (annotated by with_current_step) the managers' list holds, at each
    current stage, with a response overdue and with the formal process too long: one query
    over the whole list, not one page of it."""
    counts = with_formal_process(escalations, on).aggregate(
        count=Count("pk"),
        overdue=Count("pk", filter=response_overdue(on)),
        too_long=Count("pk", filter=formal_process_too_long()),
        **{f"stage_{stage}": Count("pk", filter=Q(current_stage=stage)) for stage in Stage.values},
    )
    return {
        "count": counts["count"],
        "overdue": counts["overdue"],
        "too_long": counts["too_long"],
        "by_stage": {stage: counts[f"stage_{stage.value}"] for stage in Stage},
    }


def by_stage(rows: Iterable[EscalationRow], count_by_stage: dict[Stage, int]) -> list[dict[str, Any]]:
    """Rows (in in_stage_order) grouped by current stage, each group with how many the whole
    list holds at that stage (count_by_stage, from stage_list_counts)."""
    groups: dict[Stage, list[EscalationRow]] = {}
    for row in rows:
        groups.setdefault(row.current_stage, []).append(row)
    return [{"stage": stage, "rows": group, "count": count_by_stage[stage]} for stage, group in groups.items()]


def counts_by_area(escalations: QuerySet[Escalation], on: date) -> dict[str, Any]:
    """How many open escalations name each area, and how many raised this reporting year did."""
    year_start = reporting_year_start(on)
    counted = dict.fromkeys(AreaOfConcern.values, (0, 0))
    rows = (
        EscalationConcern.objects.filter(escalation__in=escalations)
        .values("area")
        .annotate(
            open=Count("id", filter=Q(escalation__status=EscalationStatus.OPEN)),
            this_year=Count("id", filter=Q(escalation__raised_on__gte=year_start, escalation__raised_on__lte=on)),
        )
    )
    for row in rows:
        counted[row["area"]] = (row["open"], row["this_year"])
    return {
        "year_start": year_start,
        "areas": [
            {"label": AreaOfConcern(area).label, "open": open_, "this_year": this_year}
            for area, (open_, this_year) in counted.items()
        ],
    }


def escalations_for_child(child: Child, on: date | None = None) -> list[EscalationRow]:
    """A child's escalations for their page, newest first, with current stage and flags."""
    on = on or timezone.localdate()
    escalations = child.escalations.prefetch_related("steps", "concerns").order_by("-raised_on", "-id")
    return [escalation_row(escalation, on) for escalation in escalations]


def escalation_reminders(on: date, first_child_id: int, last_child_id: int) -> list[Reminder]:
    """Reminders for the IROs of the children in an id range about their open escalations: a
    response due today or on the next working day, a response overdue (weekly), and a formal
    process past its limit (once). A fixed number of queries whatever the range holds."""
    allocated = Allocation.objects.current(on).filter(child_id__gte=first_child_id, child_id__lte=last_child_id)
    recipients = dict(allocated.values_list("child_id", "iro_id"))
    escalations = (
        Escalation.objects.filter(status=EscalationStatus.OPEN, child_id__in=allocated.values("child_id"))
        .select_related("child")
        .prefetch_related("steps")
    )
    next_working_day = add_working_days(on, 1)
    reminders: list[Reminder] = []
    for escalation in escalations:
        steps = steps_up_the_stages(escalation)
        current = steps[-1]
        child = escalation.child

        def remind(
            kind: str, due: date, step: str, message: str, child: Child = child, escalation: Escalation = escalation
        ) -> None:
            reminders.append(
                Reminder(
                    recipient_id=recipients[child.pk],
                    kind=kind,
                    subject_type=SubjectType.ESCALATION,
                    subject_id=escalation.pk,
                    child_id=child.pk,
                    due_date=due,
                    step=step,
                    message=message,
                    link=reverse("escalations:detail", args=[escalation.pk]),
                )
            )

        stage = Stage(current.stage).label.lower()
        if current.responded_on is None and on <= current.response_due <= next_working_day:
            remind(
                NotificationKind.ESCALATION_RESPONSE_DUE,
                current.response_due,
                "due",
                f"The response to your escalation at the {stage} stage is due on {format_date(current.response_due)}.",
            )
        if timescales.response_overdue(current.response_due, current.responded_on, on):
            remind(
                NotificationKind.ESCALATION_RESPONSE_OVERDUE,
                current.response_due,
                overdue_step(current.response_due, on),
                f"The response to your escalation at the {stage} stage was due on {format_date(current.response_due)}.",
            )
        started = formal_started_on(steps)
        if started is not None and timescales.formal_process_too_long(started, on):
            remind(
                NotificationKind.ESCALATION_FORMAL_TOO_LONG,
                started,
                "formal-limit",
                f"The formal escalation started on {format_date(started)} has gone past its limit of "
                f"{timescales.formal_process_limit()} working days.",
            )
    return reminders


# What the annual report counts about escalations (DESIGN.md section 4): conditions on an
# Escalation query.


def raised_between(start: date, end: date) -> Q:
    return Q(raised_on__gte=start, raised_on__lte=end)


def resolved_between(start: date, end: date) -> Q:
    return Q(status=EscalationStatus.RESOLVED, resolved_on__gte=start, resolved_on__lte=end)


def withdrawn_between(start: date, end: date) -> Q:
    return Q(status=EscalationStatus.WITHDRAWN, withdrawn_on__gte=start, withdrawn_on__lte=end)


def went_formal() -> Exists:
    """Escalations that reached a formal stage (team manager or above), whether or not an
    informal step came first; the others never left informal resolution."""
    return Exists(EscalationStep.objects.filter(escalation=OuterRef("pk"), stage__gt=Stage.INFORMAL))


def referred_to_cafcass_between(start: date, end: date) -> Exists:
    """Escalations whose Cafcass step was sent from `start` to `end`."""
    return Exists(
        EscalationStep.objects.filter(
            escalation=OuterRef("pk"), stage=Stage.CAFCASS, sent_on__gte=start, sent_on__lte=end
        )
    )
