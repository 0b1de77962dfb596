"""python manage.py audit_partitions

Makes the partitions of the audit log (PostgreSQL) for this month and the months ahead that have
none yet, and moves rows that fell in the DEFAULT partition into their months: what Celery beat
does daily and every migrate does (audit.services.add_partitions). On SQLite there is nothing to do."""

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from audit import selectors, services


class Command(BaseCommand):
    help = "Make the audit log's partitions for this month and the months ahead (PostgreSQL)."

    def handle(self, *args, **options):
        if not selectors.log_is_partitioned():
            self.stdout.write("The audit log is not partitioned on this database: nothing to do.")
            return
        try:
            made = services.add_partitions()
        except OperationalError as error:
            raise CommandError(
                f"The audit log's partitions were not changed: {error}. Try again when the log is less busy."
            ) from error
        months = selectors.partition_months()
        self.stdout.write(
            f"Made the partitions of {made} months; the audit log has partitions for {len(months)} months, "
            f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}."
        )
