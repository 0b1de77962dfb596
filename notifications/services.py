"""Storing reminders and the outgoing email.

Every write here is safe to repeat: reminders are inserted with the database's unique key
deciding what is new, and an email is marked sent only after the mail server took it.
"""

import logging
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import User
from children.models import Child

from .models import Notification
from .reminders import Reminder, initials_and_id

logger = logging.getLogger(__name__)


def store_reminders(reminders: Iterable[Reminder]) -> int:
    """Insert the reminders that do not exist yet; return how many rows are new."""
    rows = [Notification(**asdict(reminder)) for reminder in reminders]
    if not rows:
        return 0
    before = Notification.objects.count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return Notification.objects.count() - before


def child_id_ranges(size: int) -> list[tuple[int, int]]:
    """Split the children into id ranges of at most `size` ids: the unit a sweep task works on."""
    bounds = Child.objects.aggregate(first=Min("pk"), last=Max("pk"))
    if bounds["first"] is None:
        return []
    return [
        (first, min(first + size - 1, bounds["last"])) for first in range(bounds["first"], bounds["last"] + 1, size)
    ]


def _email_text(notification: Notification) -> str:
    """The reminder, then the child by initials and ID only (never the name) and the link."""
    link = f"{settings.SITE_URL.rstrip('/')}{notification.link}"
    if notification.child is None:
        return f"{notification.message}\n\nOpen it in IRO Portal: {link}\n"
    return (
        f"{notification.message}\n\nChild: {initials_and_id(notification.child)}\n\n"
        f"Open it in IRO Portal: {link}\n\n"
        "This email names the child by initials and local child ID only. Sign in to see the record."
    )


def send_pending_emails(batch_size: int | None = None) -> dict[str, int]:
    """Email the reminders not yet emailed, a batch at a time. A failure leaves the reminder
    in the inbox, counted and with its error, for the next run to retry."""
    batch_size = batch_size or settings.REMINDER_EMAIL_BATCH_SIZE
    sent = failed = 0
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True, email_attempts__lt=settings.REMINDER_EMAIL_MAX_ATTEMPTS)
            .exclude(recipient__email="")
            .select_related("recipient", "child")
            .order_by("created_at", "id")[:batch_size]
        )
        for notification in batch:
            try:
                send_mail(
                    subject=f"IRO Portal: {notification.get_kind_display()}",
                    message=_email_text(notification),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[notification.recipient.email],
                )
            except Exception as error:  # noqa: BLE001 - any failure of the mail server: keep the reminder, retry later
                logger.warning("Reminder %s not emailed: %s", notification.pk, error)
                notification.email_attempts += 1
                notification.last_error = f"{type(error).__name__}: {error}"[:2000]
                failed += 1
            else:
                notification.email_attempts += 1
                notification.emailed_at = timezone.now()
                notification.last_error = ""
                sent += 1
            notification.save(update_fields=["email_attempts", "emailed_at", "last_error"])
    return {"sent": sent, "failed": failed, "batch": len(batch)}


def settle_reminders(subject_type: str, subject_id: int, kind: str) -> int:
    """Mark read every unread reminder of `kind` about a subject that no longer needs it (an
    agreed action done or given a new date): the inbox stops asking for what is settled."""
    return Notification.objects.filter(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def mark_read(notification: Notification, user: User) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionError("A reminder can only be marked read by its recipient.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def sweep_in_process(on: date) -> int:
    """Run every reminder sweep and the digests now, in this process, without a broker: what
    the daily Celery fan-out does, one range of children after another."""
    from django.utils.module_loading import import_string

    from .tasks import DIGEST_TASK, SWEEP_TASKS

    created = 0
    for first, last in child_id_ranges(settings.REMINDER_SWEEP_CHUNK_SIZE):
        for name in SWEEP_TASKS:
            created += import_string(name)(on.isoformat(), first, last)
    return created + import_string(DIGEST_TASK)(on.isoformat())
