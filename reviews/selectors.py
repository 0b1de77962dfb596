"""Reads about reviews: the due list, a child's history and the quality standards."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.db.models import Case, CharField, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import may_see_child_records, sees_every_child
from children.models import Allocation, Child, prefetch_current_iro
from children.models import current_iro as current_iro_of_child
from children.permissions import children_visible_to
from iro_portal.dates import format_date
from notifications.models import Notification, NotificationKind, SubjectType
from notifications.reminders import Reminder, as_sentence, overdue_step

from . import timescales
from .models import (
    OUTSTANDING_STATUSES,
    ConferenceRecord,
    ParticipationCode,
    Review,
    ReviewAction,
    ReviewActionUpdate,
    ReviewKind,
    ReviewStatus,
)
from .working_day_calendar import JoinedDay, at_least_working_days_before, within_working_days

# Reminders look back this far: older gaps belong to the annual report, not to today's inbox.
RECENT_DAYS = 90


def reviews_visible_to(user: User, reviews: QuerySet[Review], on: date | None = None) -> QuerySet[Review]:
    """Reviews of the children the user may open (children.permissions decides which)."""
    return reviews.filter(child__in=children_visible_to(user, Child.objects.all(), on=on))


def actions_visible_to(user: User, actions: QuerySet[ReviewAction], on: date | None = None) -> QuerySet[ReviewAction]:
    """Agreed actions of the children the user may open, and those the user owns: the owner,
    where they sign in, records their own action even for a child they do not review. Whoever
    sees every child sees every action with no condition: "review in every review or owned"
    makes PostgreSQL test each action against a list of every review too long to hash, which
    at 100,000 children does not finish."""
    if not may_see_child_records(user):
        return actions.none()
    if sees_every_child(user):
        return actions
    return actions.filter(Q(review__in=reviews_visible_to(user, Review.objects.all(), on=on)) | Q(owner=user))


def open_actions(child: Child) -> QuerySet[ReviewAction]:
    """The child's agreed actions not yet done, soonest first, with the review that agreed them."""
    return (
        ReviewAction.objects.filter(review__child=child, completed_on__isnull=True)
        .select_related("review", "owner")
        .order_by("due_date", "id")
    )


def action_history(action: ReviewAction) -> list[ReviewActionUpdate]:
    return list(action.updates.select_related("recorded_by"))


def outstanding_reviews(user: User, on: date) -> QuerySet[Review]:
    """Due and booked reviews the user may see, soonest first, ready for listing."""
    reviews = Review.objects.filter(status__in=OUTSTANDING_STATUSES)
    return with_current_iro(reviews_visible_to(user, reviews, on=on), on).order_by(
        "due_date", "child__family_name", "id"
    )


def with_next_review(children: QuerySet[Child]) -> QuerySet[Child]:
    """Annotate each child (a Child query) with the due date of their next outstanding review
    (next_review_due, to sort by) and fetch their outstanding reviews soonest first
    (outstanding_reviews), in one more query whatever the number of children."""
    outstanding = Review.objects.filter(status__in=OUTSTANDING_STATUSES).order_by("due_date", "id")
    return children.annotate(
        next_review_due=Subquery(outstanding.filter(child=OuterRef("pk")).values("due_date")[:1]),
    ).prefetch_related(Prefetch("reviews", queryset=outstanding, to_attr="outstanding_reviews"))


def held_reviews(user: User, on: date) -> QuerySet[Review]:
    """Held reviews the user may see, most recent first, ready for listing."""
    reviews = Review.objects.filter(status=ReviewStatus.HELD)
    return with_current_iro(reviews_visible_to(user, reviews, on=on), on).order_by(
        "-held_on", "child__family_name", "id"
    )


def with_current_iro(reviews: QuerySet[Review], on: date) -> QuerySet[Review]:
    """Each review's child and the IRO allocated to them on `on` (read with current_iro), in one
    more query whatever the number of reviews."""
    return reviews.select_related("child").prefetch_related(prefetch_current_iro(on, through="child__"))


def current_iro(review: Review) -> User | None:
    """The IRO allocated to the review's child, as fetched by with_current_iro (None if none)."""
    return current_iro_of_child(review.child)


DUE_PERIODS = [
    ("overdue", "Overdue"),
    ("20_working_days", "Due in the next 20 working days"),
    ("3_months", "Due in the next 3 months"),
]


def due_in(on: date, period: str) -> Q:
    """Outstanding reviews overdue on `on`, or not yet overdue and due within 20 working days
    or 3 months."""
    if period == "overdue":
        return Q(due_date__lt=on)
    if period == "20_working_days":
        return Q(due_date__gte=on, due_date__lte=timescales.add_working_days(on, 20))
    if period == "3_months":
        return Q(due_date__gte=on, due_date__lte=timescales.add_months(on, 3))
    return Q()


def due_within(reviews: QuerySet[Review], on: date, period: str) -> QuerySet[Review]:
    return reviews.filter(due_in(on, period))


# What the dashboard and the annual report count about held reviews. Each is a condition on a
# Review query, so a figure and the list behind it are the same rule (DESIGN.md section 3).


def held_between(reviews: QuerySet[Review], start: date, end: date) -> QuerySet[Review]:
    return reviews.filter(status=ReviewStatus.HELD, held_on__gte=start, held_on__lte=end)


HELD_IN_TIMESCALE = Q(held_on__lte=F("due_date"))
HELD_LATE = Q(held_on__gt=F("due_date"))

PARTICIPATED_CODES = [
    ParticipationCode.PN1,
    ParticipationCode.PN2,
    ParticipationCode.PN3,
    ParticipationCode.PN4,
    ParticipationCode.PN5,
    ParticipationCode.PN6,
]
PARTICIPATION_RATE_CODES = [*PARTICIPATED_CODES, ParticipationCode.PN7]


def participation_code_problem(age: int, code: str, *, code_name: str = "the code") -> tuple[str, str] | None:
    """PN0 is the code for a child under 4 on the day of the review, and only for them (the DfE's
    rules 440 and 441): (the rule broken, what is wrong), or None when the code fits the age."""
    if age >= 4 and code == ParticipationCode.PN0:
        return "440", f"PN0 is only for children under 4; the child was {age} on the day of the review."
    if age < 4 and code != ParticipationCode.PN0:
        return "441", f"The child was under 4 on the day of the review, so {code_name} must be PN0."
    return None


NOT_RECORDED = ("not_recorded", "Not recorded")
"""The choice (a filter's, a row of the annual report) for a review whose reason for lateness,
participation code or parents' participation was left blank."""


def recorded_value(choice: str) -> str:
    """The stored value a choice stands for: "not recorded" is the field left blank."""
    return "" if choice == NOT_RECORDED[0] else choice


PARTICIPATED = Q(participation_code__in=PARTICIPATED_CODES)
"""Participation rate = PN1-PN6 over PN1-PN7; PN0 (under 4) is left out of both."""

QUALITY_STANDARDS = {
    "report": ("social_worker_report_received", "social_worker_report_working_days_before"),
    "decisions": ("decisions_circulated", "decisions_circulated_within_working_days"),
    "record": ("record_circulated", "record_circulated_within_working_days"),
}
STANDARD_OUTCOMES = [("met", "Met"), ("missed", "Missed"), ("pending", "Not yet due")]

QualityStandard = dict[str, Any]
"""A standard as quality_standards gives it: label, date, outcome, met (None while pending), due_by."""


def quality_standard(standard: str, outcome: str, on: date) -> Q:
    """Held reviews that met, missed, or are still within a quality standard on `on` (the same
    rules as quality_standards, in SQL). The social worker's report is needed before the review,
    so it is only met or missed; decisions and records not yet circulated are pending until
    their deadline has passed."""
    return _quality_outcomes(standard, on)[outcome]


def quality_outcome(standard: str, on: date) -> Case:
    """Each held review's outcome for a standard ("met", "missed" or "pending", by
    quality_standard's rules) as one expression that stops at the first outcome that holds, so
    that a query counting every outcome can work it out once per review and read it back."""
    return Case(
        *[When(condition, then=Value(outcome)) for outcome, condition in _quality_outcomes(standard, on).items()],
        output_field=CharField(),
    )


HELD_ON = JoinedDay("held_on", "held_on_day")


def _quality_outcomes(standard: str, on: date) -> dict[str, Q]:
    field, setting = QUALITY_STANDARDS[standard]
    days = settings.REVIEW_STANDARDS[setting]
    recorded_on = JoinedDay(field, f"{field}_day")
    recorded = Q(**{f"{field}__isnull": False})
    missing = Q(**{f"{field}__isnull": True})
    if standard == "report":
        met = Q(at_least_working_days_before(recorded_on, HELD_ON, days))
        return {"met": recorded & met, "missed": missing | (recorded & ~met)}
    met = Q(within_working_days(recorded_on, HELD_ON, days))
    still_in_time = Q(within_working_days(on, HELD_ON, days))
    return {
        "met": recorded & met,
        "missed": (recorded & ~met) | (missing & ~still_in_time),
        "pending": missing & still_in_time,
    }


DUE_SOON_WORKING_DAYS = 5
"""A review due within this many working days is flagged (yellow) on the lists and pages."""


@dataclass(frozen=True)
class ReviewTiming:
    """Where a review stands on a day, as every page and the API say it: its status (an
    outstanding review past its due date is "overdue", whether booked or not) and the working
    days left before the due date or by which it is overdue."""

    status: str
    working_days_left: int | None = None
    working_days_overdue: int | None = None

    LABELS = {
        "overdue": "Overdue",
        ReviewStatus.DUE: "Due",
        ReviewStatus.BOOKED: "Booked",
        ReviewStatus.HELD: "Held",
        ReviewStatus.CANCELLED: "Cancelled",
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.status]

    @property
    def is_overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def is_outstanding(self) -> bool:
        return self.working_days_left is not None or self.is_overdue

    @property
    def due_soon(self) -> bool:
        return self.working_days_left is not None and self.working_days_left <= DUE_SOON_WORKING_DAYS

    @property
    def summary(self) -> str:
        """ "Overdue by 7 working days", "Due today", "3 working days left"; blank once held or
        cancelled."""
        if self.is_overdue:
            days = self.working_days_overdue
            return f"Overdue by {days} working day{'s' if days != 1 else ''}"
        if self.working_days_left == 0:
            return "Due today"
        if self.working_days_left is not None:
            days = self.working_days_left
            return f"{days} working day{'s' if days != 1 else ''} left"
        return ""


def review_timing(review: Review, on: date) -> ReviewTiming:
    """The one rule for a review's status and working days on `on` (a review outstanding after
    its due date is overdue: the due list's "overdue" period, due_in, is the same rule in SQL)."""
    if review.status not in OUTSTANDING_STATUSES:
        return ReviewTiming(status=review.status)
    if review.due_date < on:
        return ReviewTiming(status="overdue", working_days_overdue=timescales.working_days_overdue(review.due_date, on))
    return ReviewTiming(status=review.status, working_days_left=timescales.working_days_left(review.due_date, on))


@dataclass(frozen=True)
class DueRow:
    review: Review
    timing: ReviewTiming
    iro: object


def due_rows(reviews: Iterable[Review], on: date) -> list[DueRow]:
    return [DueRow(review=review, timing=review_timing(review, on), iro=current_iro(review)) for review in reviews]


@dataclass(frozen=True)
class ReviewWithTiming:
    review: Review
    timing: ReviewTiming


def review_history(child: Child, on: date) -> list[ReviewWithTiming]:
    """Every review and conference of a child that was held or is outstanding, newest first,
    each with its timing on `on`."""
    reviews = child.reviews.exclude(status=ReviewStatus.CANCELLED).select_related("chair").order_by("-due_date", "-id")
    return [ReviewWithTiming(review=review, timing=review_timing(review, on)) for review in reviews]


def quality_standards(review: Review, on: date | None = None) -> list[QualityStandard]:
    """Whether a held review met the local standards (DESIGN.md section 3) on `on` (today by
    default), by quality_standard's rules: each standard's outcome is "met", "missed" or, for
    decisions and records not circulated yet whose deadline (`due_by`) has not passed,
    "pending"; `met` is None while pending."""
    if review.held_on is None:
        return []
    on = on or timezone.localdate()
    standards = settings.REVIEW_STANDARDS
    report_days = standards["social_worker_report_working_days_before"]
    decisions_days = standards["decisions_circulated_within_working_days"]
    record_days = standards["record_circulated_within_working_days"]
    report_met = timescales.at_least_working_days_before(
        review.social_worker_report_received, review.held_on, report_days
    )
    return [
        _standard(
            f"Social worker's report at least {report_days} working days before",
            review.social_worker_report_received,
            "met" if report_met else "missed",
        ),
        _circulation_standard(
            f"Decisions circulated within {decisions_days} working days",
            review.decisions_circulated,
            review.held_on,
            decisions_days,
            on,
        ),
        _circulation_standard(
            f"Full record circulated within {record_days} working days",
            review.record_circulated,
            review.held_on,
            record_days,
            on,
        ),
    ]


def _circulation_standard(label: str, circulated: date | None, held_on: date, days: int, on: date) -> QualityStandard:
    deadline = timescales.working_days_deadline(held_on, days)
    if circulated is not None:
        outcome = "met" if timescales.within_working_days(circulated, held_on, days) else "missed"
    else:
        outcome = "pending" if timescales.within_working_days(on, held_on, days) else "missed"
    return _standard(label, circulated, outcome, due_by=deadline if outcome == "pending" else None)


def _standard(label: str, recorded: date | None, outcome: str, due_by: date | None = None) -> QualityStandard:
    return {
        "label": label,
        "date": recorded,
        "outcome": outcome,
        "met": {"met": True, "missed": False}.get(outcome),
        "due_by": due_by,
    }


def _allocated_iros(on: date, first_child_id: int, last_child_id: int) -> dict[int, int]:
    return dict(
        Allocation.objects.current(on)
        .filter(child_id__gte=first_child_id, child_id__lte=last_child_id)
        .values_list("child_id", "iro_id")
    )


def review_reminders(on: date, first_child_id: int, last_child_id: int) -> list[Reminder]:
    """Reminders about reviews for the children in an id range, for their allocated IROs:
    due in 10, 5 and 1 working days (a setting) and not booked, overdue (weekly), social
    worker's report missing before a booked review, decisions or record not circulated in
    time, agreed actions past due (to the action's owner too, where they sign in), the first core
    group meeting after an ICPC due and not recorded (to the chair too). A fixed
    number of queries whatever the range holds."""
    steps = sorted(settings.REVIEW_REMINDER_WORKING_DAYS)
    standards = settings.REVIEW_STANDARDS
    recipients = _allocated_iros(on, first_child_id, last_child_id)
    allocated = Allocation.objects.current(on).filter(child_id__gte=first_child_id, child_id__lte=last_child_id)
    in_range = {"child_id__in": allocated.values("child_id")}
    reminders = []

    def add(
        review: Review,
        kind: str,
        due: date,
        step: str,
        message: str,
        subject_type: str = SubjectType.REVIEW,
        subject_id: int | None = None,
        link: str | None = None,
    ) -> None:
        reminders.append(
            Reminder(
                recipient_id=recipients[review.child_id],
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id or review.pk,
                child_id=review.child_id,
                due_date=due,
                step=step,
                message=message,
                link=link or reverse("reviews:detail", args=[review.pk]),
            )
        )

    horizon = timescales.add_working_days(on, steps[-1])
    outstanding = Review.objects.filter(status__in=OUTSTANDING_STATUSES, due_date__lte=horizon, **in_range)
    for review in outstanding.select_related("child"):
        timing = review_timing(review, on)
        if timing.is_overdue:
            add(
                review,
                NotificationKind.REVIEW_OVERDUE,
                review.due_date,
                overdue_step(review.due_date, on),
                f"{review.title} was due on {format_date(review.due_date)} and has not been held.",
            )
        elif review.status == ReviewStatus.DUE:
            remaining = timing.working_days_left
            step = min(s for s in steps if remaining <= s)
            add(
                review,
                NotificationKind.REVIEW_DUE,
                review.due_date,
                str(step),
                f"{review.title} is due in {remaining} working day{'s' if remaining != 1 else ''} "
                f"({format_date(review.due_date)}) and is not booked.",
            )

    report_days = standards["social_worker_report_working_days_before"]
    booked = Review.objects.filter(
        status=ReviewStatus.BOOKED,
        social_worker_report_received__isnull=True,
        booked_for__date__gte=on,
        booked_for__date__lte=timescales.add_working_days(on, report_days),
        **in_range,
    )
    for review in booked:
        day = timezone.localtime(review.booked_for).date()
        add(
            review,
            NotificationKind.SOCIAL_WORKER_REPORT_MISSING,
            day,
            "before-review",
            f"The social worker's report for {review.title_in_sentence}, booked for {format_date(day)}, "
            "has not been received.",
        )

    recent = on - timedelta(days=RECENT_DAYS)
    held = Review.objects.filter(status=ReviewStatus.HELD, held_on__gte=recent, held_on__lt=on, **in_range).filter(
        Q(decisions_circulated__isnull=True) | Q(record_circulated__isnull=True)
    )
    for review in held:
        held_on = cast(date, review.held_on)  # filtered on it above
        for field, kind, days, what in (
            (
                "decisions_circulated",
                NotificationKind.DECISIONS_NOT_CIRCULATED,
                standards["decisions_circulated_within_working_days"],
                "decisions",
            ),
            (
                "record_circulated",
                NotificationKind.RECORD_NOT_CIRCULATED,
                standards["record_circulated_within_working_days"],
                "full record",
            ),
        ):
            deadline = timescales.working_days_deadline(held_on, days)
            if getattr(review, field) is None and deadline < on:
                add(
                    review,
                    kind,
                    deadline,
                    "once",
                    f"The {what} of {review.title_in_sentence}, held on {format_date(held_on)}, "
                    f"should have been circulated by {format_date(deadline)}.",
                )

    actions = ReviewAction.objects.filter(
        completed_on__isnull=True,
        due_date__lt=on,
        due_date__gte=recent,
        review__child_id__in=allocated.values("child_id"),
    ).select_related("review", "owner")
    for action in actions:
        add(
            action.review,
            NotificationKind.ACTION_OVERDUE,
            action.due_date,
            "once",
            f"An action agreed at {action.review.title_in_sentence} was due on {format_date(action.due_date)}. "
            f"Owner: {action.owner_name or action.owner}. Action: {as_sentence(action.description)}",
            subject_type=SubjectType.ACTION,
            subject_id=action.pk,
            link=reverse("reviews:action", args=[action.pk]),
        )
        if action.owner_id is not None and action.owner_id != recipients[action.review.child_id]:
            reminders.append(replace(reminders[-1], recipient_id=action.owner_id))

    core_groups = ConferenceRecord.objects.filter(
        first_core_group_due__lte=on,
        first_core_group_due__gte=recent,
        first_core_group_held__isnull=True,
        review__child_id__in=allocated.values("child_id"),
    ).select_related("review")
    for record in core_groups:
        due = cast(date, record.first_core_group_due)  # filtered on it above
        add(
            record.review,
            NotificationKind.FIRST_CORE_GROUP_NOT_RECORDED,
            due,
            "once",
            f"The first core group meeting after the initial child protection conference held on "
            f"{format_date(cast(date, record.review.held_on))} was due by {format_date(due)} and is not recorded.",
        )
        if record.review.chair_id is not None and record.review.chair_id != recipients[record.review.child_id]:
            reminders.append(replace(reminders[-1], recipient_id=record.review.chair_id))
    return reminders


FOLLOWING_KIND: dict[str, str] = {
    ReviewKind.LAC: ReviewKind.LAC,
    ReviewKind.ICPC: ReviewKind.RCPC,
    ReviewKind.RCPC: ReviewKind.RCPC,
}
"""What comes after a review in its cycle: a LAC review is followed by a LAC review, a
conference by a review conference."""


def following_outstanding(review: Review, reviews: QuerySet[Review] | None = None) -> QuerySet[Review]:
    """The outstanding review that scheduling made due after `review` (none when the cycle
    ended, for example a conference that made no plan)."""
    reviews = Review.objects.all() if reviews is None else reviews
    return reviews.filter(child_id=review.child_id, kind=FOLLOWING_KIND[review.kind], status__in=OUTSTANDING_STATUSES)


def manager_digests(on: date) -> list[Reminder]:
    """One digest a day for each service manager: the reminders waiting unread in IROs' inboxes,
    by kind, and the children with an overdue review or conference, by IRO. Both are snapshots
    of the service's state, so a digest written while a sweep is still running is only a little
    behind, never wrong, and the next day's catches up."""
    unread = Counter(
        dict(
            Notification.objects.filter(read_at__isnull=True)
            .exclude(kind=NotificationKind.MANAGER_DIGEST)
            .values_list("kind")
            .annotate(n=Count("id"))
        )
    )
    overdue_children = Review.objects.filter(status__in=OUTSTANDING_STATUSES, due_date__lt=on).values("child_id")
    overdue = (
        Allocation.objects.current(on)
        .filter(child_id__in=overdue_children)
        .values("iro__first_name", "iro__last_name")
        .annotate(n=Count("child_id", distinct=True))
        .order_by("-n")
    )
    lines = [f"Unread reminders in IROs' inboxes: {sum(unread.values())}."]
    lines += [f"- {NotificationKind(kind).label}: {count}" for kind, count in sorted(unread.items())]
    lines.append("Children with an overdue review or conference, by IRO:")
    lines += [f"- {row['iro__first_name']} {row['iro__last_name']}: {row['n']}" for row in overdue] or ["- none"]
    message = "\n".join(lines)
    managers = User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).values_list("pk", flat=True)
    return [
        Reminder(
            recipient_id=manager,
            kind=NotificationKind.MANAGER_DIGEST,
            subject_type=SubjectType.DIGEST,
            subject_id=0,
            child_id=None,
            due_date=on,
            step="daily",
            message=message,
            link=reverse("reviews:due") + "?period=overdue",
        )
        for manager in managers
    ]
