"""PostgreSQL's two roles (README "Database roles"). The owner role (MIGRATION_DATABASE_URL)
runs migrations and owns every table. The app's role (DATABASE_URL: web app, Celery worker and
beat) owns nothing and may run no DDL, so it can neither ALTER TABLE ... DISABLE TRIGGER nor DROP
TRIGGER nor set session_replication_role; on the audit log (events and the children each list showed) it may only INSERT and SELECT, so with
the triggers (audit migrations 0002, 0003) the log is append-only to anything the app runs. The
log's monthly partitions (audit migration 0005) it may read one by one (pg_dump does) but change
only through the two tables, and it may call audit_add_partitions, which makes partitions and
nothing else."""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from audit.models import AuditEvent, AuditEventChild
from audit.selectors import log_is_partitioned

CONNECTION_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


class DatabaseRoleError(Exception):
    """The app's role is missing or could get round the audit log's guarantees."""


@contextmanager
def connected_as_owner():
    """The default connection, within the block, logs in as MIGRATION_DATABASE_URL's role (to the
    database DATABASE_URL names: during tests, the test database)."""
    owner = settings.MIGRATION_DATABASE
    current = connection.settings_dict
    saved = {key: current.get(key) for key in (*CONNECTION_KEYS, "OPTIONS")}
    connection.close()
    current.update({key: owner[key] for key in CONNECTION_KEYS})
    current["OPTIONS"] = {**(saved["OPTIONS"] or {}), **owner.get("OPTIONS", {})}
    try:
        yield
    finally:
        connection.close()
        current.update(saved)


def app_role():
    """DATABASE_URL's role: read it before connected_as_owner() replaces the connection's user."""
    return settings.DATABASES["default"]["USER"]


def grant_app_role(role):
    """Give `role` what the app needs and nothing more, connected as the tables' owner. Runs
    after every migrate (a later migration's tables get the same through default privileges, the
    audit log is closed again if one recreated it); running it again changes nothing."""
    audit_tables = [model._meta.db_table for model in (AuditEvent, AuditEventChild)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        _refuse_an_unsafe_app_role(cursor, role, owner)
        app, database = connection.ops.quote_name(role), connection.ops.quote_name(database)
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = ANY (%s::regclass[])", [audit_tables]
        )
        partitions = [name for (name,) in cursor.fetchall()]
        log = ", ".join(connection.ops.quote_name(table) for table in audit_tables)
        for statement in (
            f"GRANT CONNECT ON DATABASE {database} TO {app}",
            # PostgreSQL before 15 let every role create tables in the public schema.
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            f"REVOKE CREATE ON SCHEMA public FROM {app}",
            f"GRANT USAGE ON SCHEMA public TO {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            f"REVOKE ALL ON {', '.join([log, *partitions])} FROM PUBLIC, {app}",
            f"GRANT SELECT, INSERT ON {log} TO {app}",
        ):
            cursor.execute(statement)
        if log_is_partitioned():
            # Each partition read on its own, as pg_dump (the backup) reads them; written only through the log.
            cursor.execute(f"GRANT SELECT ON {', '.join(partitions)} TO {app}")
            cursor.execute(f"GRANT EXECUTE ON FUNCTION audit_add_partitions(integer) TO {app}")
        cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [role])
        if cursor.fetchone()[0]:
            raise DatabaseRoleError(
                f"{role} (DATABASE_URL's user) may still create tables in the schema public, which only the "
                f"schema's owner can forbid: as a superuser, ALTER SCHEMA public OWNER TO {owner} "
                "(deploy/create-database-roles.sh does)."
            )
    return owner


def _refuse_an_unsafe_app_role(cursor, role, owner):
    """MEMBER, not USAGE: a member without INHERIT can still SET ROLE to the owner (or to a
    superuser), and CREATEROLE lets a role grant itself membership of the owner."""
    cursor.execute(
        "SELECT rolsuper OR rolbypassrls, rolcreaterole, "
        "EXISTS (SELECT 1 FROM pg_roles AS other WHERE other.oid <> app.oid "
        "AND (other.rolname = %s OR other.rolsuper) AND pg_has_role(app.oid, other.oid, 'MEMBER')), "
        "EXISTS (SELECT 1 FROM pg_class WHERE relowner = app.oid AND relnamespace = 'public'::regnamespace) "
        "FROM pg_roles AS app WHERE rolname = %s",
        [owner, role],
    )
    found = cursor.fetchone()
    if found is None:
        raise DatabaseRoleError(f"The role {role} (DATABASE_URL's user) does not exist: create it first.")
    superuser, creates_roles, may_become_owner, owns_tables = found
    if superuser:
        raise DatabaseRoleError(
            f"{role} (DATABASE_URL's user) is a superuser: it could turn the audit log's triggers off."
        )
    if creates_roles:
        raise DatabaseRoleError(
            f"{role} (DATABASE_URL's user) may create roles, so it could make itself a member of {owner}: "
            f"ALTER ROLE {role} NOCREATEROLE."
        )
    if may_become_owner:
        raise DatabaseRoleError(
            f"{role} (DATABASE_URL's user) is a member of {owner}, the owner of the tables, or of a superuser, "
            "so it could SET ROLE to it."
        )
    if owns_tables:
        raise DatabaseRoleError(
            f"{role} (DATABASE_URL's user) owns tables: make {owner} their owner (REASSIGN OWNED BY {role} TO {owner})."
        )
