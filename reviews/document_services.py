"""Every write about the documents made from a held review's record: making one (its words are
fixed when it is asked for, then a Celery task makes the PDF) and recording that it was sent,
which, for a document carrying the record (document_selectors.RECORD_KINDS), fills the review's
circulation dates through reviews.services.update_held_review so the quality standards judge the
real act."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_date
from iro_portal.documents import PDF_BASE_URL, render_pdf
from iro_portal.locking import check_version

from . import services
from .document_selectors import DOCUMENT_TEMPLATES, RECORD_KINDS, document_context
from .letter_models import ChildLetter
from .models import (
    DOCUMENT_KINDS_BY_REVIEW,
    Circulation,
    CirculationMethod,
    CirculationRecipient,
    RecipientRole,
    Review,
    ReviewDocument,
    ReviewDocumentKind,
    ReviewStatus,
)

MAX_RECIPIENTS = 30


def document_html(review: Review, kind: str) -> str:
    """The document's words as HTML (its body, without the page around it)."""
    return render_to_string(DOCUMENT_TEMPLATES[kind], document_context(review, kind))


@transaction.atomic
def create_document(review: Review, *, kind: str, by: User, request: HttpRequest | None = None) -> ReviewDocument:
    """Make a document of the review as it stands now; its PDF is made by the Celery task
    reviews.tasks.render_review_document once this transaction commits. Only a held review has
    a record to send, and each kind of review has its own kinds of document. The letter to the
    child is made from the words the IRO saved (reviews.letter_services), never from the draft."""
    from .tasks import render_review_document

    review = Review.objects.select_for_update(of=("self",)).select_related("child", "chair").get(pk=review.pk)
    if review.status != ReviewStatus.HELD:
        raise ValidationError(
            f"This {review.title_in_sentence} is not recorded as held yet, so there is no record to make."
        )
    if kind not in DOCUMENT_KINDS_BY_REVIEW.get(review.kind, ()):
        raise ValidationError(f"A {review.title_in_sentence} has no document of that kind.")
    if kind == ReviewDocumentKind.CHILD_LETTER and not ChildLetter.objects.filter(review=review).exists():
        raise ValidationError(
            f"Write the letter to {review.child.given_name} and save it first: the letter is made from your words."
        )
    document = ReviewDocument.objects.create(
        review=review,
        kind=kind,
        review_version=review.version,
        html=document_html(review, kind),
        created_by=by,
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=document,
        child_id=review.child_id,
        request=request,
        detail={"kind": kind, "review_version": review.version},
    )
    transaction.on_commit(lambda: render_review_document.delay(document.pk))
    return document


def render_document(document_id: int, *, base_url: str = PDF_BASE_URL) -> ReviewDocument:
    """Make the PDF of a ReviewDocument from its kept HTML."""
    document = ReviewDocument.objects.select_related("review__child").get(pk=document_id)
    html = render_to_string("reviews/documents/pdf.html", {"document": document})
    render_pdf(document, lambda: html, base_url=base_url)
    return document


def _recipient_errors(recipients: list[dict[str, Any]]) -> list[ValidationError]:
    errors = []
    for number, recipient in enumerate(recipients, start=1):
        if not recipient.get("name", "").strip():
            errors.append(ValidationError(f"Recipient {number}: enter their name."))
        if recipient.get("role") not in RecipientRole.values:
            errors.append(ValidationError(f"Recipient {number}: choose who they are."))
        elif recipient["role"] == RecipientRole.AGENCY and not recipient.get("agency", "").strip():
            errors.append(ValidationError(f"Recipient {number}: enter their agency."))
        if recipient.get("method") not in CirculationMethod.values:
            errors.append(ValidationError(f"Recipient {number}: choose how it was sent."))
    return errors


@transaction.atomic
def record_circulation(
    document: ReviewDocument,
    *,
    by: User,
    sent_on: date,
    recipients: list[dict[str, Any]],
    expected_version: int | None,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> Circulation:
    """Record that a document was sent, on one day, to these recipients (name, role, agency,
    method). For a document carrying the record (RECORD_KINDS) the review's record_circulated
    and decisions_circulated become the earliest day its record went out (the record carries
    the decisions), so the quality standards count the day it really went; the letter to the
    child leaves them alone. `expected_version` is the review's: a sending recorded against a
    review someone else has changed meanwhile is refused whole."""
    document = ReviewDocument.objects.select_related("review").get(pk=document.pk)
    review = document.review
    today = today or timezone.localdate()
    errors: dict[str, Any] = {}
    if not document.is_ready:
        errors["__all__"] = "The document is still being prepared: record that it was sent once it is ready."
    if sent_on > today:
        errors["sent_on"] = "The date it was sent cannot be in the future."
    elif review.held_on is not None and sent_on < review.held_on:
        errors["sent_on"] = (
            f"The date it was sent cannot be before the {review.title_in_sentence} was held ({format_date(review.held_on)})."
        )
    if not recipients:
        errors["recipients"] = "Add at least one person it was sent to."
    elif len(recipients) > MAX_RECIPIENTS:
        errors["recipients"] = f"Record at most {MAX_RECIPIENTS} people at a time."
    elif recipient_errors := _recipient_errors(recipients):
        errors["recipients"] = recipient_errors
    if errors:
        raise ValidationError(errors)
    if document.kind in RECORD_KINDS:
        fields = {
            field: min(sent_on, current) if (current := getattr(review, field)) else sent_on
            for field in ("record_circulated", "decisions_circulated")
        }
        services.update_held_review(
            review, by=by, fields=fields, expected_version=expected_version, request=request, today=today
        )
    else:
        check_version(
            Review.objects.select_for_update().get(pk=review.pk), expected_version, services.REVIEW_CHANGED_MESSAGE
        )
    circulation = Circulation.objects.create(document=document, sent_on=sent_on, recorded_by=by)
    CirculationRecipient.objects.bulk_create(
        CirculationRecipient(
            circulation=circulation,
            name=recipient["name"].strip(),
            role=recipient["role"],
            agency=recipient.get("agency", "").strip(),
            method=recipient["method"],
        )
        for recipient in recipients
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=circulation,
        child_id=review.child_id,
        request=request,
        detail={
            "document": document.kind,
            "sent_on": sent_on.isoformat(),
            "recipients": [{"name": r["name"].strip(), "role": r["role"], "method": r["method"]} for r in recipients],
        },
    )
    return circulation
