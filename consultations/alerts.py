"""Raising a safety alert with the reply that needs one, and telling people at once.

consultations.services.submit_response calls raise_alert_if_needed in the transaction that keeps
the reply, so a worrying reply is never saved without its alert, nor its alert without the
in-app notifications. Those rows are also the email outbox (notifications.services
.send_pending_emails): after the commit the email task is queued, and if the broker does not
answer the reply still stands and the emails go with the next scheduled run."""

import logging
import re
from collections.abc import Iterable

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from audit.models import AuditAction
from audit.services import record_event
from children.models import Allocation
from iro_portal.dates import format_date
from notifications.models import NotificationKind, SubjectType
from notifications.reminders import Reminder
from notifications.services import store_reminders
from notifications.tasks import send_notification_emails

from .alert_models import WatchedPhrase
from .models import AlertReason, ConsultationResponse, PersonType, SafetyAlert
from .selectors import review_day

logger = logging.getLogger(__name__)

BROKER_CONNECT_TIMEOUT_SECONDS = 2
RAISED = "raised"
ESCALATED = "escalated"
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def reply_texts(response: ConsultationResponse) -> list[tuple[str, str]]:
    """(question, text) of every answer typed in a reply: its free-text fields, then any text
    kept in `answers` (what only one form asks)."""
    texts = []
    for field in ConsultationResponse._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            value = getattr(response, field.attname)
            if value:
                texts.append((str(field.verbose_name).capitalize(), value))
    for key, value in (response.answers or {}).items():
        values = value if isinstance(value, list) else [value]
        typed = [item for item in values if isinstance(item, str) and item.strip()]
        if typed:
            texts.append((key.replace("_", " ").capitalize(), "\n".join(typed)))
    return texts


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The phrase as a whole word or words, in any case, with any spacing between its words."""
    words = [re.escape(word) for word in phrase.translate(APOSTROPHES).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def matched_phrases(texts: Iterable[str], phrases: Iterable[str]) -> list[str]:
    """The watched phrases any of the texts uses, in the order given."""
    joined = "\n".join(texts).translate(APOSTROPHES)
    return [phrase for phrase in phrases if phrase_pattern(phrase).search(joined)]


def _matched_words(matched: list[str]) -> str:
    """As many whole phrases as fit the field."""
    kept = []
    for phrase in matched:
        if len(", ".join([*kept, phrase])) > SafetyAlert._meta.get_field("matched_words").max_length:
            break
        kept.append(phrase)
    return ", ".join(kept)


def raise_alert_if_needed(response: ConsultationResponse, *, request: HttpRequest | None = None) -> SafetyAlert | None:
    """Raise the reply's alert, if it needs one: the child said they do not feel safe, or the
    reply used words the service watches for. One alert per reply; must run in the reply's
    transaction."""
    phrases = WatchedPhrase.objects.values_list("phrase", flat=True)
    matched = matched_phrases((text for _, text in reply_texts(response)), phrases)
    if response.feels_safe is False:
        reason = AlertReason.FEELS_UNSAFE
    elif matched:
        reason = AlertReason.WATCHED_WORDS
    else:
        return None
    invitation = response.invitation
    alert = SafetyAlert.objects.create(
        response=response,
        review=invitation.review,
        reason=reason,
        matched_words=_matched_words(matched),
        raised_at=timezone.now(),
    )
    record_event(
        action=AuditAction.CREATE,
        obj=alert,
        child_id=invitation.review.child_id,
        request=request,
        username=f"consultation link {invitation.pk}",
        detail={"reason": reason, "matched_words": alert.matched_words},
    )
    notify(alert, people_to_tell(alert), RAISED)
    transaction.on_commit(send_emails_now)
    return alert


def people_to_tell(alert: SafetyAlert) -> list[int]:
    """The IRO allocated to the child today, the review's chair when someone else, and every
    active service manager: the ids of those who still sign in."""
    review = alert.review
    ids = set(
        Allocation.objects.current(timezone.localdate()).filter(child_id=review.child_id).values_list("iro", flat=True)
    )
    if review.chair_id is not None:
        ids.add(review.chair_id)
    return list(
        User.objects.filter(models.Q(pk__in=ids) | models.Q(role=Role.SERVICE_MANAGER), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def service_managers() -> list[int]:
    return list(
        User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).order_by("pk").values_list("pk", flat=True)
    )


def alert_message(alert: SafetyAlert, step: str) -> str:
    """What the inbox and the email say. It names nobody (the email adds the child's initials
    and ID only) and quotes nothing of the reply."""
    invitation = alert.response.invitation
    review = alert.review
    on = format_date(review_day(review))
    who = (
        "The child"
        if invitation.person_type == PersonType.CHILD
        else f"The {invitation.get_person_type_display().lower()}"
    )
    if alert.reason == AlertReason.FEELS_UNSAFE:
        what = (
            f"{who} said in their reply to the consultation for the review on {on} that the child does not feel safe."
        )
    else:
        what = f"{who} used words the service watches for in their reply to the consultation for the review on {on}."
    if step == ESCALATED:
        minutes = settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES
        return (
            f"Nobody has recorded what was done about this safety alert {minutes} minutes after it was raised. {what} "
            "Make sure someone acts today."
        )
    return f"{what} Open the alert and record what you did today."


def notify(alert: SafetyAlert, recipient_ids: Iterable[int], step: str) -> int:
    """The in-app notifications, which are also the emails still to send (the caller asks for
    them to be sent once its transaction commits: send_emails_now). Idempotent: the
    notifications' unique key keeps one per person and step."""
    raised_on = timezone.localdate(alert.raised_at)
    message = alert_message(alert, step)
    link = reverse("consultations:alert", args=[alert.pk])
    created = store_reminders(
        Reminder(
            recipient_id=recipient_id,
            kind=NotificationKind.SAFETY_ALERT,
            subject_type=SubjectType.SAFETY_ALERT,
            subject_id=alert.pk,
            child_id=alert.review.child_id,
            due_date=raised_on,
            step=step,
            message=message,
            link=link,
        )
        for recipient_id in recipient_ids
    )
    return created


def send_emails_now() -> None:
    """Queue the email task with one try and a short wait: a broker that is down must not hold up
    the person sending the reply, nor lose it. The notifications wait as the outbox for the task
    Celery beat runs every 15 minutes."""
    try:
        with current_app.connection_for_write(
            connect_timeout=BROKER_CONNECT_TIMEOUT_SECONDS, transport_options={"max_retries": 0}
        ) as connection:
            send_notification_emails.apply_async(retry=False, connection=connection)
    except Exception as error:  # noqa: BLE001 - any broker failure: the outbox keeps the emails
        logger.warning(
            "Safety alert emails not queued now (%s); the scheduled run will send them.", type(error).__name__
        )
