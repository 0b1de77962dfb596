"""The audit log's Celery task: Celery beat runs it daily (iro_portal.celery)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def add_partitions():
    """This month's and the next months' partitions of the log, made before their first event
    (services.add_partitions); a run that finds them made changes nothing."""
    return services.add_partitions()
