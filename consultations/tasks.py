"""Safety alerts nobody answers, passed to the service managers again: run by Celery beat every
five minutes (iro_portal.celery); running it twice adds nothing."""

from celery import shared_task

from . import alert_services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_unanswered_alerts():
    return alert_services.escalate_unanswered()
