from datetime import date

from celery import shared_task

from notifications.services import store_reminders

from .selectors import escalation_reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_escalation_reminders(on, first_child_id, last_child_id):
    return store_reminders(escalation_reminders(date.fromisoformat(on), first_child_id, last_child_id))
