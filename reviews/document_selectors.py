"""Reads for the documents made from a held review's record: what each document says, and the
documents of a review with their sendings, in a fixed number of queries."""

from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from children.permissions import records_for_children_seen
from children.selectors import episode_on

from . import conference_selectors, record_selectors, selectors
from .letter_models import ChildLetter
from .letter_selectors import iro_of, letter_blocks
from .models import (
    DOCUMENT_KINDS_BY_REVIEW,
    Circulation,
    CirculationRecipient,
    ConferenceAttendance,
    ConferenceParentsParticipation,
    Review,
    ReviewDocument,
    ReviewDocumentKind,
    ReviewStatus,
)
from .record_models import Attendance, CarePlanCheckKind, ViewsOf

DOCUMENT_TEMPLATES: dict[str, str] = {
    ReviewDocumentKind.CONFERENCE_RECORD: "reviews/documents/conference_record.html",
    ReviewDocumentKind.PARENTS_COPY: "reviews/documents/parents_copy.html",
    ReviewDocumentKind.REVIEW_RECORD: "reviews/documents/review_record.html",
    ReviewDocumentKind.CHILD_LETTER: "reviews/documents/child_letter.html",
}

RECORD_KINDS = (
    ReviewDocumentKind.CONFERENCE_RECORD,
    ReviewDocumentKind.PARENTS_COPY,
    ReviewDocumentKind.REVIEW_RECORD,
)
"""The documents that carry a review's record and decisions: sending one fills the review's
record_circulated and decisions_circulated. The letter to the child is not the record."""


def may_read_documents(user: User) -> bool:
    """Who may open a review's documents: whoever may open the review and records for the
    children they see (IROs, their cover, managers), never business support, who enter data but
    do not read what was said at a review or conference."""
    return records_for_children_seen(user)


def document_context(review: Review, kind: str) -> dict[str, Any]:
    """Everything a document of this kind says, read from the review and its conference record.

    The parents' copy is written for the child's parents in plain words: the decision, the
    category, the plan, the core group and what happens next, and whom to contact (the lead
    social worker and the chair, by name and role only). It leaves out what is not theirs to
    read: each agency's view and the reasons any agency dissented (professionals' opinions
    shared in the conference), the names of the professionals who attended (the agencies are
    named instead), the quorum and the reason a conference went ahead without it, and anyone's
    contact details other than the service's own.

    A LAC review's record and letter to the child are lac_record_context and letter_context.
    """
    if kind == ReviewDocumentKind.REVIEW_RECORD:
        return lac_record_context(review)
    if kind == ReviewDocumentKind.CHILD_LETTER:
        return letter_context(review)
    record = conference_selectors.record_context(review)
    attendees = record.get("attendees", [])
    by_attendance = {value: [a for a in attendees if a.attendance == value] for value in ConferenceAttendance.values}
    following = selectors.following_outstanding(review).first()
    conference_record = record.get("conference_record")
    return {
        **record,
        "review": review,
        "child": review.child,
        "title": ReviewDocument(review=review, kind=kind).title,
        "attended": by_attendance[ConferenceAttendance.ATTENDED],
        "reports": by_attendance[ConferenceAttendance.REPORT],
        "apologies": by_attendance[ConferenceAttendance.APOLOGIES],
        "views": [a for a in attendees if a.view_on_plan],
        "agencies_attended": sorted({a.agency_display for a in by_attendance[ConferenceAttendance.ATTENDED]}),
        "core_group_agencies": sorted({m.agency_display for m in record.get("core_group", [])}),
        "parents_took_part": conference_record is not None
        and conference_record.parents_participation
        in (ConferenceParentsParticipation.ATTENDED, ConferenceParentsParticipation.CONTRIBUTED),
        "plan_in_place": review.conference_outcome in conference_selectors.PLAN_DECISIONS,
        "next_conference": following,
    }


def lac_record_context(review: Review) -> dict[str, Any]:
    """The record of a LAC review as IRO services write it: the child's details on the day
    (legal status and placement), the meeting, who was invited and who came, everyone's views and
    how they were given, the care plan checks with their notes and whether the plan meets the
    child's needs, the numbered decisions with who and by when, and the next review."""
    working = record_selectors.working_record(review)
    child = review.child
    episode = episode_on(child.episodes.order_by("start_date"), review.held_on) if review.held_on else None
    people = [
        (participant.name or (child.full_name if participant.role == "child" else ""), participant)
        for participant in working.participants
    ]
    checks = [
        {
            "label": label,
            "check": working.checks.get(kind),
            "applies": working.applies(kind),
        }
        for kind, label in CarePlanCheckKind.choices
    ]
    return {
        "review": review,
        "child": child,
        "title": ReviewDocument(review=review, kind=ReviewDocumentKind.REVIEW_RECORD).title,
        "episode": episode,
        "age": working.age,
        "iro_name": iro_of(review),
        "attendance": [
            (label, group)
            for value, label in Attendance.choices
            if (group := [(name, p) for name, p in people if p.attendance == value])
        ],
        "views": [(label, working.views.get(of)) for of, label in ViewsOf.choices],
        "child_views_not_obtained": working.child_views_not_obtained,
        "checks": checks,
        "plan_meets_needs": working.plan_meets_needs,
        "decisions": working.decisions,
        "next_review": selectors.following_outstanding(review).first(),
    }


def letter_context(review: Review) -> dict[str, Any]:
    """The letter to the child as the IRO last saved it (reviews.letter_services)."""
    letter = ChildLetter.objects.filter(review=review).first()
    return {
        "review": review,
        "child": review.child,
        "title": ReviewDocument(review=review, kind=ReviewDocumentKind.CHILD_LETTER).title,
        "iro_name": iro_of(review),
        "blocks": letter_blocks(letter.text) if letter else [],
    }


def review_documents(review: Review) -> list[ReviewDocument]:
    """The review's documents, newest first, each with its sendings and their recipients: three
    queries however many there are."""
    return list(
        ReviewDocument.objects.filter(review=review)
        .defer("html", "content")
        .prefetch_related(
            Prefetch(
                "circulations",
                queryset=Circulation.objects.order_by("sent_on", "id").prefetch_related(
                    Prefetch("recipients", queryset=CirculationRecipient.objects.order_by("id"))
                ),
            )
        )
    )


def documents_context(review: Review, user: User) -> dict[str, Any]:
    """What the review's page shows of its documents: none for business support, nor for a
    review that has no kinds of document or is not held yet."""
    kinds = DOCUMENT_KINDS_BY_REVIEW.get(review.kind, ())
    if not kinds or review.status != ReviewStatus.HELD or not may_read_documents(user):
        return {}
    return {
        "document_kinds": [(kind, ReviewDocumentKind(kind).label) for kind in kinds],
        "documents": review_documents(review),
    }
