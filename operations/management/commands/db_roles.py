"""python manage.py db_roles

Connects as MIGRATION_DATABASE_URL's role (the tables' owner) and grants DATABASE_URL's role what
the app needs: read and write the app's tables, only add to and read the audit log, no DDL.
`migrate` does the same after migrating; running it again changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.database_roles import DatabaseRoleError, app_role, connected_as_owner, grant_app_role


class Command(BaseCommand):
    help = "Grant DATABASE_URL's role the app's privileges, connecting as MIGRATION_DATABASE_URL's (PostgreSQL)."

    def handle(self, *args, **options):
        if settings.MIGRATION_DATABASE is None:
            raise CommandError(
                'MIGRATION_DATABASE_URL is not set: it names the role that owns the tables (README "Database roles").'
            )
        role = app_role()
        try:
            with connected_as_owner():
                owner = grant_app_role(role)
        except DatabaseRoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{role} may read and write the app's tables and only add to and read the audit log; {owner} owns them."
        )
