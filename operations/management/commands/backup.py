"""python manage.py backup [--out DIR]

Backs up the configured database to a new timestamped file in DIR (default var/backups/): on
PostgreSQL a pg_dump custom-format archive (restore it with scripts/restore-backup), on SQLite a
copy of the database file. Prints the file and its size; exits non-zero if the backup failed.
The backup is recorded in the audit log as an export."""

from django.core.management.base import BaseCommand, CommandError

from operations.services import BackupError, backup_database, default_backup_folder


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format on PostgreSQL, a file copy on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            default=None,
            help=f"Folder to write the backup to (created if needed; default {default_backup_folder()}).",
        )

    def handle(self, *args, out=None, **options):
        try:
            backup = backup_database(out)
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(f"{backup.path} ({backup.size:,} bytes)")
