"""Reads about oversight: a child's current rating and history, and the IRO's worklist."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from django.urls import reverse

from accounts.permissions import children_visible_to
from children.models import Allocation, Child
from notifications.models import NotificationKind, SubjectType
from notifications.reminders import Reminder, initials_and_id, overdue_step
from reviews import timescales
from reviews.models import Review, ReviewKind, ReviewStatus

from .models import RATED_KINDS, InContactPlan, OversightKind, OversightRecord

CHECK_DUE_SOON_WORKING_DAYS = 10


def contact_due(agreed_on, every_weeks, last_contact):
    """When the IRO should next be in touch under the In-Contact plan."""
    since = max(filter(None, [agreed_on, last_contact]))
    return since + timedelta(weeks=every_weeks)


def oversight_for_child(child, on):
    records = list(child.oversight_records.select_related("iro", "review").order_by("-date", "-id"))
    status = with_oversight_status(Child.objects.filter(pk=child.pk), on).values(
        "check_overdue", "no_record_this_quarter").get()
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


def _latest(records, field):
    return Subquery(records.order_by("-date", "-id").values(field)[:1])


def with_latest_oversight(children, on):
    """Annotate each child with what their latest records on `on` say: the current RAG rating,
    the next check date and the date of the last record of any kind. Each is one subquery per
    child; check_overdue and no_record_this_quarter read only these."""
    records = OversightRecord.objects.filter(child=OuterRef("pk"), date__lte=on)
    return children.annotate(
        current_rag=_latest(records.filter(kind__in=RATED_KINDS), "rag"),
        next_check_date=_latest(records.filter(next_check_date__isnull=False), "next_check_date"),
        last_record_date=_latest(records, "date"),
    )


def check_overdue(on):
    """Children (annotated by with_latest_oversight) whose check date has passed with nothing
    recorded since."""
    return Q(next_check_date__isnull=False, next_check_date__lt=on) & (
        Q(last_record_date__isnull=True) | Q(last_record_date__lt=F("next_check_date"))
    )


def no_record_this_quarter(on):
    """Children (annotated by with_latest_oversight) with no record since the quarter began."""
    return Q(last_record_date__isnull=True) | Q(last_record_date__lt=timescales.quarter_start(on))


def with_oversight_status(children, on):
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


def rated(rag):
    """Children (annotated by with_oversight_status) by current rating; "none" for not rated."""
    return Q(current_rag__isnull=True) if rag == "none" else Q(current_rag=rag)


def seen_by_iro_before_review():
    """A held LAC review where the IRO had recorded a contact with the child since the previous
    review of the same cycle (or since the cycle started) and on or before the review day."""
    previous = Review.objects.filter(
        child=OuterRef(OuterRef("child")), kind=ReviewKind.LAC, status=ReviewStatus.HELD,
        cycle_start=OuterRef(OuterRef("cycle_start")), held_on__lt=OuterRef(OuterRef("held_on")),
    ).order_by("-held_on").values("held_on")[:1]
    contacts = OversightRecord.objects.filter(
        child=OuterRef("child"), kind=OversightKind.CONTACT_WITH_CHILD,
        date__gte=OuterRef("cycle_start"), date__lte=OuterRef("held_on"),
        date__gt=Coalesce(Subquery(previous), Value(date.min)),
    )
    return Exists(contacts)


def worklist(user, on, *, iro=None, rag=None, attention_only=True):
    """Children on the user's list (currently allocated) with what their oversight needs, in
    a fixed number of queries; those needing attention first."""
    allocated = Allocation.objects.current(on)
    if iro is not None:
        allocated = allocated.filter(iro=iro)
    children = children_visible_to(user, Child.objects.all(), on=on).filter(pk__in=allocated.values("child_id"))
    children = with_oversight_status(children, on)
    if rag:
        children = children.filter(current_rag=rag)
    children = children.prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.current(on).select_related("iro"), to_attr="current_allocations")
    ).order_by("family_name", "given_name")
    rows = [_row(child, on) for child in children]
    if attention_only:
        return [row for row in rows if row.needs_attention]
    return sorted(rows, key=lambda row: not row.needs_attention)


@dataclass(frozen=True)
class WorklistRow:
    child: Child
    iro: object
    current_rag: str
    rated_on: date | None
    next_check_date: date | None
    check_overdue: bool
    check_due_soon: bool
    no_record_this_quarter: bool
    contact_due: date | None
    contact_behind: bool

    @property
    def needs_attention(self):
        return self.check_overdue or self.check_due_soon or self.no_record_this_quarter or self.contact_behind


def _row(child, on):
    soon = timescales.add_working_days(on, CHECK_DUE_SOON_WORKING_DAYS)
    next_check = child.next_check_date
    due = None
    if child.contact_every_weeks:
        due = contact_due(child.contact_agreed_on, child.contact_every_weeks, child.last_contact_date)
    allocations = getattr(child, "current_allocations", [])
    return WorklistRow(
        child=child,
        iro=allocations[0].iro if allocations else None,
        current_rag=child.current_rag or "",
        rated_on=child.rated_on,
        next_check_date=next_check,
        check_overdue=child.check_overdue,
        check_due_soon=next_check is not None and on <= next_check <= soon,
        no_record_this_quarter=child.no_record_this_quarter,
        contact_due=due,
        contact_behind=due is not None and due < on,
    )


QUARTER_END_WARNING_WORKING_DAYS = 10


def oversight_reminders(on, first_child_id, last_child_id):
    """Reminders for the IROs of the children in an id range: a check due today or overdue
    (weekly while overdue), and no oversight record this quarter once the quarter is within
    10 working days of its end."""
    allocated = Allocation.objects.current(on).filter(child_id__gte=first_child_id, child_id__lte=last_child_id)
    recipients = dict(allocated.values_list("child_id", "iro_id"))
    records = OversightRecord.objects.filter(child=OuterRef("pk"))
    children = Child.objects.filter(pk__in=allocated.values("child_id")).annotate(
        next_check_date=_latest(records.filter(next_check_date__isnull=False), "next_check_date"),
        last_record_date=_latest(records, "date"),
    )
    quarter_begins = timescales.quarter_start(on)
    quarter_closes = timescales.quarter_end(on)
    warn_quarter = on >= timescales.add_working_days(quarter_closes, -QUARTER_END_WARNING_WORKING_DAYS)
    reminders = []
    for child in children:
        link = reverse("children:detail", args=[child.pk])
        next_check = child.next_check_date
        if next_check is not None and next_check <= on and (child.last_record_date is None or child.last_record_date < next_check):
            reminders.append(Reminder(
                recipient_id=recipients[child.pk], kind=NotificationKind.OVERSIGHT_CHECK_DUE,
                subject_type=SubjectType.OVERSIGHT, subject_id=child.pk, child_id=child.pk, due_date=next_check,
                step="due" if next_check == on else overdue_step(next_check, on),
                message=f"An oversight check was due on {next_check:%-d %B %Y} for {initials_and_id(child)}.", link=link,
            ))
        if warn_quarter and (child.last_record_date is None or child.last_record_date < quarter_begins):
            reminders.append(Reminder(
                recipient_id=recipients[child.pk], kind=NotificationKind.OVERSIGHT_MISSING_THIS_QUARTER,
                subject_type=SubjectType.OVERSIGHT, subject_id=child.pk, child_id=child.pk, due_date=quarter_closes,
                step=f"quarter-{quarter_begins:%Y-%m}",
                message=(f"No oversight is recorded this quarter for {initials_and_id(child)}; "
                         f"the quarter ends on {quarter_closes:%-d %B %Y}."), link=link,
            ))
    return reminders


def recorded_between(start, end):
    """Children with an oversight record (of any kind) dated from `start` to `end`: the annual
    report's quarterly footprint."""
    return Exists(OversightRecord.objects.filter(child=OuterRef("pk"), date__gte=start, date__lte=end))
