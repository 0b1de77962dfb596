"""Writes to the IRO's working record of a LAC review: each task saves to the draft (or, once the
review is held, to the record itself), and completing the review records it as held through
reviews.services.record_review_held, which refuses it until attendance and the child's views are
recorded. Every write is locked by version and audited."""

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from children.selectors import age_on
from iro_portal.dates import format_date
from iro_portal.forms import row_message
from iro_portal.locking import check_version

from . import services
from .models import OUTSTANDING_STATUSES, Review, ReviewKind, ReviewStatus
from .online_replies import online_replies, views_text
from .record_models import (
    Attendance,
    CarePlanCheck,
    CarePlanCheckKind,
    CheckAnswer,
    ParticipantRole,
    ReviewParticipant,
    ReviewRecord,
    ReviewViews,
    ViewsGiven,
    ViewsOf,
)
from .record_selectors import check_applies, review_day

RECORD_CHANGED_MESSAGE = (
    "Someone else saved this review's record while you were working on it. Nothing you entered here has been "
    "saved: open the task again to see their changes, then make yours."
)
VIEWS_MAX_LENGTH = 20000
NOTE_MAX_LENGTH = 1000
MAX_PARTICIPANTS = 40

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str) -> str:
    """Free text as stored: line endings made \\n, control characters removed, ends trimmed.
    Kept plain (never markup) and shown escaped."""
    return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _locked_record(review: Review, expected_version: int | None) -> tuple[Review, ReviewRecord]:
    """The LAC review and its working record, locked; refused if the record changed since the
    page was opened (a record not yet made is version 0), or if the review cannot be recorded."""
    review = Review.objects.select_for_update().select_related("child").get(pk=review.pk)
    if review.kind != ReviewKind.LAC:
        raise ValidationError("Only a LAC review has this record; record a conference on its own page.")
    if review.status == ReviewStatus.CANCELLED:
        raise ValidationError("This review was cancelled, so nothing can be recorded for it.")
    record = ReviewRecord.objects.select_for_update().filter(review=review).first()
    check_version(record, expected_version, RECORD_CHANGED_MESSAGE)
    if record is None:
        record = ReviewRecord(review=review, version=0)
    return review, record


def _keep_rows(review: Review, model: Any, key: str, existing: dict, cleaned: dict, fields: tuple[str, ...]) -> None:
    """Make the review's rows of `model` (one per `key` value) what `cleaned` says: {key value:
    values of `fields`}. A changed row is saved with its version raised, an unchanged one left
    alone, and a row no longer given is deleted."""
    for value, values in cleaned.items():
        row = existing.pop(value, None)
        if row is None:
            row = model(review=review, **{key: value})
        elif tuple(getattr(row, field) for field in fields) == values:
            continue
        else:
            row.version += 1
        for field, given in zip(fields, values, strict=True):
            setattr(row, field, given)
        row.save()
    model.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()


def _save_record(record: ReviewRecord, *, by: User, request: HttpRequest | None, detail: dict[str, Any]) -> None:
    record.version += 1
    record.updated_by = by
    record.save()
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=record,
        child_id=record.review.child_id,
        request=request,
        detail=detail,
    )


@transaction.atomic
def save_attendance(
    review: Review,
    *,
    by: User,
    participants: Iterable[dict[str, Any]],
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> ReviewRecord:
    """Who was invited and what happened, as the whole list: rows kept are updated, new ones
    added, the rest removed. Each person needs a role, a name (optional for the child) and what
    happened; the child appears once."""
    review, record = _locked_record(review, expected_version)
    rows = list(participants)
    errors: list[ValidationError] = []
    if len(rows) > MAX_PARTICIPANTS:
        raise ValidationError({"participants": f"Record at most {MAX_PARTICIPANTS} people."})
    children = 0
    for number, row in enumerate(rows, start=1):
        role, name, attendance = row.get("role", ""), plain_text(row.get("name", "")), row.get("attendance", "")
        row["name"] = name[:200]
        if role not in ParticipantRole.values:
            errors.append(ValidationError(row_message("Person", number, "Choose their role.")))
        if role != ParticipantRole.CHILD and not name:
            errors.append(ValidationError(row_message("Person", number, "Enter their name.")))
        if attendance not in Attendance.values:
            errors.append(ValidationError(row_message("Person", number, "Choose what happened.")))
        children += role == ParticipantRole.CHILD
    if children > 1:
        errors.append(ValidationError("The child can be listed only once."))
    if errors:
        raise ValidationError({"participants": errors})
    existing = {participant.pk: participant for participant in review.participants.all()}
    kept = {row.get("id") for row in rows if row.get("id") in existing}
    ReviewParticipant.objects.filter(pk__in=[pk for pk in existing if pk not in kept]).delete()
    for row in rows:
        wanted = (row["role"], row["name"], bool(row.get("invited", True)), row["attendance"])
        participant = existing.get(row.get("id") or 0)
        if participant is None:
            participant = ReviewParticipant(review=review)
        elif (participant.role, participant.name, participant.invited, participant.attendance) == wanted:
            continue
        else:
            participant.version += 1
        participant.role, participant.name, participant.invited, participant.attendance = wanted
        participant.save()
    _save_record(record, by=by, request=request, detail={"attendance": len(rows)})
    return record


@transaction.atomic
def save_views(
    review: Review,
    *,
    by: User,
    views: dict[str, dict[str, str]],
    child_views_not_obtained: str = "",
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> ReviewRecord:
    """What the child, the parents, the carers and the social worker said, each with how it was
    given; a view left empty is removed. The reason the child's views were not obtained is kept
    only while they are not recorded."""
    review, record = _locked_record(review, expected_version)
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for of in ViewsOf.values:
        given = views.get(of, {})
        text, how = plain_text(given.get("text", "")), given.get("given", "")
        if len(text) > VIEWS_MAX_LENGTH:
            errors[f"{of}_text"] = f"{ViewsOf(of).label} must be {VIEWS_MAX_LENGTH:,} characters or fewer."
        elif text and how not in ViewsGiven.values:
            errors[f"{of}_given"] = f"Choose how {ViewsOf(of).label[0].lower()}{ViewsOf(of).label[1:]} were given."
        elif text:
            cleaned[of] = (text, how)
    reason = plain_text(child_views_not_obtained)
    if len(reason) > NOTE_MAX_LENGTH:
        errors["child_views_not_obtained"] = f"The reason must be {NOTE_MAX_LENGTH:,} characters or fewer."
    if errors:
        raise ValidationError(errors)
    _keep_rows(review, ReviewViews, "of", {views.of: views for views in review.views.all()}, cleaned, ("text", "given"))
    record.child_views_not_obtained = "" if ViewsOf.CHILD in cleaned else reason
    _save_record(record, by=by, request=request, detail={"views": sorted(cleaned)})
    return record


@transaction.atomic
def save_care_plan_checks(
    review: Review,
    *,
    by: User,
    answers: dict[str, dict[str, str]],
    plan_meets_needs: bool | None,
    expected_version: int | None,
    request: HttpRequest | None = None,
    draft_held_on: date | None = None,
) -> ReviewRecord:
    """The care plan checks, each yes, no or not applicable with a note, and whether the plan
    meets the child's needs. A check the child's age or the review's number makes expected
    cannot be "not applicable"."""
    review, record = _locked_record(review, expected_version)
    draft_day = record.draft.get("fields", {}).get("held_on")
    age = age_on(
        review.child.date_of_birth,
        review_day(review, draft_held_on or (date.fromisoformat(draft_day) if draft_day else None)),
    )
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[str, str]] = {}
    for kind in CarePlanCheckKind.values:
        given = answers.get(kind, {})
        answer, note = given.get("answer", ""), plain_text(given.get("note", ""))
        label = CarePlanCheckKind(kind).label
        if answer and answer not in CheckAnswer.values:
            errors[f"{kind}_answer"] = f"{label}: choose yes, no or not applicable."
        elif len(note) > NOTE_MAX_LENGTH:
            errors[f"{kind}_note"] = f"{label}: the note must be {NOTE_MAX_LENGTH:,} characters or fewer."
        elif answer == CheckAnswer.NOT_APPLICABLE and check_applies(kind, review_number=review.number, age=age):
            errors[f"{kind}_answer"] = f"{label} applies to this review, so answer yes or no. {_why_applies(kind)}"
        elif answer:
            cleaned[kind] = (answer, note)
    if errors:
        raise ValidationError(errors)
    existing = {check.kind: check for check in review.care_plan_checks.all()}
    _keep_rows(review, CarePlanCheck, "kind", existing, cleaned, ("answer", "note"))
    record.plan_meets_needs = plan_meets_needs
    _save_record(
        record,
        by=by,
        request=request,
        detail={
            "checks": {kind: answer for kind, (answer, _) in cleaned.items()},
            "plan_meets_needs": plan_meets_needs,
        },
    )
    return record


def _why_applies(kind: str) -> str:
    reasons: dict[str, str] = {
        CarePlanCheckKind.PERMANENCE_PLAN: "A permanence plan is expected by the second review.",
        CarePlanCheckKind.PEP: "The child is of school age.",
        CarePlanCheckKind.PATHWAY_PLAN: "The child is 16 or over.",
    }
    return reasons.get(kind, "It applies at every review.")


def _draft_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _read_draft_value(name: str, value: Any) -> Any:
    if value and name in ("held_on", "social_worker_report_received", "decisions_circulated", "record_circulated"):
        return date.fromisoformat(value)
    return value


def draft_fields(record: ReviewRecord) -> dict[str, Any]:
    """The review's fields as drafted (dates as dates)."""
    return {name: _read_draft_value(name, value) for name, value in record.draft.get("fields", {}).items()}


def draft_decisions(record: ReviewRecord) -> list[dict[str, Any]]:
    return [
        {**decision, "due_date": date.fromisoformat(decision["due_date"]) if decision.get("due_date") else None}
        for decision in record.draft.get("decisions", [])
    ]


@transaction.atomic
def save_draft(
    review: Review,
    *,
    by: User,
    fields: dict[str, Any] | None = None,
    decisions: list[dict[str, Any]] | None = None,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> ReviewRecord:
    """Keep the meeting's and the participation's values, or the decisions, in the draft of a
    review not yet held: checked when the IRO completes the review, not before, so a half-typed
    page is never lost."""
    review, record = _locked_record(review, expected_version)
    if review.status not in OUTSTANDING_STATUSES:
        raise ValidationError("This review is already held: change it from its record.")
    allowed = set(services.record_fields(ReviewKind.LAC))
    draft = dict(record.draft)
    if fields is not None:
        unknown = set(fields) - allowed
        if unknown:
            raise ValidationError(f"These cannot be drafted: {', '.join(sorted(unknown))}.")
        draft["fields"] = {
            **draft.get("fields", {}),
            **{name: _draft_value(plain_text(v) if isinstance(v, str) else v) for name, v in fields.items()},
        }
    if decisions is not None:
        draft["decisions"] = [
            {
                "description": plain_text(decision.get("description", ""))[:2000],
                "owner_name": plain_text(decision.get("owner_name", ""))[:200],
                "due_date": _draft_value(decision.get("due_date")),
            }
            for decision in decisions
        ]
    record.draft = draft
    _save_record(record, by=by, request=request, detail={"draft": sorted(name for name in (fields or {}))})
    return record


@transaction.atomic
def complete_review(
    review: Review,
    *,
    by: User,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> Review:
    """Record the LAC review held from its draft: the meeting's and the participation's values
    and the decisions. Refused whole, the draft kept, while any rule of the record is broken."""
    review, record = _locked_record(review, expected_version)
    if record.pk is None:
        raise ValidationError({"held_on": "Enter the date the review was held."})
    review = services.record_review_held(
        review,
        by=by,
        fields=draft_fields(record),
        actions=draft_decisions(record),
        request=request,
        today=today,
    )
    record.draft = {}
    _save_record(record, by=by, request=request, detail={"completed": format_date(review.held_on)})
    return review


def use_online_replies(
    review: Review,
    *,
    of: str,
    by: User,
    views: dict[str, dict[str, str]],
    child_views_not_obtained: str = "",
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> ReviewRecord:
    """Fill one party's views from their online replies, given online, saving the rest of the
    views page as it stands (save_views: locked by version, drafted by the same rules). What
    the IRO already wrote for that party is kept, the replies following it, and replies already
    in the text are not added twice."""
    text = views_text(of, online_replies(review).of(of))
    if of not in ViewsOf.values or not text:
        raise ValidationError("There are no online replies to use for these views.")
    written = plain_text(views.get(of, {}).get("text", ""))
    if text not in written:
        written = f"{written}\n\n{text}" if written else text
    return save_views(
        review,
        by=by,
        views={**views, of: {"text": written, "given": ViewsGiven.ONLINE}},
        child_views_not_obtained=child_views_not_obtained,
        expected_version=expected_version,
        request=request,
    )
