from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(run_id):
    """Import an uploaded SSDA903 return; the progress page polls the run meanwhile."""
    services.run_import(run_id)
