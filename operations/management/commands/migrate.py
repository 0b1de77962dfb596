"""Django's migrate; with MIGRATION_DATABASE_URL set (PostgreSQL) it connects as that role, the
owner of the tables, and afterwards grants DATABASE_URL's role what the app needs
(operations/database_roles.py, README "Database roles")."""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS

from operations.database_roles import DatabaseRoleError, app_role, connected_as_owner, grant_app_role


class Command(migrate.Command):
    help = migrate.Command.help + (
        " With MIGRATION_DATABASE_URL set, runs as that role and then grants DATABASE_URL's role what the app needs."
    )

    def handle(self, *args, **options):
        if settings.MIGRATION_DATABASE is None or options["database"] != DEFAULT_DB_ALIAS:
            return super().handle(*args, **options)
        role = app_role()
        with connected_as_owner():
            super().handle(*args, **options)
            try:
                owner = grant_app_role(role)
            except DatabaseRoleError as error:
                raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            self.stdout.write(f"Granted {role} the app's privileges on the tables {owner} owns.")
