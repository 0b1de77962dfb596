import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

app = Celery("iro_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_reminders(sender, **kwargs):
    """The daily reminder sweep at the configured hour; unsent emails are retried every 15 minutes;
    unanswered safety alerts are looked for every 5 minutes; the audit log's partitions for the
    months ahead are made daily, at a quiet hour; the new day's figures are counted just after
    midnight, and compared with a full recount at a quiet hour."""
    from django.conf import settings

    sender.add_periodic_task(
        crontab(hour=settings.REMINDER_SWEEP_HOUR, minute=0),
        sender.signature("notifications.tasks.daily_sweep"),
        name="daily-reminder-sweep",
    )
    sender.add_periodic_task(
        crontab(minute="*/15"),
        sender.signature("notifications.tasks.send_notification_emails"),
        name="retry-unsent-reminder-emails",
    )
    sender.add_periodic_task(
        crontab(minute="*/5"),
        sender.signature("consultations.tasks.escalate_unanswered_alerts"),
        name="escalate-unanswered-safety-alerts",
    )
    sender.add_periodic_task(
        crontab(hour=2, minute=30),
        sender.signature("audit.tasks.add_partitions"),
        name="add-audit-log-partitions",
    )
    sender.add_periodic_task(
        crontab(hour=0, minute=5),
        sender.signature("reporting.tasks.count_the_day_figures"),
        name="count-the-day-figures",
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=15),
        sender.signature("reporting.tasks.check_kept_figures"),
        name="check-kept-figures",
    )
