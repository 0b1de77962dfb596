"""Run the reminder sweep now, in this process: `manage.py send_reminders [--date YYYY-MM-DD]`.

The same tasks the daily Celery beat schedule queues, called directly, so it works with no
worker running."""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iro_portal.dates import format_date
from notifications import services


class Command(BaseCommand):
    help = "Create today's reminders (or those of --date) and email the ones not yet emailed."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="The day to sweep for, YYYY-MM-DD (default today).")
        parser.add_argument("--no-email", action="store_true", help="Create reminders but do not send emails.")

    def handle(self, *args, day=None, no_email=False, **options):
        try:
            day = date.fromisoformat(day) if day else timezone.localdate()
        except ValueError:
            raise CommandError(f"--date {day!r} is not a date in the form YYYY-MM-DD") from None
        started = time.perf_counter()
        created = services.sweep_in_process(day)
        self.stdout.write(f"{created} new reminders for {format_date(day)} in {time.perf_counter() - started:.1f} s.")
        if not no_email:
            while True:
                result = services.send_pending_emails()
                self.stdout.write(f"Emailed {result['sent']}, failed {result['failed']}.")
                if result["failed"] or result["batch"] < settings.REMINDER_EMAIL_BATCH_SIZE:
                    break
