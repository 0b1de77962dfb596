"""The daily sweep and the outgoing email, as Celery tasks.

The sweep fans out one task per app and per range of children, so a large authority spreads
over every worker and a worker lost mid-sweep costs one small task, which the broker hands
out again (late acknowledgement). Each task only inserts what is missing, so any task may
run twice.
"""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services

SWEEP_TASKS = (
    "reviews.tasks.sweep_review_reminders",
    "oversight.tasks.sweep_oversight_reminders",
    "escalations.tasks.sweep_escalation_reminders",
)
DIGEST_TASK = "reviews.tasks.send_manager_digests"


def _day(value):
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def daily_sweep(on=None):
    """Queue the reminder sweep for every range of children, the emails, and the managers'
    digests a little later so that they describe the finished sweep."""
    from celery import current_app

    day = _day(on).isoformat()
    queued = 0
    for first, last in services.child_id_ranges(settings.REMINDER_SWEEP_CHUNK_SIZE):
        for name in SWEEP_TASKS:
            current_app.send_task(name, args=[day, first, last])
            queued += 1
    current_app.send_task(DIGEST_TASK, args=[day], countdown=settings.REMINDER_DIGEST_DELAY_SECONDS)
    send_notification_emails.delay()
    return queued


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def send_notification_emails(self):
    """Send a batch; if the mail server failed, try again later with growing gaps. Whatever is
    still unsent is picked up by the next scheduled run."""
    result = services.send_pending_emails()
    if result["failed"]:
        raise self.retry(countdown=min(3600, 60 * 2**self.request.retries))
    if result["batch"] == settings.REMINDER_EMAIL_BATCH_SIZE:
        send_notification_emails.delay()
    return result
