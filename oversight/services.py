"""Writes about oversight between reviews, and the rule for when the IRO looks again.

The follow-up window follows the RAG rating (DESIGN.md section 3): red, any day from now up to
4 weeks; amber, 5 to 8 weeks; green, around the midpoint between the review and the next one.
"""

import datetime
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from children.models import Child
from children.services import lock_child
from iro_portal.dates import format_date
from iro_portal.locking import check_version
from iro_portal.words import with_article
from reviews import timescales
from reviews.cycles import current_lac_cycle
from reviews.models import OUTSTANDING_STATUSES, Review, ReviewKind

from .models import RATED_KINDS, InContactPlan, OversightKind, OversightRecord, Rag

RED_LATEST_WEEKS = 4
RED_PROPOSED_WEEKS = 2
AMBER_EARLIEST_WEEKS = 5
AMBER_LATEST_WEEKS = 8
GREEN_MIDPOINT_SLACK_DAYS = 14
GREEN_DEFAULT_INTERVAL_MONTHS = 6


@dataclass(frozen=True)
class CheckWindow:
    earliest: date
    latest: date
    proposed: date

    def __contains__(self, day: date) -> bool:
        return self.earliest <= day <= self.latest


def next_check_window(rag: str, record_date: date, next_review_due: date | None = None) -> CheckWindow:
    """The dates the next check may be set to after a rating, and the one proposed."""
    if rag == Rag.RED:
        return CheckWindow(
            earliest=record_date,
            latest=record_date + timedelta(weeks=RED_LATEST_WEEKS),
            proposed=record_date + timedelta(weeks=RED_PROPOSED_WEEKS),
        )
    if rag == Rag.AMBER:
        earliest = record_date + timedelta(weeks=AMBER_EARLIEST_WEEKS)
        return CheckWindow(
            earliest=earliest, latest=record_date + timedelta(weeks=AMBER_LATEST_WEEKS), proposed=earliest
        )
    if rag == Rag.GREEN:
        next_review = next_review_due
        if next_review is None or next_review <= record_date:
            next_review = timescales.add_months(record_date, GREEN_DEFAULT_INTERVAL_MONTHS)
        midpoint = record_date + (next_review - record_date) / 2
        earliest = max(record_date + timedelta(days=1), midpoint - timedelta(days=GREEN_MIDPOINT_SLACK_DAYS))
        latest = min(next_review, midpoint + timedelta(days=GREEN_MIDPOINT_SLACK_DAYS))
        return CheckWindow(earliest=earliest, latest=latest, proposed=midpoint)
    raise ValueError(f"No follow-up window for rating {rag!r}")


def next_review_due(child: Child, after: Review | None = None) -> date | None:
    """The review the green midpoint counts to: after a rated LAC review, the next review of the
    same cycle; otherwise the child's earliest outstanding review, a LAC review first."""
    if after is not None:
        following = (
            Review.objects.filter(child=child, kind=after.kind, cycle_start=after.cycle_start, number=after.number + 1)
            .values_list("due_date", flat=True)
            .first()
        )
        if following is not None:
            return following
    outstanding = Review.objects.filter(child=child, status__in=OUTSTANDING_STATUSES)
    return (
        outstanding.filter(kind=ReviewKind.LAC).values_list("due_date", flat=True).first()
        or outstanding.order_by("due_date").values_list("due_date", flat=True).first()
    )


def _validate(record: OversightRecord, today: date) -> None:
    errors: dict[str, str] = {}
    if record.date > today:
        errors["date"] = "The date cannot be in the future."
    elif record.date < record.child.date_of_birth:
        errors["date"] = "The date cannot be before the child was born."
    if record.kind in RATED_KINDS and not record.rag:
        errors["rag"] = f"Choose a RAG rating: {with_article(record.get_kind_display().lower())} needs one."
    if record.rag and record.next_check_date and "date" not in errors:
        window = next_check_window(record.rag, record.date, next_review_due(record.child, after=record.review))
        if record.next_check_date not in window:
            errors["next_check_date"] = (
                f"After {with_article(record.get_rag_display().lower())} rating the next check must be between "
                f"{format_date(window.earliest)} and {format_date(window.latest)}."
            )
    elif record.next_check_date and record.next_check_date < record.date:
        errors["next_check_date"] = "The next check cannot be before this one."
    if record.kind == OversightKind.POST_REVIEW:
        if record.review is None:
            errors["review"] = "A post-review rating follows a held review."
        elif record.review.held_on is None or record.review.child_id != record.child_id:
            errors["review"] = "Rate a review after it has been held."
        elif OversightRecord.objects.filter(review=record.review, kind=OversightKind.POST_REVIEW).exists():
            errors["review"] = "This review has already been rated."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_oversight(
    child: Child,
    *,
    by: User,
    kind: str,
    date: datetime.date,
    rag: str = "",
    tracking: str = "",
    next_check_date: datetime.date | None = None,
    review: Review | None = None,
    request: HttpRequest | None = None,
    today: datetime.date,
) -> OversightRecord:
    """Record oversight; after a rating with no next check chosen, the proposed date is used."""
    child = lock_child(child)
    record = OversightRecord(
        child=child,
        iro=by,
        kind=kind,
        date=date,
        rag=rag,
        tracking=tracking,
        next_check_date=next_check_date,
        review=review,
    )
    _validate(record, today)
    if record.rag and record.next_check_date is None:
        record.next_check_date = next_check_window(
            record.rag, record.date, next_review_due(child, after=review)
        ).proposed
    record.save()
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=record,
        child_id=child.pk,
        request=request,
        detail={"kind": kind, "rag": rag, "next_check_date": str(record.next_check_date or "")},
    )
    return record


@transaction.atomic
def agree_in_contact_plan(
    child: Child,
    *,
    by: User,
    method: str,
    every_weeks: int,
    agreed_on: date,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
    today: date,
) -> InContactPlan:
    """A new In-Contact plan replaces the current one from the day it is agreed. `expected_version`
    is the current plan's as the caller read it (0 when there was none); the new plan carries on
    its version, so a change read from the plan it replaced is stale."""
    child = lock_child(child)
    current = InContactPlan.objects.filter(child=child, ended_on__isnull=True).first()
    check_version(current, expected_version)
    if agreed_on > today:
        raise ValidationError({"agreed_on": "The date agreed cannot be in the future."})
    if not 1 <= every_weeks <= 26:
        raise ValidationError({"every_weeks": "Keep in touch at least every 26 weeks (and at most weekly)."})
    if current is not None:
        if agreed_on < current.agreed_on:
            raise ValidationError(
                {
                    "agreed_on": f"The new plan must start on or after {format_date(current.agreed_on)}, when the current one was agreed."
                }
            )
        _end_in_contact_plan(current, agreed_on, by=by, request=request)
    plan = InContactPlan.objects.create(
        child=child,
        method=method,
        every_weeks=every_weeks,
        agreed_on=agreed_on,
        agreed_by=by,
        version=current.version if current is not None else 1,
    )
    record_event(action=AuditAction.CREATE, user=by, obj=plan, child_id=child.pk, request=request)
    return plan


def end_in_contact_plan_when_care_ends(child: Child) -> InContactPlan | None:
    """An In-Contact plan is agreed for a period of care: when the child stops being looked
    after it ends that day, so a later return to care starts without a stale plan."""
    plan = InContactPlan.objects.filter(child=child, ended_on__isnull=True).first()
    if plan is None or child.protection_plans.filter(end_date__isnull=True).exists():
        return None
    episodes = list(child.episodes.order_by("start_date"))
    if not episodes or current_lac_cycle(episodes, on=timezone.localdate()) is not None:
        return None
    care_ended_on = episodes[-1].end_date
    if care_ended_on is None:  # an episode still open: care has not ended
        return None
    _end_in_contact_plan(plan, max(plan.agreed_on, care_ended_on), reason="the child ceased to be looked after")
    return plan


def _end_in_contact_plan(
    plan: InContactPlan,
    ended_on: date,
    *,
    by: User | None = None,
    request: HttpRequest | None = None,
    reason: str | None = None,
) -> None:
    """End the plan on the day (its version raised, the change audited)."""
    plan.ended_on = ended_on
    plan.version += 1
    plan.save(update_fields=["ended_on", "version"])
    detail = {"ended_on": str(ended_on), **({"reason": reason} if reason else {})}
    record_event(action=AuditAction.UPDATE, user=by, obj=plan, child_id=plan.child_id, request=request, detail=detail)
