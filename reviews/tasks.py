from datetime import date

from celery import shared_task
from django.conf import settings

from notifications.services import store_reminders

from . import document_services
from .selectors import manager_digests, review_reminders
from .services import end_lapsed_short_break_series


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_review_reminders(on, first_child_id, last_child_id):
    """Ends the series of short breaks that lapsed, then reminds about the reviews still due."""
    day = date.fromisoformat(on)
    end_lapsed_short_break_series(day, first_child_id, last_child_id)
    return store_reminders(review_reminders(day, first_child_id, last_child_id))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_manager_digests(on):
    """The service managers' daily digest, queued by the sweep to run once the sweep is done."""
    return store_reminders(manager_digests(date.fromisoformat(on)))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def render_review_document(document_id):
    """Make one review document's PDF; the review's page shows its status meanwhile."""
    document_services.render_document(document_id)
