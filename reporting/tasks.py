from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from iro_portal.documents import PDF_BASE_URL

from . import services, stored_figures


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def render_report_document(document_id):
    """Make one report PDF; the page polls the document's progress meanwhile."""
    services.render_document(document_id, base_url=PDF_BASE_URL)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def count_the_day_figures(on=None):
    """Just after midnight: the new day's figures counted before anyone asks for them."""
    stored_figures.count_the_day(date.fromisoformat(on) if on else timezone.localdate())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_kept_figures(on=None):
    """At a quiet hour: the day's kept figures compared with a full recount, and repaired if they
    differ (readers of figures being counted wait for them)."""
    return stored_figures.check_the_day(date.fromisoformat(on) if on else timezone.localdate())
