"""What staff see of a review's consultation and feedback links: who may send them and read the
replies, and each link's state for the page and the API (the state itself is
selectors.link_state, the one rule)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import may_see_child_records
from children.permissions import may_record_for_child
from reviews.models import Review, ReviewStatus
from reviews.record_models import ParticipantRole
from reviews.selectors import reviews_visible_to

from .models import CHILD_FORMS, ConsultationInvitation, ConsultationResponse, Delivery, Purpose
from .selectors import LinkState, link_state
from .services import CONSULTED_KINDS, form_for

ROLES_READING_REPLIES = {Role.IRO, Role.SERVICE_MANAGER, Role.ADMINISTRATOR}


def consulted(review: Review) -> bool:
    """Links are for LAC reviews and child protection conferences only."""
    return review.kind in CONSULTED_KINDS


def may_send_links(user: User, review: Review) -> bool:
    """The IRO who may record for the child, and business support (who arrange reviews);
    managers see the page and read replies but leave sending to those who arrange the review."""
    if not may_see_child_records(user):
        return False
    if user.role == Role.BUSINESS_SUPPORT:
        return True
    return user.role == Role.IRO and may_record_for_child(user, review.child_id)


def may_read_replies(user: User) -> bool:
    """The IRO and managers read what people said; business support sees who replied, not what.
    Which reviews an IRO sees at all is reviews_visible_to."""
    return may_see_child_records(user) and user.role in ROLES_READING_REPLIES


def invitations_visible_to(
    user: User, invitations: QuerySet[ConsultationInvitation]
) -> QuerySet[ConsultationInvitation]:
    return invitations.filter(review__in=reviews_visible_to(user, Review.objects.all()))


def younger_forms(review: Review) -> list[str]:
    """The child's forms an IRO may choose instead of the one for their age: that one and younger."""
    by_age = form_for(review, "child")
    return list(CHILD_FORMS[: CHILD_FORMS.index(by_age) + 1])


def in_state(invitations: QuerySet[ConsultationInvitation], state: str, now: datetime | None = None):
    """The links in one LinkState, as a query: link_state's rule written for the database, for
    the API's filter (tests check the two agree for every state)."""
    now = now or timezone.now()
    answered = Q(submitted_at__isnull=False)
    revoked = Q(revoked_at__isnull=False)
    review_closed = Q(purpose=Purpose.CONSULTATION, review__status__in=(ReviewStatus.HELD, ReviewStatus.CANCELLED))
    expired = Q(expires_at__lte=now) | review_closed
    if state == LinkState.ANSWERED:
        return invitations.filter(answered)
    if state == LinkState.REVOKED:
        return invitations.filter(revoked).exclude(answered)
    if state == LinkState.EXPIRED:
        return invitations.filter(expired).exclude(answered | revoked)
    if state == LinkState.OPEN:
        return invitations.exclude(answered | revoked | expired)
    return invitations.none()


STATE_TAGS = {
    LinkState.ANSWERED: ("Replied", "govuk-tag--green"),
    LinkState.REVOKED: ("Withdrawn", "govuk-tag--grey"),
    LinkState.EXPIRED: ("Expired", "govuk-tag--grey"),
}


@dataclass(frozen=True)
class LinkRow:
    invitation: ConsultationInvitation
    state: str
    label: str
    tag_class: str

    @property
    def may_withdraw(self) -> bool:
        return self.state == LinkState.OPEN

    @property
    def replied(self) -> bool:
        return self.state == LinkState.ANSWERED


def link_row(invitation: ConsultationInvitation, now: datetime) -> LinkRow:
    state = link_state(invitation, now)
    if state == LinkState.OPEN:
        label, tag = (
            ("Opened, not replied", "govuk-tag--yellow") if invitation.opened_at else ("Not opened", "govuk-tag--blue")
        )
    else:
        label, tag = STATE_TAGS[LinkState(state)]
    return LinkRow(invitation, state, label, tag)


def awaiting_feedback(review: Review, delivery: str) -> QuerySet[ConsultationInvitation]:
    """The consultation links, sent this way and not withdrawn, whose person has no feedback link
    for the review yet: who is asked for feedback once it is held, each once."""
    return ConsultationInvitation.objects.filter(
        review=review,
        purpose=Purpose.CONSULTATION,
        delivery=delivery,
        revoked_at__isnull=True,
        feedback_link__isnull=True,
    )


@dataclass(frozen=True)
class ReviewLinks:
    consultation: list[LinkRow]
    feedback: list[LinkRow]
    shown_awaiting_feedback: int


def review_links(review: Review, now: datetime | None = None) -> ReviewLinks:
    """Every link of the review in the order sent: two queries whatever their number."""
    now = now or timezone.now()
    invitations = list(ConsultationInvitation.objects.filter(review=review))
    for invitation in invitations:
        invitation.review = review
    rows = [link_row(invitation, now) for invitation in invitations]
    return ReviewLinks(
        consultation=[row for row in rows if row.invitation.purpose == Purpose.CONSULTATION],
        feedback=[row for row in rows if row.invitation.purpose == Purpose.FEEDBACK],
        shown_awaiting_feedback=awaiting_feedback(review, Delivery.SHOWN).count()
        if review.status == ReviewStatus.HELD
        else 0,
    )


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def reply_answers(response: ConsultationResponse) -> list[tuple[str, str]]:
    """A reply's answers as question and answer, the unanswered left out, for the IRO to read.
    "Anything I do not want shared" is not among them: the page shows it apart."""
    if response.invitation.purpose == Purpose.FEEDBACK:
        answers = [
            ("How well did the review listen to you? (1 not at all, 5 very well)", str(response.listened_score or "")),
            ("Anything else to tell us", response.feedback_text),
        ]
    else:
        roles = dict(ParticipantRole.choices)
        wanted = [roles.get(role, str(role)) for role in response.wants_at_review]
        if response.wants_at_review_other:
            wanted.append(response.wants_at_review_other)
        answers = [
            ("What is going well", response.going_well),
            ("What worries me", response.worries),
            ("What I want to happen", response.wishes),
            ("Feels safe where they live", _yes_no(response.feels_safe)),
            ("Wants to come to the review", response.get_wants_to_attend_display() if response.wants_to_attend else ""),
            ("Who they want at the review", ", ".join(wanted)),
            ("Where and when they would like it", response.where_and_when),
            ("Would like to chair part of it", _yes_no(response.wants_to_chair)),
            ("Would like an advocate", _yes_no(response.wants_advocate)),
            ("Anything else", response.anything_else),
        ]
    answers += [(str(key).replace("_", " ").capitalize(), _plain(value)) for key, value in response.answers.items()]
    return [(question, answer) for question, answer in answers if answer]


def _plain(value) -> str:
    """An answer only one form asks, kept as JSON, as text (shown escaped like every answer)."""
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)
