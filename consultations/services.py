"""Writing consultation links and replies. A link's code is made here and returned once, to be
emailed or shown to whoever passes it on; only its hash is stored."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from children.selectors import age_on
from iro_portal.locking import check_version
from reviews.models import Review, ReviewStatus
from reviews.record_services import plain_text

from .alerts import raise_alert_if_needed
from .models import (
    ADULT_FORMS,
    CHILD_FORMS,
    CONSULTED_KINDS,
    ConsultationInvitation,
    ConsultationResponse,
    Delivery,
    PersonType,
    Purpose,
    child_form_for_age,
)
from .selectors import LinkState, invitation_for_code, link_state, review_day
from .tokens import code_hash, new_code

TEXT_FIELDS = (
    "going_well",
    "worries",
    "wishes",
    "wants_at_review_other",
    "where_and_when",
    "not_to_share",
    "anything_else",
    "feedback_text",
)
CLOSED_LINK_MESSAGES = {
    LinkState.UNKNOWN: "This link or code is not recognised.",
    LinkState.ANSWERED: "This link has already been used to send answers, so it cannot be used again.",
    LinkState.REVOKED: "This link has been withdrawn.",
    LinkState.EXPIRED: "This link has expired.",
}


@dataclass(frozen=True)
class IssuedLink:
    """A new invitation and its code, which exists only here: show or send it now."""

    invitation: ConsultationInvitation
    code: str


def form_for(review: Review, person_type: str) -> str:
    """The form a person is asked to fill in: a child's by their age on the review's date."""
    if person_type == PersonType.CHILD:
        return child_form_for_age(age_on(review.child.date_of_birth, review_day(review)))
    return ADULT_FORMS[PersonType(person_type)]


def issue_invitation(
    review: Review,
    *,
    person_type: str,
    by: User,
    purpose: str = Purpose.CONSULTATION,
    name: str = "",
    email: str = "",
    delivery: str = Delivery.SHOWN,
    form: str = "",
    follows: ConsultationInvitation | None = None,
    request: HttpRequest | None = None,
) -> IssuedLink:
    """Make one person's link for one review. Consultation links are for a review not yet held;
    feedback links for a review that has been held. `form` overrides the child's age band (an IRO
    may choose a younger child's form for a child who needs it); `follows` is the consultation
    link a feedback link is for the same person as."""
    if review.kind not in CONSULTED_KINDS:
        raise ValidationError("Links can be sent only for a LAC review or a child protection conference.")
    if purpose == Purpose.CONSULTATION and review.status not in (ReviewStatus.DUE, ReviewStatus.BOOKED):
        raise ValidationError("Consultation links can be sent only before the review is held.")
    if purpose == Purpose.FEEDBACK and review.status != ReviewStatus.HELD:
        raise ValidationError("Feedback links can be sent only after the review is held.")
    if form and (person_type != PersonType.CHILD or form not in CHILD_FORMS):
        raise ValidationError("Only a child's form can be chosen, and only for the child.")
    days = settings.CONSULTATION_LINK_DAYS if purpose == Purpose.CONSULTATION else settings.FEEDBACK_LINK_DAYS
    code = new_code()
    invitation = ConsultationInvitation(
        review=review,
        purpose=purpose,
        person_type=person_type,
        form=form or form_for(review, person_type),
        name=plain_text(name),
        email=email.strip(),
        delivery=delivery,
        token_hash=code_hash(code),
        expires_at=timezone.now() + timedelta(days=days),
        created_by=by,
        follows=follows,
    )
    invitation.full_clean()
    with transaction.atomic():
        invitation.save()
        record_event(
            action=AuditAction.CREATE,
            user=by,
            obj=invitation,
            child_id=review.child_id,
            request=request,
            detail={"purpose": purpose, "person_type": person_type, "delivery": delivery},
        )
    return IssuedLink(invitation, code)


def revoke_invitation(
    invitation: ConsultationInvitation, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> ConsultationInvitation:
    """Withdraw a link: it opens nothing from now on. A link already answered keeps its reply."""
    with transaction.atomic():
        invitation = ConsultationInvitation.objects.select_for_update().get(pk=invitation.pk)
        check_version(invitation, expected_version)
        if invitation.submitted_at is not None:
            raise ValidationError("This link has already been answered, so there is nothing to withdraw.")
        if invitation.revoked_at is not None:
            raise ValidationError("This link has already been withdrawn.")
        invitation.revoked_at = timezone.now()
        invitation.revoked_by = by
        invitation.version += 1
        invitation.save(update_fields=["revoked_at", "revoked_by", "version"])
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=invitation,
            child_id=invitation.review.child_id,
            request=request,
            detail={"revoked": True},
        )
    return invitation


def submit_response(code: str, answers: dict[str, Any], *, request: HttpRequest | None = None) -> ConsultationResponse:
    """Keep one person's answers, once: the link is locked, checked open, and closed by the same
    transaction, so two submissions at once keep one, with its safety alert if it needs one
    (consultations.alerts). `answers` holds ConsultationResponse fields by name; anything else
    goes into its `answers` JSON."""
    with transaction.atomic():
        invitation = invitation_for_code(code, for_update=True)
        state = LinkState.UNKNOWN if invitation is None else link_state(invitation)
        if invitation is None or state != LinkState.OPEN:
            raise ValidationError(CLOSED_LINK_MESSAGES[state], code=state)
        field_names = {field.name for field in ConsultationResponse._meta.get_fields()}
        fields = {key: value for key, value in answers.items() if key in field_names and key != "answers"}
        extra = {key: value for key, value in answers.items() if key not in field_names}
        for name in TEXT_FIELDS:
            if isinstance(fields.get(name), str):
                fields[name] = plain_text(fields[name])
        response = ConsultationResponse(invitation=invitation, answers=extra, **fields)
        response.full_clean(exclude=["invitation"])
        response.save()
        invitation.submitted_at = response.submitted_at
        invitation.version += 1
        invitation.save(update_fields=["submitted_at", "version"])
        record_event(
            action=AuditAction.CREATE,
            obj=response,
            child_id=invitation.review.child_id,
            request=request,
            username=f"consultation link {invitation.pk}",
            detail={"purpose": invitation.purpose, "person_type": invitation.person_type},
        )
        raise_alert_if_needed(response, request=request)
    return response


def note_opened(invitation: ConsultationInvitation, *, request: HttpRequest | None = None) -> None:
    """Record when a link is first opened, so staff can see who has looked. A conditional update,
    so two first opens at once record one; the version stays, as nobody edits this."""
    now = timezone.now()
    if ConsultationInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now):
        invitation.opened_at = now
        record_event(
            action=AuditAction.VIEW,
            obj=invitation,
            child_id=invitation.review.child_id,
            request=request,
            username=f"consultation link {invitation.pk}",
            detail={"opened": True},
        )


def note_refused(invitation: ConsultationInvitation, state: str, *, request: HttpRequest | None = None) -> None:
    """Log answers sent through a link that is closed (reused, forwarded, withdrawn or late). The
    link's request limit (consultations.public_access) bounds how many such events one link makes."""
    record_event(
        action=AuditAction.VIEW,
        obj=invitation,
        child_id=invitation.review.child_id,
        request=request,
        username=f"consultation link {invitation.pk}",
        detail={"refused": state},
    )
