"""Reads about oversight: a child's current rating and history, and the IRO's worklist."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Greatest
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse

from accounts.models import User
from children.models import Allocation, Child, current_iro, prefetch_current_iro
from children.permissions import children_visible_to
from iro_portal.dates import format_date
from notifications.models import NotificationKind, SubjectType
from notifications.reminders import Reminder, overdue_step
from reviews import timescales
from reviews.models import Review, ReviewKind, ReviewStatus

from .models import RATED_KINDS, InContactPlan, OversightKind, OversightRecord

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CHECK_DUE_SOON_WORKING_DAYS = 10


class LatestOversight(TypedDict):
    """What with_latest_oversight annotates a child with."""

    current_rag: str | None
    next_check_date: date | None
    last_record_date: date | None


class OversightStatus(LatestOversight):
    """What with_oversight_status annotates a child with."""

    rated_on: date | None
    last_contact_date: date | None
    contact_every_weeks: int | None
    contact_agreed_on: date | None
    check_overdue: bool
    no_record_this_quarter: bool


class WorklistFlags(OversightStatus):
    """What with_worklist_flags annotates a child with."""

    check_due_soon: bool
    contact_due_on: date | None
    contact_behind: bool
    needs_attention: bool


def contact_due(agreed_on: date, every_weeks: int, last_contact: date | None) -> date:
    """When the IRO should next be in touch under the In-Contact plan: every_weeks after the
    last contact, or after the plan was agreed when that is later or there has been none.
    contact_due_on() is the same rule in SQL, for the worklist."""
    since = max(filter(None, [agreed_on, last_contact]))
    return since + timedelta(weeks=every_weeks)


def oversight_for_child(child: Child, on: date) -> dict[str, Any]:
    records = list(child.oversight_records.select_related("iro", "review").order_by("-date", "-id"))
    status = (
        with_oversight_status(Child.objects.filter(pk=child.pk), on)
        .values("check_overdue", "no_record_this_quarter")
        .get()
    )
    rating = next((record for record in records if record.rag), None)
    next_check = next((record.next_check_date for record in records if record.next_check_date), None)
    plan = child.in_contact_plans.filter(ended_on__isnull=True).first()
    last_contact = next((r.date for r in records if r.kind == OversightKind.CONTACT_WITH_CHILD), None)
    contact = None
    if plan is not None:
        due = contact_due(plan.agreed_on, plan.every_weeks, last_contact)
        contact = {"plan": plan, "last": last_contact, "due": due, "behind": due < on}
    return {
        "records": records,
        "current_rating": rating,
        "next_check": next_check,
        "next_check_overdue": status["check_overdue"],
        "contact": contact,
        "recorded_this_quarter": not status["no_record_this_quarter"],
    }


def _latest(records: QuerySet[OversightRecord], field: str) -> Subquery:
    return Subquery(records.order_by("-date", "-id").values(field)[:1])


def with_latest_oversight(children: QuerySet[Child], on: date) -> "QuerySet[WithAnnotations[Child, LatestOversight]]":
    """Annotate each child with what their latest records on `on` say: the current RAG rating,
    the next check date and the date of the last record of any kind. Each is one subquery per
    child; check_overdue and no_record_this_quarter read only these."""
    records = OversightRecord.objects.filter(child=OuterRef("pk"), date__lte=on)
    return children.annotate(
        current_rag=_latest(records.filter(kind__in=RATED_KINDS), "rag"),
        next_check_date=_latest(records.filter(next_check_date__isnull=False), "next_check_date"),
        last_record_date=_latest(records, "date"),
    )


def _nothing_recorded_since_check() -> Q:
    return Q(last_record_date__isnull=True) | Q(last_record_date__lt=F("next_check_date"))


def check_overdue(on: date) -> Q:
    """Children (annotated by with_latest_oversight) whose check date has passed with nothing
    recorded since."""
    return Q(next_check_date__isnull=False, next_check_date__lt=on) & _nothing_recorded_since_check()


def check_due_by(on: date) -> Q:
    """Children (annotated with their next check and last record dates) whose check falls on
    `on` or has passed, with nothing recorded since: due today or overdue, as reminded."""
    return Q(next_check_date__isnull=False, next_check_date__lte=on) & _nothing_recorded_since_check()


def no_record_this_quarter(on: date) -> Q:
    """Children (annotated by with_latest_oversight) with no record since the quarter began."""
    return Q(last_record_date__isnull=True) | Q(last_record_date__lt=timescales.quarter_start(on))


def with_oversight_status(children: QuerySet[Child], on: date) -> "QuerySet[WithAnnotations[Child, OversightStatus]]":
    """Annotate each child with their current RAG rating and the state of their oversight on
    `on`, in SQL, so that the worklist, the children list and the dashboard share one rule: a
    check is overdue once its date has passed with nothing recorded since (check_overdue), and
    every child needs a record in every quarter (no_record_this_quarter)."""
    records = OversightRecord.objects.filter(child=OuterRef("pk"), date__lte=on)
    plan = InContactPlan.objects.filter(child=OuterRef("pk"), ended_on__isnull=True)
    children = with_latest_oversight(children, on).annotate(
        rated_on=_latest(records.filter(kind__in=RATED_KINDS), "date"),
        last_contact_date=_latest(records.filter(kind=OversightKind.CONTACT_WITH_CHILD), "date"),
        contact_every_weeks=Subquery(plan.values("every_weeks")[:1]),
        contact_agreed_on=Subquery(plan.values("agreed_on")[:1]),
    )
    return children.annotate(
        check_overdue=ExpressionWrapper(check_overdue(on), output_field=BooleanField()),
        no_record_this_quarter=ExpressionWrapper(no_record_this_quarter(on), output_field=BooleanField()),
    )


RAG_FILTER_CHOICES = [("red", "Red"), ("amber", "Amber"), ("green", "Green"), ("none", "Not rated")]


def rated(rag: str) -> Q:
    """Children (annotated by with_oversight_status) by current rating; "none" for not rated."""
    return Q(current_rag__isnull=True) if rag == "none" else Q(current_rag=rag)


def seen_by_iro_before_review() -> Exists:
    """A held LAC review where the IRO had recorded a contact with the child since the previous
    review of the same cycle (or since the cycle started) and on or before the review day."""
    previous = (
        Review.objects.filter(
            child=OuterRef(OuterRef("child")),
            kind=ReviewKind.LAC,
            status=ReviewStatus.HELD,
            cycle_start=OuterRef(OuterRef("cycle_start")),
            held_on__lt=OuterRef(OuterRef("held_on")),
        )
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    contacts = OversightRecord.objects.filter(
        child=OuterRef("child"),
        kind=OversightKind.CONTACT_WITH_CHILD,
        date__gte=OuterRef("cycle_start"),
        date__lte=OuterRef("held_on"),
        date__gt=Coalesce(Subquery(previous), Value(date.min)),
    )
    return Exists(contacts)


def check_due_soon(on: date) -> Q:
    """Children (annotated by with_latest_oversight) whose next check falls from `on` to the
    CHECK_DUE_SOON_WORKING_DAYSth working day after it."""
    soon = timescales.add_working_days(on, CHECK_DUE_SOON_WORKING_DAYS)
    return Q(next_check_date__isnull=False, next_check_date__gte=on, next_check_date__lte=soon)


class DaysAfter(Func):
    """The date a whole number of days after a date, in SQL: PostgreSQL adds an integer to a
    date; SQLite's date() takes the days as a modifier."""

    arity = 2
    template = "(%(expressions)s)"
    arg_joiner = " + "
    output_field = DateField()

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return self.as_sql(
            compiler, connection, template="DATE(%(expressions)s || ' days')", arg_joiner=", ", **extra_context
        )


def contact_due_on() -> DaysAfter:
    """The SQL form of contact_due, for children annotated by with_oversight_status: empty
    without an In-Contact plan."""
    since = Greatest("contact_agreed_on", Coalesce("last_contact_date", "contact_agreed_on"))
    return DaysAfter(since, F("contact_every_weeks") * 7)


def contact_behind(on: date) -> Q:
    """Children (annotated by with_worklist_flags) whose In-Contact plan's next contact was due
    before `on`."""
    return Q(contact_due_on__isnull=False, contact_due_on__lt=on)


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def needs_attention(on: date) -> Q:
    """Children (annotated by with_oversight_status and contact_due_on) with any of the
    worklist's four flags raised."""
    return check_overdue(on) | check_due_soon(on) | no_record_this_quarter(on) | contact_behind(on)


def with_worklist_flags(children: QuerySet[Child], on: date) -> "QuerySet[WithAnnotations[Child, WorklistFlags]]":
    """Annotate each child with the worklist's four flags and whether any is raised
    (needs_attention), so the database can filter by them and a row can show them."""
    children = with_oversight_status(children, on).annotate(
        check_due_soon=_flag(check_due_soon(on)),
        contact_due_on=contact_due_on(),
    )
    flagged = children.annotate(contact_behind=_flag(contact_behind(on)), needs_attention=_flag(needs_attention(on)))
    # The stubs type DaysAfter's date as never empty; it is empty without an In-Contact plan.
    return cast("QuerySet[WithAnnotations[Child, WorklistFlags]]", flagged)


def worklist_children(
    user: User, on: date, *, iro: User | None = None, rag: str | None = None
) -> "QuerySet[WithAnnotations[Child, WorklistFlags]]":
    """Children on the user's list (currently allocated), annotated by with_worklist_flags."""
    allocated = Allocation.objects.current(on)
    if iro is not None:
        allocated = allocated.filter(iro=iro)
    children = children_visible_to(user, Child.objects.all(), on=on).filter(pk__in=allocated.values("child_id"))
    children = with_worklist_flags(children, on)
    if rag:
        children = children.filter(current_rag=rag)
    return children


def worklist_counts(children: "QuerySet[WithAnnotations[Child, WorklistFlags]]", on: date) -> dict[str, int]:
    """How many of these children (from worklist_children) there are, how many need attention
    and how many have each flag: one query over the whole list, in which each child's latest
    records are looked up once (in a subquery) and the flags counted over them. Counted in the
    flags' own annotations, each lookup would be repeated in every flag that reads it."""
    looked_up = children.order_by().values("pk", "next_check_date", "last_record_date", "contact_due_on").distinct()
    return looked_up.aggregate(
        children=Count("pk"),
        needs_attention=Count("pk", filter=needs_attention(on)),
        overdue=Count("pk", filter=check_overdue(on)),
        due_soon=Count("pk", filter=check_due_soon(on)),
        no_record=Count("pk", filter=no_record_this_quarter(on)),
        contact_behind=Count("pk", filter=contact_behind(on)),
    )


WORKLIST_FLAGS = {
    "overdue": ("Checks overdue", check_overdue),
    "contact_behind": ("In-Contact plans behind", contact_behind),
    "due_soon": ("Checks due soon", check_due_soon),
    "no_record": ("No oversight record this quarter", no_record_this_quarter),
}
"""The worklist's flags, most urgent first, by the key worklist_counts counts them under and
the ?show= that lists the children with that flag: (label, condition)."""


def by_urgency(on: date) -> list[OrderBy]:
    """The worklist's order: overdue checks first (the longest overdue first), then In-Contact
    plans behind, checks due soon (the soonest first), no record this quarter, then the rest;
    by name within each."""
    rank = Case(
        *[When(condition(on), then=Value(number)) for number, (_, condition) in enumerate(WORKLIST_FLAGS.values())],
        default=Value(len(WORKLIST_FLAGS)),
    )
    urgent_on = Case(
        When(check_overdue(on), then=F("next_check_date")),
        When(contact_behind(on), then=F("contact_due_on")),
        When(check_due_soon(on), then=F("next_check_date")),
        output_field=DateField(),
    )
    return [rank.asc(), urgent_on.asc(nulls_last=True), F("family_name").asc(), F("given_name").asc(), F("id").asc()]


def worklist_in_order(
    children: "QuerySet[WithAnnotations[Child, WorklistFlags]]",
    counts: dict[str, int],
    on: date,
    *,
    attention_only: bool = True,
    flag: str | None = None,
) -> "tuple[QuerySet[WithAnnotations[Child, WorklistFlags]], int]":
    """The worklist's children (from worklist_children) by_urgency, with how many there are (from
    worklist_counts): those needing attention (or, with `flag`, those with that flag), then the
    rest unless attention_only."""
    in_order = children.prefetch_related(prefetch_current_iro(on)).order_by(*by_urgency(on))
    if flag:
        return in_order.filter(WORKLIST_FLAGS[flag][1](on)), counts[flag]
    if attention_only:
        return in_order.filter(needs_attention(on)), counts["needs_attention"]
    return in_order, counts["children"]


def worklist_rows(children: "Iterable[WithAnnotations[Child, WorklistFlags]]") -> list["WorklistRow"]:
    """The rows for these children (one page of worklist_in_order)."""
    return [_row(child) for child in children]


@dataclass(frozen=True)
class WorklistRow:
    child: Child
    iro: User | None
    current_rag: str
    rated_on: date | None
    next_check_date: date | None
    check_overdue: bool
    check_due_soon: bool
    no_record_this_quarter: bool
    contact_due: date | None
    contact_behind: bool
    needs_attention: bool


def _row(child: "WithAnnotations[Child, WorklistFlags]") -> WorklistRow:
    return WorklistRow(
        child=child,
        iro=current_iro(child),
        current_rag=child.current_rag or "",
        rated_on=child.rated_on,
        next_check_date=child.next_check_date,
        check_overdue=child.check_overdue,
        check_due_soon=child.check_due_soon,
        no_record_this_quarter=child.no_record_this_quarter,
        contact_due=child.contact_due_on,
        contact_behind=child.contact_behind,
        needs_attention=child.needs_attention,
    )


QUARTER_END_WARNING_WORKING_DAYS = 10


def oversight_reminders(on: date, first_child_id: int, last_child_id: int) -> list[Reminder]:
    """Reminders for the IROs of the children in an id range: a check due today or overdue
    (weekly while overdue), and no oversight record this quarter once the quarter is within
    10 working days of its end."""
    allocated = Allocation.objects.current(on).filter(child_id__gte=first_child_id, child_id__lte=last_child_id)
    recipients = dict(allocated.values_list("child_id", "iro_id"))
    records = OversightRecord.objects.filter(child=OuterRef("pk"))
    children = (
        Child.objects.filter(pk__in=allocated.values("child_id"))
        .annotate(
            next_check_date=_latest(records.filter(next_check_date__isnull=False), "next_check_date"),
            last_record_date=_latest(records, "date"),
        )
        .annotate(check_due=_flag(check_due_by(on)), no_record_this_quarter=_flag(no_record_this_quarter(on)))
    )
    quarter_begins = timescales.quarter_start(on)
    quarter_closes = timescales.quarter_end(on)
    warn_quarter = on >= timescales.add_working_days(quarter_closes, -QUARTER_END_WARNING_WORKING_DAYS)
    reminders: list[Reminder] = []
    for child in children:
        link = reverse("children:detail", args=[child.pk])
        next_check = child.next_check_date
        if child.check_due:
            reminders.append(
                Reminder(
                    recipient_id=recipients[child.pk],
                    kind=NotificationKind.OVERSIGHT_CHECK_DUE,
                    subject_type=SubjectType.OVERSIGHT,
                    subject_id=child.pk,
                    child_id=child.pk,
                    due_date=next_check,
                    step="due" if next_check == on else overdue_step(next_check, on),
                    message=(
                        f"An oversight check is due today, {format_date(next_check)}."
                        if next_check == on
                        else f"An oversight check was due on {format_date(next_check)}."
                    ),
                    link=link,
                )
            )
        if warn_quarter and child.no_record_this_quarter:
            reminders.append(
                Reminder(
                    recipient_id=recipients[child.pk],
                    kind=NotificationKind.OVERSIGHT_MISSING_THIS_QUARTER,
                    subject_type=SubjectType.OVERSIGHT,
                    subject_id=child.pk,
                    child_id=child.pk,
                    due_date=quarter_closes,
                    step=f"quarter-{quarter_begins:%Y-%m}",
                    message=(f"No oversight is recorded this quarter, which ends on {format_date(quarter_closes)}."),
                    link=link,
                )
            )
    return reminders


def recorded_between(start: date, end: date) -> Exists:
    """Children with an oversight record (of any kind) dated from `start` to `end`: the annual
    report's quarterly footprint."""
    return Exists(OversightRecord.objects.filter(child=OuterRef("pk"), date__gte=start, date__lte=end))
