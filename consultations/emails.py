"""The emails that carry a consultation or feedback link. Plain text, naming only the child's
first name and the review's date (never a surname, nothing else of the record): an email can be
forwarded or read over someone's shoulder, and the link it carries is for one person."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from iro_portal.dates import format_date

from . import selectors
from .models import ConsultationInvitation, PersonType, Purpose


def public_path(code: str) -> str:
    """Where a code opens its form: the have_your_say app's "form" page."""
    return reverse("have_your_say:form", kwargs={"code": code})


def public_link(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{public_path(code)}"


def start_page_link() -> str:
    """The page where a code passed on by hand is typed."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('have_your_say:start')}"


def review_day(invitation: ConsultationInvitation) -> str:
    """The review's date as the person knows it: held, booked, or due."""
    return format_date(selectors.review_day(invitation.review))


def _about(invitation: ConsultationInvitation) -> tuple[str, str]:
    first_name = invitation.review.child.given_name
    day = review_day(invitation)
    held = invitation.review.held_on is not None
    child = invitation.person_type == PersonType.CHILD
    if invitation.purpose == Purpose.FEEDBACK:
        whose = "your review" if child else f"{first_name}'s review"
        return (
            f"How did {whose} go?",
            f"{whose[0].upper()}{whose[1:]} was held on {day}. We would like to know how well it listened "
            "to you: there are two short questions, and you can answer in a few minutes.",
        )
    whose = "your review" if child else f"{first_name}'s review"
    when = f"was held on {day}" if held else f"is on {day}" if invitation.review.booked_for else f"is due by {day}"
    return (
        f"Your views for {whose}",
        f"{whose[0].upper()}{whose[1:]} {when}. The Independent Reviewing Officer would like to hear "
        "your views before it: what is going well, what worries you, what you would like to happen, "
        "and who you would like to be there.",
    )


def link_email(invitation: ConsultationInvitation, code: str) -> tuple[str, str]:
    """The subject and the text of the email carrying this link."""
    subject, why = _about(invitation)
    ends = format_date(invitation.expires_at)
    closes = (
        f"The link works until {ends}, or until the review is held if that is sooner."
        if invitation.purpose == Purpose.CONSULTATION
        else f"The link works until {ends}."
    )
    body = (
        f"Hello,\n\n{why}\n\nOpen this link to answer:\n{public_link(code)}\n\n"
        f"{closes} You can send your answers once.\n\n"
        "This link is for you only. Please do not forward it or share it with anyone: "
        "anyone with the link could answer in your place.\n\n"
        "If you were not expecting this email, you can ignore it.\n"
    )
    return subject, body


def send_link_email(invitation: ConsultationInvitation, code: str) -> None:
    """Hand the email to the mail server; raises if the server refuses it."""
    subject, body = link_email(invitation, code)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
