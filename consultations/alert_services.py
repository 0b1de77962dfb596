"""Answering safety alerts, passing on those nobody answers, and the words the service watches
for. Raising an alert is consultations.alerts (it happens with the reply)."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_datetime
from iro_portal.locking import check_version, lock
from iro_portal.working_days import add_working_days
from notifications.models import NotificationKind, SubjectType
from notifications.services import settle_reminders
from oversight.models import OversightKind, OversightRecord, Rag
from oversight.services import record_oversight
from reviews.record_services import plain_text

from .alert_models import WatchedPhrase
from .alerts import ESCALATED, notify, send_emails_now, service_managers
from .models import SafetyAlert

ALREADY_ANSWERED = "What was done about this alert is already recorded."
ACTION_TAKEN_MAX_LENGTH = SafetyAlert._meta.get_field("action_taken").max_length


def _locked(alert: SafetyAlert, expected_version: int | None) -> SafetyAlert:
    return lock(SafetyAlert.objects.select_related("review__child"), alert.pk, expected_version)


def record_alert_response(
    alert: SafetyAlert,
    *,
    by: User,
    action_taken: str,
    expected_version: int | None,
    request: HttpRequest | None = None,
) -> SafetyAlert:
    """Record what was done: the alert is answered, stops escalating, and its notifications
    leave the top of everyone's inbox."""
    action_taken = plain_text(action_taken)
    if not action_taken:
        raise ValidationError({"action_taken": "Enter what you did about the alert"})
    if len(action_taken) > ACTION_TAKEN_MAX_LENGTH:
        raise ValidationError({"action_taken": f"What you did must be {ACTION_TAKEN_MAX_LENGTH:,} characters or fewer"})
    with transaction.atomic():
        alert = _locked(alert, expected_version)
        if alert.responded_at is not None:
            raise ValidationError(ALREADY_ANSWERED)
        alert.responded_at = timezone.now()
        alert.responded_by = by
        alert.action_taken = action_taken
        alert.version += 1
        alert.save(update_fields=["responded_at", "responded_by", "action_taken", "version"])
        settle_reminders(SubjectType.SAFETY_ALERT, alert.pk, NotificationKind.SAFETY_ALERT)
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=alert,
            child_id=alert.review.child_id,
            request=request,
            detail={"responded": True},
        )
    return alert


def red_check_date(today: datetime.date) -> datetime.date:
    """The next check after an alert's red rating: the next working day."""
    return add_working_days(today, 1)


def rate_red(
    alert: SafetyAlert,
    *,
    by: User,
    expected_version: int | None,
    today: datetime.date,
    request: HttpRequest | None = None,
) -> OversightRecord:
    """Rate the child's plan red between reviews (a mid-way rating, so it becomes the child's
    current rating) with the next check within a working day, recorded through oversight's own
    rules and linked to the alert. Once per alert."""
    with transaction.atomic():
        alert = _locked(alert, expected_version)
        if alert.oversight_record_id is not None:
            raise ValidationError("A red rating has already been recorded for this alert.")
        record = record_oversight(
            alert.review.child,
            by=by,
            kind=OversightKind.MIDWAY_REVIEW,
            date=today,
            rag=Rag.RED,
            tracking=(
                f"Safety alert raised {format_datetime(alert.raised_at)}: "
                f"{alert.get_reason_display().lower()}. Checking again within a working day."
            ),
            next_check_date=red_check_date(today),
            request=request,
            today=today,
        )
        alert.oversight_record = record
        alert.version += 1
        alert.save(update_fields=["oversight_record", "version"])
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=alert,
            child_id=alert.review.child_id,
            request=request,
            detail={"oversight_record": record.pk, "rag": Rag.RED},
        )
    return record


def escalate_unanswered(now: datetime.datetime | None = None) -> int:
    """Pass every alert still unanswered SAFETY_ALERT_ESCALATE_AFTER_MINUTES after it was raised
    to the service managers again, once: escalated_at marks it, so running again (or two runs at
    once: rows being escalated are skipped) adds nothing. Returns how many were escalated."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES)
    with transaction.atomic():
        alerts = list(
            SafetyAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(responded_at__isnull=True, escalated_at__isnull=True, raised_at__lte=cutoff)
            .select_related("review", "response__invitation")
            .order_by("raised_at", "pk")
        )
        managers = service_managers()
        for alert in alerts:
            alert.escalated_at = now
            alert.version += 1
            alert.save(update_fields=["escalated_at", "version"])
            notify(alert, managers, ESCALATED)
            record_event(
                action=AuditAction.UPDATE,
                obj=alert,
                child_id=alert.review.child_id,
                username="safety alert escalation",
                detail={"escalated": True, "managers_told": len(managers)},
            )
        if alerts:
            transaction.on_commit(send_emails_now)
    return len(alerts)


def normalised_phrase(phrase: str) -> str:
    """As kept: lower case, single spaces, straight apostrophes."""
    return " ".join(plain_text(phrase).replace("\u2019", "'").replace("\u2018", "'").lower().split())


def add_watched_phrase(phrase: str, *, by: User, request: HttpRequest | None = None) -> WatchedPhrase:
    phrase = normalised_phrase(phrase)
    if not phrase:
        raise ValidationError({"phrase": "Enter a word or phrase to watch for"})
    watched = WatchedPhrase(phrase=phrase, added_by=by)
    watched.full_clean(exclude=["added_by"], validate_unique=False)
    try:
        with transaction.atomic():
            watched.save()
            record_event(action=AuditAction.CREATE, user=by, obj=watched, request=request, detail={"phrase": phrase})
    except IntegrityError:
        raise ValidationError({"phrase": f"“{phrase}” is already watched for"}) from None
    return watched


def remove_watched_phrase(
    watched: WatchedPhrase, *, by: User, expected_version: int | None, request: HttpRequest | None = None
) -> None:
    """Stop watching for a phrase. Alerts it raised keep the words they matched."""
    with transaction.atomic():
        current = WatchedPhrase.objects.select_for_update().filter(pk=watched.pk).first()
        if current is None:
            raise ValidationError(f"“{watched.phrase}” is no longer watched for.")
        check_version(current, expected_version)
        watched = current
        record_event(
            action=AuditAction.DELETE, user=by, obj=watched, request=request, detail={"phrase": watched.phrase}
        )
        watched.delete()
