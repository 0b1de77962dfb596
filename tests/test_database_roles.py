"""The database roles (README "Database roles"), on PostgreSQL: `manage.py migrate` with
MIGRATION_DATABASE_URL runs as the owner role and grants DATABASE_URL's role only what the app
needs, so code running as the app can add to the audit log but never empty it, rewrite it or turn
its triggers off, while the app itself works as usual.

The module makes two throwaway login roles and a database owned by the owner role with
deploy/create-database-roles.sh (as the suite's superuser), migrates it as a deployment would, and
drops all three at the end."""

import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from tests.conftest import postgresql_only

pytestmark = postgresql_only

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = secrets.token_hex(12)
INSUFFICIENT_PRIVILEGE = "42501"


def server_connection(dbname, user=None, password=None):
    server = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=dbname,
        user=user or server["USER"],
        password=password or server["PASSWORD"],
        host=server["HOST"] or None,
        port=server["PORT"] or None,
    )
    connection.autocommit = True
    return connection


class SplitDatabase:
    def __init__(self, tmp_path):
        suffix = secrets.token_hex(4)
        self.owner, self.app, self.name = (
            f"iro_test_owner_{suffix}",
            f"iro_test_app_{suffix}",
            f"iro_test_roles_{suffix}",
        )
        self.tmp_path = tmp_path

    def url(self, role):
        server = settings.DATABASES["default"]
        return f"postgres://{role}:{PASSWORD}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{self.name}"

    def connect(self, role):
        return server_connection(self.name, user=role, password=PASSWORD)

    def create_roles(self):
        """deploy/create-database-roles.sh, as the suite's superuser."""
        server = settings.DATABASES["default"]
        return subprocess.run(
            ["sh", str(ROOT / "deploy" / "create-database-roles.sh")],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "PGHOST": server["HOST"] or "127.0.0.1",
                "PGPORT": str(server["PORT"] or 5432),
                "PGUSER": server["USER"],
                "PGPASSWORD": server["PASSWORD"] or "",
                "IRO_DATABASE": self.name,
                "IRO_OWNER_ROLE": self.owner,
                "IRO_APP_ROLE": self.app,
                "IRO_OWNER_PASSWORD": PASSWORD,
                "IRO_APP_PASSWORD": PASSWORD,
            },
        )

    def manage(self, *args, migration_url=True, database_url=None, environment=None):
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "MIGRATION_DATABASE_URL", "CELERY_BROKER_URL", "PRODUCTION", "DEBUG"}
        }
        env.update(
            {
                "DATABASE_URL": database_url or self.url(self.app),
                "SECRET_KEY": "x" * 50,
                "IRO_PORTAL_VAR_DIR": str(self.tmp_path),
                "DJANGO_SETTINGS_MODULE": "iro_portal.settings",
            }
        )
        if migration_url:
            env["MIGRATION_DATABASE_URL"] = self.url(self.owner)
        env.update(environment or {})
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    database = SplitDatabase(tmp_path_factory.mktemp("roles"))
    admin = server_connection("postgres")
    try:
        created = database.create_roles()
        assert created.returncode == 0, created.stderr
        migrated = database.manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert f"Granted {database.app} the app's privileges on the tables {database.owner} owns." in migrated.stdout
        yield database
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {database.name} WITH (FORCE)")
            cursor.execute(f"DROP ROLE IF EXISTS {database.app}")
            cursor.execute(f"DROP ROLE IF EXISTS {database.owner}")
        admin.close()


def add_audit_event(cursor):
    cursor.execute(
        "INSERT INTO audit_auditevent (occurred_at, username, action, object_type, object_id, detail) "
        "VALUES (now(), 'someone', 'view', 'children.child', '1', '{}') RETURNING id"
    )
    return cursor.fetchone()[0]


def refused(cursor, statement):
    try:
        cursor.execute(statement)
    except psycopg2.Error as error:
        return error
    return None


def test_the_apps_role_can_add_to_the_audit_log_but_not_empty_rewrite_or_unguard_it(split):
    app = split.connect(split.app)
    with app.cursor() as cursor:
        event = add_audit_event(cursor)
        this_month = f"audit_auditevent_p{datetime.now(UTC):%Y_%m}"
        for statement in (
            f"INSERT INTO {this_month} SELECT * FROM audit_auditevent LIMIT 1",
            f"DELETE FROM {this_month}",
            f"TRUNCATE {this_month}",
            f"DROP TABLE {this_month}",
            "UPDATE audit_auditeventchild_default SET child_id = 0",
            "ALTER TABLE audit_auditevent DETACH PARTITION audit_auditevent_default",
            "SELECT * FROM audit_drop_months_before('2100-01-01')",
            "TRUNCATE audit_auditevent",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_event_append_only ON audit_auditevent",
            "DROP TRIGGER audit_event_no_truncate ON audit_auditevent",
            "SET session_replication_role = replica",
            f"UPDATE audit_auditevent SET action = 'export' WHERE id = {event}",
            f"DELETE FROM audit_auditevent WHERE id = {event}",
            "DROP TABLE audit_auditevent",
            "CREATE TABLE somewhere_else (LIKE audit_auditevent)",
            "ALTER TABLE children_child ADD COLUMN note text",
            "TRUNCATE audit_auditeventchild",
            "UPDATE audit_auditeventchild SET child_id = 0",
            "DELETE FROM audit_auditeventchild",
            "ALTER TABLE audit_auditeventchild DISABLE TRIGGER ALL",
        ):
            error = refused(cursor, statement)
            assert error is not None, f"the app's role could run: {statement}"
            assert error.pgcode == INSUFFICIENT_PRIVILEGE, f"{statement}: {error}"
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
        cursor.execute("SELECT action FROM audit_auditevent WHERE id = %s", [event])
        assert cursor.fetchone() == ("view",)
    app.close()


def test_the_apps_role_makes_the_log_partitions_and_only_the_owner_removes_months(split):
    app = split.connect(split.app)
    with app.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, username, action, object_type, object_id, detail) "
            "VALUES ('2001-02-03T12:00Z', 'someone', 'view', 'children.child', '1', '{}') RETURNING id, tableoid::regclass"
        )
        event, partition = cursor.fetchone()
        assert partition == "audit_auditevent_default"
        cursor.execute("SELECT audit_add_partitions(0)")
        assert cursor.fetchone() == (1,)
        cursor.execute("SELECT tableoid::regclass FROM audit_auditevent WHERE id = %s", [event])
        assert cursor.fetchone() == ("audit_auditevent_p2001_02",)
        assert refused(cursor, "DELETE FROM audit_auditevent_p2001_02").pgcode == INSUFFICIENT_PRIVILEGE
        cursor.execute("SELECT count(*) FROM audit_auditevent_p2001_02")
        assert cursor.fetchone() == (1,)
    made = split.manage("audit_partitions", migration_url=False)
    assert made.returncode == 0 and "Made the partitions of 0 months" in made.stdout, made.stdout + made.stderr

    seven_years = {"AUDIT_RETENTION_MONTHS": "84"}
    as_app = split.manage("audit_retention", migration_url=False, environment=seven_years)
    assert as_app.returncode != 0 and "only the owner of the tables may remove months" in as_app.stderr
    removed = split.manage("audit_retention", environment=seven_years)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "Removed February 2001: 1 event, 0 children shown in lists." in removed.stdout
    with app.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE id = %s", [event])
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT detail->'months' FROM audit_auditevent WHERE action = 'delete' AND object_type = 'audit.log'"
        )
        assert cursor.fetchall() == [(["2001-02"],)]
    app.close()


def test_the_owner_role_cannot_truncate_the_log_either(split):
    owner = split.connect(split.owner)
    with owner.cursor() as cursor:
        add_audit_event(cursor)
        for table in ("audit_auditevent CASCADE", "audit_auditeventchild"):
            error = refused(cursor, f"TRUNCATE {table}")
            assert error is not None and "append-only" in str(error), table
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone()[0] >= 1
    owner.close()


def test_the_app_runs_as_its_role(split):
    """Demo data, the reminder sweep and a backup (pg_dump, audited) as the app's role, with the
    stored figures' data version moved by the reporting triggers."""
    for command in (
        ("seed_demo", "--children", "4", "--seed", "1"),
        ("send_reminders",),
        ("backup", "--out", str(split.tmp_path / "backups")),
    ):
        result = split.manage(*command, migration_url=False)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    app = split.connect(split.app)
    with app.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM children_child")
        assert cursor.fetchone()[0] == 4
        cursor.execute("SELECT number FROM reporting_dataversion")
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE object_type = 'operations.backup'")
        assert cursor.fetchone()[0] == 1
    app.close()


def test_later_tables_reach_the_apps_role_and_migrating_again_keeps_the_log_closed(split):
    owner = split.connect(split.owner)
    with owner.cursor() as cursor:
        cursor.execute("CREATE TABLE later_migration (id bigserial PRIMARY KEY, note text)")
    owner.close()
    app = split.connect(split.app)
    with app.cursor() as cursor:
        cursor.execute("INSERT INTO later_migration (note) VALUES ('written by the app')")
    for command in (("migrate", "--noinput"), ("db_roles",)):
        result = split.manage(*command)
        assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    with app.cursor() as cursor:
        assert refused(cursor, "UPDATE audit_auditevent SET action = 'export'").pgcode == INSUFFICIENT_PRIVILEGE
        assert refused(cursor, "TRUNCATE later_migration").pgcode == INSUFFICIENT_PRIVILEGE
        cursor.execute("SELECT note FROM later_migration")
        assert cursor.fetchall() == [("written by the app",)]
    app.close()


def test_db_roles_refuses_an_app_role_that_could_get_round_the_log(split):
    superuser = settings.DATABASES["default"]["USER"]
    server = settings.DATABASES["default"]
    as_superuser = split.manage(
        "db_roles",
        database_url=(f"postgres://{superuser}@{server['HOST'] or '127.0.0.1'}:{server['PORT'] or 5432}/{split.name}"),
    )
    assert as_superuser.returncode != 0
    assert (
        f"{superuser} (DATABASE_URL's user) is a superuser: it could turn the audit log's triggers off."
        in as_superuser.stderr
    )
    without_owner = split.manage("db_roles", migration_url=False)
    assert without_owner.returncode != 0 and "MIGRATION_DATABASE_URL is not set" in without_owner.stderr


@pytest.mark.parametrize(
    "make_unsafe, make_safe, message",
    [
        (
            "ALTER ROLE {app} NOINHERIT; GRANT {owner} TO {app}",
            "REVOKE {owner} FROM {app}; ALTER ROLE {app} INHERIT",
            "is a member of {owner}, the owner of the tables, or of a superuser, so it could SET ROLE to it.",
        ),
        (
            "ALTER ROLE {app} NOINHERIT; GRANT {superuser} TO {app}",
            "REVOKE {superuser} FROM {app}; ALTER ROLE {app} INHERIT",
            "is a member of {owner}, the owner of the tables, or of a superuser, so it could SET ROLE to it.",
        ),
        (
            "ALTER ROLE {app} CREATEROLE",
            "ALTER ROLE {app} NOCREATEROLE",
            "may create roles, so it could make itself a member of {owner}",
        ),
    ],
    ids=["member-of-the-owner-without-inherit", "member-of-a-superuser-without-inherit", "createrole"],
)
def test_db_roles_refuses_an_app_role_that_could_become_the_owner(split, make_unsafe, make_safe, message):
    names = {"app": split.app, "owner": split.owner, "superuser": settings.DATABASES["default"]["USER"]}
    admin = server_connection("postgres")
    try:
        with admin.cursor() as cursor:
            cursor.execute(make_unsafe.format(**names))
        result = split.manage("db_roles")
        assert result.returncode != 0
        assert f"{split.app} (DATABASE_URL's user) {message.format(**names)}" in result.stderr
    finally:
        with admin.cursor() as cursor:
            cursor.execute(make_safe.format(**names))
        admin.close()


def test_an_app_role_that_could_still_create_tables_is_refused_until_the_owner_owns_the_schema(split):
    """As PostgreSQL before 15 makes a database: the superuser owns the schema public and
    everyone may create in it, which the owner role cannot take away."""
    server = settings.DATABASES["default"]
    admin = server_connection(split.name)
    with admin.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA public OWNER TO {server['USER']}; GRANT CREATE ON SCHEMA public TO PUBLIC")
    admin.close()
    result = split.manage("db_roles")
    assert result.returncode != 0
    assert (
        f"{split.app} (DATABASE_URL's user) may still create tables in the schema public, which only the "
        f"schema's owner can forbid: as a superuser, ALTER SCHEMA public OWNER TO {split.owner}"
    ) in result.stderr
    created = split.create_roles()
    assert created.returncode == 0, created.stderr
    result = split.manage("db_roles")
    assert result.returncode == 0, result.stdout + result.stderr
    app = split.connect(split.app)
    with app.cursor() as cursor:
        assert refused(cursor, "CREATE TABLE made_by_the_app (id int)").pgcode == INSUFFICIENT_PRIVILEGE
    app.close()
