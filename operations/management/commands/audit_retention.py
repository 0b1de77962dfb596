"""python manage.py audit_retention

Removes from the audit log every calendar month that ended more than AUDIT_RETENTION_MONTHS months
ago (README "Audit log partitions and retention"), and records what it removed in the log. Unset,
nothing is removed. On PostgreSQL each month's partitions are dropped, which only the owner of the
tables may do: with MIGRATION_DATABASE_URL set it connects as that role, as migrate does."""

from contextlib import nullcontext

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.template.defaultfilters import pluralize

from audit import services
from operations.database_roles import connected_as_owner


class Command(BaseCommand):
    help = "Remove the months of the audit log older than AUDIT_RETENTION_MONTHS (as the tables' owner)."

    def handle(self, *args, **options):
        months = settings.AUDIT_RETENTION_MONTHS
        if months is None:
            self.stdout.write("AUDIT_RETENTION_MONTHS is not set: the audit log is kept whole.")
            return
        try:
            with connected_as_owner() if settings.MIGRATION_DATABASE else nullcontext():
                removed = services.remove_expired_months()
        except DatabaseError as error:
            raise CommandError(
                f"Nothing was removed: {error}. On PostgreSQL only the owner of the tables may remove months "
                '(MIGRATION_DATABASE_URL, README "Database roles").'
            ) from error
        if not removed:
            self.stdout.write(f"No month of the audit log is more than {months} months old.")
            return
        for month in removed:
            self.stdout.write(
                f"Removed {month.month:%B %Y}: {month.events} event{pluralize(month.events)}, "
                f"{month.children_shown} child{pluralize(month.children_shown, 'ren')} shown in lists."
            )
