"""Sending links from the staff side: several people at once, each by email or shown once to
pass on, and the feedback links that follow a held review. The links are made in one
transaction; the emails go after it commits (an email never carries a link that was rolled
back), and a link the mail server would not take is withdrawn at once, so staff can send it again."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from iro_portal.forms import row_message
from reviews.models import Review

from .emails import send_link_email
from .models import ConsultationInvitation, Delivery, PersonType, Purpose
from .services import IssuedLink, issue_invitation, revoke_invitation
from .staff_selectors import awaiting_feedback, younger_forms

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """One person to send a link to, as staff enter them."""

    person_type: str
    delivery: str
    name: str = ""
    email: str = ""
    form: str = ""


@dataclass
class Sent:
    """What happened to each link: shown (with its code, for this response only), emailed, or
    not sent because the mail server refused it (and so withdrawn). `made` is every link, in order."""

    made: list[IssuedLink] = field(default_factory=list)
    shown: list[IssuedLink] = field(default_factory=list)
    emailed: list[ConsultationInvitation] = field(default_factory=list)
    not_sent: list[ConsultationInvitation] = field(default_factory=list)


def _email_after_commit(links: list[IssuedLink], sent: Sent, *, by: User | None, request: HttpRequest | None) -> None:
    """A link refused is withdrawn by `by`, or by whoever made it."""

    def send_each():
        for issued in links:
            invitation = issued.invitation
            try:
                send_link_email(invitation, issued.code)
            except Exception as error:  # noqa: BLE001 - any failure of the mail server: withdraw, say so
                logger.warning("Consultation link %s not emailed: %s", invitation.pk, type(error).__name__)
                sent.not_sent.append(
                    revoke_invitation(
                        invitation, by=by or invitation.created_by, expected_version=None, request=request
                    )
                )
            else:
                ConsultationInvitation.objects.filter(pk=invitation.pk).update(
                    emailed_at=timezone.now(), version=F("version") + 1
                )
                invitation.refresh_from_db(fields=["emailed_at", "version"])
                sent.emailed.append(invitation)

    if links:
        transaction.on_commit(send_each)


def send_links(review: Review, people: Iterable[Person], *, by: User, request: HttpRequest | None = None) -> Sent:
    """Make a consultation link for each person, all or none; email those to be emailed once
    the links are saved. The result fills in as the emails go, when the transaction commits."""
    people = list(people)
    if not people:
        raise ValidationError("Add at least one person to send a link to.")
    allowed_forms = younger_forms(review)
    sent, to_email = Sent(), []
    with transaction.atomic():
        for number, person in enumerate(people, start=1):
            if person.form and (person.person_type != PersonType.CHILD or person.form not in allowed_forms):
                raise ValidationError(
                    row_message("Person", number, "Choose the form for the child's age or a younger one")
                )
            try:
                issued = issue_invitation(
                    review,
                    person_type=person.person_type,
                    by=by,
                    name=person.name,
                    email=person.email if person.delivery == Delivery.EMAIL else "",
                    delivery=person.delivery,
                    form=person.form,
                    request=request,
                )
            except ValidationError as error:
                raise ValidationError([row_message("Person", number, message) for message in error.messages]) from None
            sent.made.append(issued)
            (to_email if person.delivery == Delivery.EMAIL else sent.shown).append(issued)
        _email_after_commit(to_email, sent, by=by, request=request)
    return sent


def _feedback_links(review: Review, delivery: str, *, by: User | None, request: HttpRequest | None) -> list[IssuedLink]:
    """A feedback link for each person whose consultation link was sent this way and who has
    none yet; the consultation links are locked, so two at once make each person's once."""
    consultations = awaiting_feedback(review, delivery).select_related("created_by").select_for_update(of=("self",))
    return [
        issue_invitation(
            review,
            person_type=consultation.person_type,
            by=by or consultation.created_by,
            purpose=Purpose.FEEDBACK,
            name=consultation.name,
            email=consultation.email,
            delivery=delivery,
            form=consultation.form if consultation.person_type == PersonType.CHILD else "",
            follows=consultation,
            request=request,
        )
        for consultation in consultations
    ]


def email_feedback_links(review: Review) -> Sent:
    """When the review is held: everyone whose consultation link was emailed is emailed a
    feedback link, in the name of whoever sent them the first."""
    sent = Sent()
    with transaction.atomic():
        links = _feedback_links(review, Delivery.EMAIL, by=None, request=None)
        _email_after_commit(links, sent, by=None, request=None)
    return sent


def make_feedback_links(review: Review, *, by: User, request: HttpRequest | None = None) -> list[IssuedLink]:
    """After the review: feedback links for those whose consultation links were shown to pass on,
    to show once."""
    with transaction.atomic():
        links = _feedback_links(review, Delivery.SHOWN, by=by, request=request)
    if not links:
        raise ValidationError("Everyone who was shown a consultation link already has a feedback link.")
    return links
