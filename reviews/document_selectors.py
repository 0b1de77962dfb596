"""Reads for the documents made from a held review's record: what each document says, and the
documents of a review with their sendings, in a fixed number of queries."""

from typing import Any

from django.db.models import Prefetch

from accounts.models import User
from children.permissions import records_for_children_seen

from . import conference_selectors, selectors
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

DOCUMENT_TEMPLATES: dict[str, str] = {
    ReviewDocumentKind.CONFERENCE_RECORD: "reviews/documents/conference_record.html",
    ReviewDocumentKind.PARENTS_COPY: "reviews/documents/parents_copy.html",
}


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
    """
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
