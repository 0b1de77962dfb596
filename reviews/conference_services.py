"""Every write about a child protection conference's record: the draft the chair saves while the
conference is due or booked (parents, attendance, plan, core group), the rules it must meet to be
completed (checked by reviews.services.record_review_held) and the first core group meeting,
entered after the ICPC."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import apply_changes, record_event
from iro_portal.dates import format_date
from iro_portal.locking import check_version
from notifications.models import NotificationKind, SubjectType
from notifications.services import settle_reminders

from . import timescales
from .conference_selectors import PLAN_DECISIONS, dissenting, quorum
from .models import (
    CONFERENCE_KINDS,
    OUTSTANDING_STATUSES,
    PARENTS_REASON_NEEDED,
    ConferenceAgency,
    ConferenceAttendance,
    ConferenceAttendee,
    ConferenceOutcome,
    ConferenceParentsParticipation,
    ConferenceRecord,
    CoreGroupMember,
    PlanView,
    Review,
    ReviewKind,
    ReviewStatus,
)

CONFERENCE_CHANGED_MESSAGE = (
    "Someone else changed this conference record while you were editing it. Nothing you entered has been saved: "
    "open it again to see their changes, then make yours."
)

RECORD_FIELDS = (
    "parents_participation",
    "parents_participation_reason",
    "parents_saw_report",
    "parents_saw_report_on",
    "not_quorate_reason",
    "outline_plan",
    "lead_social_worker",
)


def _locked_draft(review: Review, expected_version: int | None) -> ConferenceRecord:
    """The conference's record, locked, refused if stale (a record not yet saved is version 0)
    or if the conference is no longer due or booked; made on the first save."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.kind not in CONFERENCE_KINDS:
        raise ValidationError("Only a child protection conference has a conference record.")
    if review.status not in OUTSTANDING_STATUSES:
        raise ValidationError(
            f"This conference is {review.get_status_display().lower()}, so its record can no longer change."
        )
    record = ConferenceRecord.objects.select_for_update().filter(review=review).first()
    check_version(record, expected_version, CONFERENCE_CHANGED_MESSAGE)
    if record is None:
        record = ConferenceRecord.objects.create(review=review, kind=review.kind)
        record.version = 0
    return record


def _saved(record: ConferenceRecord, *, by: User, request: HttpRequest | None, detail: dict[str, Any]) -> None:
    record.quorate = quorum(record.attendees.all()).quorate
    record.version += 1
    record.save()
    record_event(
        action=AuditAction.UPDATE,
        user=by,
        obj=record,
        child_id=record.review.child_id,
        request=request,
        detail=detail,
    )


def _record_field_errors(fields: dict[str, Any], held_or_today: date) -> dict[str, str]:
    errors = {}
    participation = fields.get("parents_participation", "")
    if participation and participation not in ConferenceParentsParticipation.values:
        errors["parents_participation"] = "Choose how the parents took part in the conference."
    seen_on = fields.get("parents_saw_report_on")
    if seen_on is not None and fields.get("parents_saw_report") is not True:
        errors["parents_saw_report_on"] = "Give the date only if the parents saw the report."
    elif seen_on is not None and seen_on > held_or_today:
        errors["parents_saw_report_on"] = "The date the parents saw the report cannot be in the future."
    return errors


@transaction.atomic
def save_conference_record(
    review: Review,
    *,
    by: User,
    fields: dict[str, Any],
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> ConferenceRecord:
    """Save part of a conference's record as a draft; nothing is complete until the conference is
    recorded as held."""
    record = _locked_draft(review, expected_version)
    unknown = set(fields) - set(RECORD_FIELDS)
    assert not unknown, f"not fields of a conference record: {unknown}"
    cleaned = {key: value.strip() if isinstance(value, str) else value for key, value in fields.items()}
    if cleaned.get("parents_participation") not in PARENTS_REASON_NEEDED and "parents_participation" in cleaned:
        cleaned["parents_participation_reason"] = ""
    merged = {field: getattr(record, field) for field in RECORD_FIELDS} | cleaned
    if errors := _record_field_errors(merged, today or timezone.localdate()):
        raise ValidationError(errors)
    changes = apply_changes(record, cleaned)
    _saved(record, by=by, request=request, detail=changes)
    return record


def _described_agency(data: dict[str, Any], row: str) -> dict[str, str]:
    errors = {}
    if not data.get("name", "").strip():
        errors["name"] = f"Enter the {row}'s name."
    if data.get("agency") not in ConferenceAgency.values:
        errors["agency"] = f"Choose the {row}'s agency."
    elif data["agency"] == ConferenceAgency.OTHER and not data.get("agency_other", "").strip():
        errors["agency_other"] = "Name the other agency."
    return errors


@transaction.atomic
def add_attendee(
    review: Review,
    *,
    by: User,
    attendee: dict[str, Any],
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> ConferenceAttendee:
    """Add one person to the conference's attendance, with their agency's view on a plan."""
    record = _locked_draft(review, expected_version)
    errors = _described_agency(attendee, "person")
    if attendee.get("attendance") not in ConferenceAttendance.values:
        errors["attendance"] = "Choose whether they attended, sent a report or sent apologies."
    view = attendee.get("view_on_plan", "")
    if view and view not in PlanView.values:
        errors["view_on_plan"] = "Choose the agency's view: a plan is needed, or not."
    elif view and attendee.get("agency") == ConferenceAgency.FAMILY:
        errors["view_on_plan"] = "Record an agency's view on a plan; the family's views go in the parents' section."
    if attendee.get("dissent_reason", "").strip() and not view:
        errors["dissent_reason"] = "Record the agency's view on a plan before why they dissent."
    if errors:
        raise ValidationError(errors)
    row = ConferenceAttendee.objects.create(
        record=record,
        name=attendee["name"].strip(),
        agency=attendee["agency"],
        agency_other=attendee.get("agency_other", "").strip() if attendee["agency"] == ConferenceAgency.OTHER else "",
        attendance=attendee["attendance"],
        view_on_plan=view,
        dissent_reason=attendee.get("dissent_reason", "").strip(),
    )
    _saved(record, by=by, request=request, detail={"attendee_added": row.pk, "agency": row.agency})
    return row


@transaction.atomic
def remove_attendee(
    attendee: ConferenceAttendee, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    record = _locked_draft(attendee.record.review, expected_version)
    removed = ConferenceAttendee.objects.filter(pk=attendee.pk, record=record).delete()[0]
    if not removed:
        raise ValidationError("That person is no longer in the attendance.")
    _saved(record, by=by, request=request, detail={"attendee_removed": attendee.pk})


@transaction.atomic
def add_core_group_member(
    review: Review,
    *,
    by: User,
    member: dict[str, Any],
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> CoreGroupMember:
    record = _locked_draft(review, expected_version)
    if errors := _described_agency(member, "core group member"):
        raise ValidationError(errors)
    row = CoreGroupMember.objects.create(
        record=record,
        name=member["name"].strip(),
        agency=member["agency"],
        agency_other=member.get("agency_other", "").strip() if member["agency"] == ConferenceAgency.OTHER else "",
    )
    _saved(record, by=by, request=request, detail={"core_group_member_added": row.pk, "agency": row.agency})
    return row


@transaction.atomic
def remove_core_group_member(
    member: CoreGroupMember, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    record = _locked_draft(member.record.review, expected_version)
    removed = CoreGroupMember.objects.filter(pk=member.pk, record=record).delete()[0]
    if not removed:
        raise ValidationError("That person is no longer in the core group.")
    _saved(record, by=by, request=request, detail={"core_group_member_removed": member.pk})


def completion_errors(review: Review) -> dict[str, str]:
    """What a conference's record must hold before the conference is recorded as held: who
    attended, quorum or the reason it went ahead without, the parents' part and whether they saw
    the social worker's report, why each dissenting agency dissents and, with a plan, the lead
    social worker, the outline plan and the core group. (The outcome and the category of abuse are
    reviews.services' rules.)"""
    record = ConferenceRecord.objects.filter(review=review).first()
    attendees = list(record.attendees.all()) if record else []
    if record is None or not any(a.attendance == ConferenceAttendance.ATTENDED for a in attendees):
        return {"attendance": "Record who attended the conference before recording it as held."}
    errors = {}
    counted = quorum(attendees)
    if not counted.quorate and not record.not_quorate_reason.strip():
        errors["not_quorate_reason"] = (
            f"The conference was not quorate: {counted.summary} Record why it went ahead without quorum."
        )
    if not record.parents_participation:
        errors["parents_participation"] = "Record how the parents took part in the conference."
    elif record.parents_participation in PARENTS_REASON_NEEDED and not record.parents_participation_reason.strip():
        errors["parents_participation_reason"] = "Record why the parents did not take part."
    if record.parents_saw_report is None:
        errors["parents_saw_report"] = (
            "Record whether the parents saw the social worker's report before the conference."
        )
    elif record.parents_saw_report and record.parents_saw_report_on is None:
        errors["parents_saw_report_on"] = "Enter the date the parents saw the social worker's report."
    elif record.parents_saw_report_on is not None and review.held_on and record.parents_saw_report_on > review.held_on:
        errors["parents_saw_report_on"] = "The parents saw the report after the conference: that is not before it."
    unexplained = [a.name for a in dissenting(attendees, review.conference_outcome) if not a.dissent_reason.strip()]
    if unexplained:
        errors["dissent_reason"] = (
            f"Record why {' and '.join(unexplained)} dissented from the decision, or change their agency's view."
        )
    if review.conference_outcome in PLAN_DECISIONS:
        if not record.lead_social_worker.strip():
            errors["lead_social_worker"] = "Enter the lead social worker for the plan."
        if not record.outline_plan.strip():
            errors["outline_plan"] = "Enter the outline child protection plan."
        if not record.core_group.exists():
            errors["core_group"] = "Add the members of the core group for the plan."
    return errors


def conference_held(review: Review) -> None:
    """Once an ICPC that makes a plan is held, its first core group meeting falls due."""
    if review.kind == ReviewKind.ICPC and review.conference_outcome == ConferenceOutcome.PLAN_MADE:
        assert review.held_on is not None, "called once the conference is held"
        ConferenceRecord.objects.filter(review=review).update(
            first_core_group_due=timescales.first_core_group_due(review.held_on)
        )


@transaction.atomic
def record_first_core_group(
    review: Review,
    *,
    by: User,
    held_on: date,
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> ConferenceRecord:
    """Record the day the first core group meeting after an ICPC was held."""
    record = ConferenceRecord.objects.select_for_update().select_related("review").filter(review=review).first()
    check_version(record, expected_version, CONFERENCE_CHANGED_MESSAGE)
    if record is None or record.first_core_group_due is None or record.review.status != ReviewStatus.HELD:
        raise ValidationError("Only an initial conference held that made a plan has a first core group meeting.")
    icpc = record.review.held_on
    assert icpc is not None, "a held conference has its day"
    if held_on < icpc:
        raise ValidationError(
            {
                "first_core_group_held": f"The first core group meeting cannot be before the conference ({format_date(icpc)})."
            }
        )
    if held_on > (today or timezone.localdate()):
        raise ValidationError({"first_core_group_held": "The date of the meeting cannot be in the future."})
    changes = apply_changes(record, {"first_core_group_held": held_on})
    record.version += 1
    record.save()
    settle_reminders(SubjectType.REVIEW, review.pk, NotificationKind.FIRST_CORE_GROUP_NOT_RECORDED)
    record_event(
        action=AuditAction.UPDATE, user=by, obj=record, child_id=record.review.child_id, request=request, detail=changes
    )
    return record
