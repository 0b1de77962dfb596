"""Reading consultation links: whether a code opens one, and in what state."""

from datetime import date, datetime

from django.db.models import TextChoices
from django.utils import timezone

from reviews.models import Review, ReviewStatus

from .models import ConsultationInvitation, Purpose
from .tokens import code_hash, same_hash


def review_day(review: Review) -> date:
    """The review's date as the people asked know it: the day it was held, else the day it is
    booked for, else the day it is due. The one date every link, email and alert names."""
    if review.held_on is not None:
        return review.held_on
    if review.booked_for is not None:
        return timezone.localtime(review.booked_for).date()
    return review.due_date


class LinkState(TextChoices):
    OPEN = "open", "Open"
    UNKNOWN = "unknown", "No such link"
    ANSWERED = "answered", "Already answered"
    REVOKED = "revoked", "Withdrawn"
    EXPIRED = "expired", "Expired"


def link_state(invitation: ConsultationInvitation, now: datetime | None = None) -> str:
    """Why a link can or cannot be used now. One rule for the public pages, the submission and
    the staff's list of who has replied."""
    now = now or timezone.now()
    if invitation.submitted_at is not None:
        return LinkState.ANSWERED
    if invitation.revoked_at is not None:
        return LinkState.REVOKED
    if now >= invitation.expires_at:
        return LinkState.EXPIRED
    if invitation.purpose == Purpose.CONSULTATION and invitation.review.status in (
        ReviewStatus.HELD,
        ReviewStatus.CANCELLED,
    ):
        return LinkState.EXPIRED
    return LinkState.OPEN


def invitation_for_code(code: str, *, for_update: bool = False) -> ConsultationInvitation | None:
    """The invitation a code opens, whatever its state, or None. Looked up by the code's hash
    (indexed), then compared in constant time."""
    wanted = code_hash(code)
    if wanted is None:
        return None
    invitations = ConsultationInvitation.objects.select_related("review__child")
    if for_update:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=wanted).first()
    if invitation is None or not same_hash(invitation.token_hash, wanted):
        return None
    return invitation
