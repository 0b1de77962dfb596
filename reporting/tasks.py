from celery import shared_task
from django.conf import settings

from iro_portal.documents import PDF_BASE_URL

from . import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_PDF_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def render_report_document(document_id):
    """Make one report PDF; the page polls the document's progress meanwhile."""
    services.render_document(document_id, base_url=PDF_BASE_URL)
