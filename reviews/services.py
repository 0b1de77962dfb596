"""Every write about reviews and conferences: scheduling, booking, recording, editing.

Scheduling derives the next due review from the child's whole record each time rather than
patching it, so the schedule stays right after any change (an episode edited, a held date
corrected, a plan ended): every scheduling function is idempotent.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import apply_changes, record_event
from children import services as children_services
from children.codes import SHORT_BREAK_LEGAL_STATUSES, PlanEndReason
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan
from children.selectors import age_on
from iro_portal.dates import format_date
from iro_portal.forms import row_message
from iro_portal.locking import lock
from notifications.models import NotificationKind, SubjectType
from notifications.services import settle_reminders

from . import conference_services, timescales
from .cycles import current_lac_cycle, next_lac_review
from .models import (
    ICPC_OUTCOMES,
    OUTSTANDING_STATUSES,
    RCPC_OUTCOMES,
    ActionUpdateKind,
    ConferenceOutcome,
    LateReason,
    Review,
    ReviewAction,
    ReviewActionUpdate,
    ReviewKind,
    ReviewStatus,
)
from .record_selectors import completion_problems
from .selectors import participation_code_problem
from .signals import review_held


def _outstanding(child: Child, kind: str) -> Review | None:
    return Review.objects.select_for_update().filter(child=child, kind=kind, status__in=OUTSTANDING_STATUSES).first()


def _cancel(review: Review | None, reason: str) -> None:
    if review is not None:
        review.status = ReviewStatus.CANCELLED
        review.cancelled_reason = reason
        review.version += 1
        review.save()


def _make_due(
    child: Child,
    kind: str,
    *,
    due_date: date,
    number: int,
    cycle_start: date,
    protection_plan: ChildProtectionPlan | None = None,
    brought_forward_by_move: date | None = None,
) -> Review:
    review = _outstanding(child, kind)
    if review is None:
        review = Review(child=child, kind=kind, status=ReviewStatus.DUE)
    wanted = {
        "due_date": due_date,
        "number": number,
        "cycle_start": cycle_start,
        "protection_plan": protection_plan,
        "brought_forward_by_move": brought_forward_by_move,
    }
    if review.pk and all(getattr(review, field) == value for field, value in wanted.items()):
        return review
    for field, value in wanted.items():
        setattr(review, field, value)
    if review.pk:
        review.version += 1
    review.save()
    return review


def _held_dates(child: Child, kind: str, **conditions: Any) -> list[date]:
    """The days the child's held reviews of this kind were held (a held review has its day)."""
    days = Review.objects.filter(child=child, kind=kind, status=ReviewStatus.HELD, **conditions)
    return [day for day in days.values_list("held_on", flat=True) if day is not None]


def schedule_lac_review(child: Child, today: date | None = None) -> Review | None:
    cycle = current_lac_cycle(list(child.episodes.order_by("start_date")), on=today or timezone.localdate())
    if cycle is None:
        _cancel(_outstanding(child, ReviewKind.LAC), "The child ceased to be looked after.")
        return None
    held = sorted(_held_dates(child, ReviewKind.LAC, held_on__gte=cycle.start))
    held = cycle.reviews_assumed(child.lac_reviews_recorded_from, held) + held
    due = next_lac_review(cycle, held, count_moves=settings.UNPLANNED_MOVE_TRIGGERS_REVIEW)
    return _make_due(
        child,
        ReviewKind.LAC,
        due_date=due.due_date,
        number=due.number,
        cycle_start=cycle.start,
        brought_forward_by_move=due.brought_forward_by_move,
    )


def end_lapsed_short_break_series(on: date, first_child_id: int, last_child_id: int) -> None:
    """A series of short breaks also ends with time alone, twelve months without a break
    (timescales.short_break_series_lapses), which no change to the record announces: the daily
    sweep brings in line, on `on`, the LAC review of each child who has had short breaks and
    whose last episode ended long enough ago for the series to have lapsed."""
    ended_by = timescales.short_break_series_lapsed_by(on)
    recent = CareEpisode.objects.filter(child=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=ended_by)
    )
    outstanding = Review.objects.filter(child=OuterRef("pk"), kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES)
    short_break = CareEpisode.objects.filter(child=OuterRef("pk"), legal_status__in=SHORT_BREAK_LEGAL_STATUSES)
    children = Child.objects.filter(pk__gte=first_child_id, pk__lte=last_child_id).filter(
        Exists(outstanding), Exists(short_break), ~Exists(recent)
    )
    for child in children:
        with transaction.atomic():
            schedule_lac_review(child, today=on)


def schedule_initial_conference(child: Child) -> Review | None:
    outstanding = _outstanding(child, ReviewKind.ICPC)
    if ChildProtectionPlan.objects.filter(child=child, end_date__isnull=True).exists():
        _cancel(outstanding, "The child already has a child protection plan.")
        return None
    discussion = child.strategy_discussions.filter(section_47_enquiry_started=True).order_by("-date").first()
    if discussion is None:
        _cancel(outstanding, "No section 47 enquiry calls for a conference.")
        return None
    if Review.objects.filter(
        child=child, kind=ReviewKind.ICPC, status=ReviewStatus.HELD, held_on__gte=discussion.date
    ).exists():
        _cancel(outstanding, "A conference has been held since the strategy discussion.")
        return None
    return _make_due(
        child,
        ReviewKind.ICPC,
        due_date=timescales.icpc_due(discussion.date),
        number=1,
        cycle_start=discussion.date,
    )


def schedule_review_conference(child: Child) -> Review | None:
    plan = ChildProtectionPlan.objects.filter(child=child, end_date__isnull=True).first()
    if plan is None:
        _cancel(_outstanding(child, ReviewKind.RCPC), "The child protection plan ended.")
        return None
    initial = (
        Review.objects.filter(
            child=child,
            kind=ReviewKind.ICPC,
            status=ReviewStatus.HELD,
            conference_outcome=ConferenceOutcome.PLAN_MADE,
            protection_plan=plan,
        )
        .values_list("held_on", flat=True)
        .first()
    ) or plan.start_date
    held = _held_dates(child, ReviewKind.RCPC, protection_plan=plan)
    return _make_due(
        child,
        ReviewKind.RCPC,
        due_date=timescales.rcpc_due(initial, held),
        number=len(held) + 1,
        cycle_start=initial,
        protection_plan=plan,
    )


def reschedule(child: Child, today: date | None = None) -> None:
    """Bring every outstanding review of the child in line with the record (on `today`, which
    decides whether a series of short breaks is still running)."""
    schedule_lac_review(child, today)
    schedule_initial_conference(child)
    schedule_review_conference(child)


REVIEW_CHANGED_MESSAGE = (
    "Someone else changed this review while you were editing it. Nothing you entered has been saved: "
    "open the review again to see their changes, then make yours."
)

HELD_ON_FIELDS = ("held_on", "late_reason", "late_reason_other")
LAC_RECORD_FIELDS = (
    "participation_code",
    "child_chaired",
    "advocate_present",
    "interpreter_used",
    "child_consulted",
    "parents_participation",
    "social_worker_report_received",
    "decisions_circulated",
    "record_circulated",
)
CONFERENCE_RECORD_FIELDS = ("conference_outcome", "category_of_abuse", "decisions_circulated", "record_circulated")


def record_fields(kind: str) -> tuple[str, ...]:
    """The fields entered in the record of a held review of this kind, on the page and through
    the API alike (the chair is the IRO, never entered)."""
    return (*HELD_ON_FIELDS, *(LAC_RECORD_FIELDS if kind == ReviewKind.LAC else CONFERENCE_RECORD_FIELDS))


def _locked_review(review: Review, expected_version: int | None) -> Review:
    return lock(Review.objects.select_related("child"), review.pk, expected_version, REVIEW_CHANGED_MESSAGE)


def _validate_record(
    review: Review, actions: list[ReviewAction], *, today: date, also: dict[str, Any] | None = None
) -> None:
    """The rules a held review must satisfy, with `also` the errors of the rules checked only on
    completing it (a conference's record). Raises with every broken rule."""
    errors: dict[str, Any] = dict(also or {})
    child = review.child
    held = review.held_on
    if held is None:
        raise ValidationError({"held_on": "Enter the date the review was held."})
    if held > today:
        errors["held_on"] = "The date the review was held cannot be in the future."
    elif held < child.date_of_birth:
        errors["held_on"] = (
            f"The date the review was held cannot be before the child was born ({format_date(child.date_of_birth)})."
        )
    elif review.kind == ReviewKind.LAC and held < review.cycle_start:
        errors["held_on"] = (
            f"A LAC review cannot be held before the period of care started ({format_date(review.cycle_start)})."
        )
    elif review.kind == ReviewKind.ICPC and held < review.cycle_start:
        errors["held_on"] = (
            f"The conference cannot be held before the strategy discussion ({format_date(review.cycle_start)})."
        )
    held_on_known = "held_on" not in errors
    if held_on_known and not timescales.in_timescale(held, review.due_date) and not review.late_reason:
        errors["late_reason"] = (
            f"The review was held after its due date ({format_date(review.due_date)}): give the reason."
        )
    if review.late_reason == LateReason.OTHER and not review.late_reason_other.strip():
        errors["late_reason_other"] = "Describe the other reason the review was held late."
    for field, label in (("decisions_circulated", "decisions"), ("record_circulated", "full record")):
        value = getattr(review, field)
        if value is not None and value < held:
            errors[field] = f"The {label} cannot have been circulated before the review was held."
        elif value is not None and value > today:
            errors[field] = f"The date the {label} was circulated cannot be in the future."
    if review.kind == ReviewKind.LAC:
        errors.update(_participation_errors(review, judge_age=held_on_known))
    else:
        errors.update(_conference_errors(review))
    number = 0
    for action in actions:
        if action.pk is None:
            number += 1
            if (missing := _decision_missing(action)) is not None:
                errors.setdefault("actions", []).append(
                    ValidationError(
                        row_message("Action", number, missing),
                        code="action_incomplete",
                        params={"row": number, "field": "owner_name", "in_row": missing},
                    )
                )
                continue
        if action.due_date >= held:
            continue
        if action.pk is None:
            in_row = f"The date it is due by must be on or after {format_date(held)}, when the review was held."
            error = ValidationError(
                row_message("Action", number, in_row),
                code="action_due_before_held",
                params={"row": number, "field": "due_date", "in_row": in_row},
            )
        else:
            error = ValidationError(
                f"The action \u201c{action.description[:60]}\u201d is due on {format_date(action.due_date)}, before the review "
                f"was held: give it a new date first.",
                code="existing_action_due_before_held",
            )
        errors.setdefault("actions", []).append(error)
    if errors:
        raise ValidationError(errors)


def _decision_missing(action: ReviewAction) -> str | None:
    """A decision is recorded with what was decided, who will do it and by when."""
    if not action.description.strip():
        return "Describe the decision."
    if not action.owner_name.strip() and action.owner_id is None:
        return "Enter who will do it."
    if action.due_date is None:
        return "Enter the date it is due by."
    return None


def _number_decisions(review: Review, actions: list[ReviewAction]) -> None:
    """New decisions are numbered after the review's last: Decision 1, 2 and so on."""
    last = max((n for n in review.actions.values_list("number", flat=True) if n is not None), default=0)
    for offset, action in enumerate(actions, start=1):
        action.number = last + offset


def _participation_errors(review: Review, *, judge_age: bool = True) -> dict[str, str]:
    """The participation code, and whether it fits the child's age on the day; not judged
    against the age while the date of the review is itself wrong (in the future, before the child
    was born or before the period of care): the date's own error is the one to put right."""
    code = review.participation_code
    if not code:
        return {"participation_code": "Choose how the child participated in the review (PN0 to PN7)."}
    if not judge_age:
        return {}
    assert review.held_on is not None, "the age is judged only on a valid date held"
    problem = participation_code_problem(age_on(review.child.date_of_birth, review.held_on), code)
    return {"participation_code": problem[1]} if problem else {}


def _conference_errors(review: Review) -> dict[str, str]:
    errors = {}
    allowed = ICPC_OUTCOMES if review.kind == ReviewKind.ICPC else RCPC_OUTCOMES
    if review.conference_outcome not in allowed:
        choices = " or ".join(ConferenceOutcome(value).label.lower() for value in allowed)
        errors["conference_outcome"] = f"Choose the outcome of the conference: {choices}."
    if review.conference_outcome == ConferenceOutcome.PLAN_MADE and not review.category_of_abuse:
        errors["category_of_abuse"] = "Choose the category of abuse for the new plan."
    if review.kind == ReviewKind.RCPC:
        initial = Review.objects.filter(
            child=review.child, kind=ReviewKind.ICPC, status=ReviewStatus.HELD, held_on__lte=review.held_on
        )
        if (
            not initial.exists()
            and not ChildProtectionPlan.objects.filter(child=review.child, start_date__lte=review.held_on).exists()
        ):
            errors["kind"] = "A review conference needs an initial child protection conference before it."
    return errors


def _apply_conference_outcome(review: Review, *, by: User, request: HttpRequest | None) -> None:
    """An ICPC that makes a plan starts it; an RCPC that ends the plan closes it; a changed
    category is recorded on the plan."""
    assert review.held_on is not None, "an outcome is applied only to a conference held"
    if review.kind == ReviewKind.ICPC and review.conference_outcome == ConferenceOutcome.PLAN_MADE:
        review.protection_plan = children_services.start_protection_plan(
            review.child,
            by=by,
            start_date=review.held_on,
            initial_category_of_abuse=review.category_of_abuse,
            request=request,
        )
        review.save(update_fields=["protection_plan"])
    elif review.kind == ReviewKind.RCPC and (plan := review.protection_plan) is not None:
        if review.category_of_abuse and review.category_of_abuse != plan.current_category_of_abuse:
            children_services.change_protection_plan_category(
                plan, by=by, category=review.category_of_abuse, request=request
            )
        if review.conference_outcome == ConferenceOutcome.PLAN_ENDED:
            children_services.end_protection_plan(
                plan,
                by=by,
                end_date=review.held_on,
                end_reason=PlanEndReason.NO_LONGER_AT_RISK,
                request=request,
            )


def _allocated_iro(child: Child, on: date | None) -> User | None:
    allocation = Allocation.objects.current(on).filter(child=child).select_related("iro").first() if on else None
    return allocation.iro if allocation else None


@dataclass(frozen=True)
class BookingCheck:
    """What booking a review on a day needs besides the date: a day after the due date makes
    the review late, which the booker confirms with the reason its record will need; a day in
    the past is confirmed too, in case it was a slip."""

    day: date
    due_date: date
    late: bool
    past: bool

    @property
    def needs_confirming(self) -> bool:
        return self.late or self.past

    @property
    def message(self) -> str:
        if self.late and self.past:
            return (
                f"{format_date(self.day)} is in the past and after the due date ({format_date(self.due_date)}): change the "
                "date, or confirm it and choose why the review is late."
            )
        if self.late:
            return (
                f"{format_date(self.day)} is after the due date ({format_date(self.due_date)}), so the review will be late: "
                "change the date, or confirm it and choose why."
            )
        if self.past:
            return f"{format_date(self.day)} is in the past: change the date, or confirm it."
        return ""


def booking_check(review: Review, day: date, *, today: date) -> BookingCheck:
    return BookingCheck(
        day=day, due_date=review.due_date, late=not timescales.in_timescale(day, review.due_date), past=day < today
    )


@transaction.atomic
def book_review(
    review: Review,
    *,
    by: User,
    booked_for: datetime,
    late_reason: str = "",
    late_reason_other: str = "",
    confirmed: bool = False,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> Review:
    """Book a due or booked review. A day after the due date or in the past is booked only when
    `confirmed`; one after the due date also needs the reason the review will be late, which
    the record of the review then starts from."""
    review = _locked_review(review, expected_version)
    if review.status == ReviewStatus.HELD:
        raise ValidationError({"booked_for": "This review has already been held, so it cannot be booked."})
    if review.status == ReviewStatus.CANCELLED:
        raise ValidationError({"booked_for": "This review was cancelled, so it cannot be booked."})
    day = timezone.localdate(booked_for)
    if day < review.cycle_start:
        raise ValidationError({"booked_for": f"Book the review on or after {format_date(review.cycle_start)}."})
    check = booking_check(review, day, today=today or timezone.localdate())
    late_reason_other = late_reason_other.strip() if check.late and late_reason == LateReason.OTHER else ""
    errors = {}
    if check.needs_confirming and not confirmed:
        errors["booked_for"] = check.message
    if check.late and not late_reason:
        errors["late_reason"] = "Choose why the review will be held late."
    elif check.late and late_reason == LateReason.OTHER and not late_reason_other:
        errors["late_reason_other"] = "Describe the other reason the review will be held late."
    if errors:
        raise ValidationError(errors)
    review.booked_for = booked_for
    review.times_booked += 1
    review.status = ReviewStatus.BOOKED
    review.late_reason = late_reason if check.late else ""
    review.late_reason_other = late_reason_other
    review.version += 1
    review.save()
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=review,
        child_id=review.child_id,
        request=request,
        detail={"booked_for": booked_for.isoformat(), "late_reason": review.late_reason},
    )
    return review


def _late_reason_only_if_late(review: Review) -> None:
    """A review held by its due date keeps no reason for lateness (one given when it was booked
    for a later day, for example)."""
    if review.held_on is not None and timescales.in_timescale(review.held_on, review.due_date):
        review.late_reason = ""
        review.late_reason_other = ""


@transaction.atomic
def record_review_held(
    review: Review,
    *,
    by: User,
    fields: dict[str, Any],
    actions: Iterable[dict[str, Any]] = (),
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> Review:
    """Record a due or booked review as held, with its agreed actions; the next review
    becomes due from the date it was actually held."""
    review = _locked_review(review, expected_version)
    if review.status not in OUTSTANDING_STATUSES:
        raise ValidationError(
            f"This review is {review.get_status_display().lower()}, so it cannot be recorded as held."
        )
    for field, value in fields.items():
        setattr(review, field, value)
    if review.chair_id is None:
        review.chair = by if by.is_iro else _allocated_iro(review.child, review.held_on)
    agreed = [ReviewAction(review=review, **action) for action in actions]
    completing = (
        completion_problems(review) if review.kind == ReviewKind.LAC else conference_services.completion_errors(review)
    )
    _validate_record(review, agreed, today=today or timezone.localdate(), also=completing)
    _late_reason_only_if_late(review)
    review.status = ReviewStatus.HELD
    review.version += 1
    review.save()
    _number_decisions(review, agreed)
    ReviewAction.objects.bulk_create(agreed)
    _apply_conference_outcome(review, by=by, request=request)
    conference_services.conference_held(review)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=review,
        child_id=review.child_id,
        request=request,
        detail={"held_on": str(review.held_on), "actions": len(agreed)},
    )
    reschedule(review.child)
    transaction.on_commit(lambda: review_held.send(sender=Review, review=review))
    return review


@transaction.atomic
def update_held_review(
    review: Review,
    *,
    by: User,
    fields: dict[str, Any],
    new_actions: Iterable[dict[str, Any]] = (),
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> Review:
    """Correct a held review. An edit that races another user's save is refused whole."""
    review = _locked_review(review, expected_version)
    if review.status != ReviewStatus.HELD:
        raise ValidationError("Only a held review can be edited; record it as held first.")
    if review.kind != ReviewKind.LAC:
        for field in ("conference_outcome", "category_of_abuse", "held_on"):
            if field in fields and fields[field] != getattr(review, field):
                raise ValidationError(
                    {
                        field: (
                            "The date, outcome and category of a conference cannot be changed once recorded, because they "
                            "started, changed or ended the child protection plan. Ask a service manager to correct the plan."
                        )
                    }
                )
    changes = apply_changes(review, fields)
    actions = [ReviewAction(review=review, **action) for action in new_actions]
    _validate_record(review, list(review.actions.all()) + actions, today=today or timezone.localdate())
    _late_reason_only_if_late(review)
    review.version += 1
    review.save()
    _number_decisions(review, actions)
    ReviewAction.objects.bulk_create(actions)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=review,
        child_id=review.child_id,
        request=request,
        detail=changes,
    )
    reschedule(review.child)
    return review


ACTION_CHANGED_MESSAGE = (
    "Someone else changed this action while you were editing it. Nothing you entered has been saved: "
    "open the action again to see their change, then make yours."
)


def _locked_open_action(action: ReviewAction, expected_version: int | None) -> ReviewAction:
    """The action locked as the user read it; once recorded as done it cannot change."""
    action = lock(ReviewAction.objects.select_related("review"), action.pk, expected_version, ACTION_CHANGED_MESSAGE)
    if action.completed_on is not None:
        raise ValidationError(
            f"This action was recorded as done on {format_date(action.completed_on)}, so it cannot change."
        )
    return action


def _save_action_update(
    action: ReviewAction, *, by: User, request: HttpRequest | None, **update: Any
) -> ReviewActionUpdate:
    action.version += 1
    action.save()
    entry = ReviewActionUpdate.objects.create(action=action, recorded_by=by, **update)
    settle_reminders(SubjectType.ACTION, action.pk, NotificationKind.ACTION_OVERDUE)
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=action,
        child_id=action.review.child_id,
        request=request,
        detail={key: str(value) for key, value in update.items() if key != "note"},
    )
    return entry


@transaction.atomic
def complete_action(
    action: ReviewAction,
    *,
    by: User,
    completed_on: date,
    note: str,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> ReviewAction:
    """Record an agreed action done, on the day it was done, with a note of what was done."""
    action = _locked_open_action(action, expected_version)
    today = today or timezone.localdate()
    held = action.review.held_on
    errors = {}
    if completed_on > today:
        errors["completed_on"] = "The date the action was done cannot be in the future."
    elif held is not None and completed_on < held:
        errors["completed_on"] = (
            f"The action cannot have been done before the review that agreed it ({format_date(held)})."
        )
    if not note.strip():
        errors["note"] = "Enter a note of what was done."
    if errors:
        raise ValidationError(errors)
    action.completed_on = completed_on
    _save_action_update(
        action, by=by, request=request, kind=ActionUpdateKind.COMPLETED, completed_on=completed_on, note=note.strip()
    )
    return action


@transaction.atomic
def change_action_due_date(
    action: ReviewAction,
    *,
    by: User,
    due_date: date,
    reason: str,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> ReviewAction:
    """Give an open agreed action a new date, with the reason; the old date stays in its history."""
    action = _locked_open_action(action, expected_version)
    today = today or timezone.localdate()
    errors = {}
    if due_date == action.due_date:
        errors["due_date"] = f"The action is already due by {format_date(due_date)}: enter the new date."
    elif due_date < today:
        errors["due_date"] = "The new date cannot be in the past."
    if not reason.strip():
        errors["reason"] = "Enter the reason the date changed."
    if errors:
        raise ValidationError(errors)
    previous = action.due_date
    action.due_date = due_date
    _save_action_update(
        action,
        by=by,
        request=request,
        kind=ActionUpdateKind.DATE_CHANGED,
        previous_due_date=previous,
        new_due_date=due_date,
        note=reason.strip(),
    )
    return action
