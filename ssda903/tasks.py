from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.IMPORT_903_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_903_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
)
def run_import(run_id):
    """Import an uploaded SSDA903 return; the progress page polls the run meanwhile."""
    services.run_import(run_id)
