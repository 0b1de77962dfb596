"""Operations: /healthz for load balancers and monitors, and `manage.py backup` with the restore
procedure of the README (scripts/restore-backup), run for real with pg_dump and pg_restore.

The Redis test needs Redis at 127.0.0.1:6379; it is skipped when Redis does not answer unless
REQUIRE_CELERY_WORKER_TESTS=1 (CI), which turns the skip into a failure."""

import os
import socket
import sqlite3
import stat
import subprocess
import time
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
import redis
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from audit.models import AuditAction, AuditEvent
from children.models import Allocation, CareEpisode, Child
from operations import services
from tests.celery_worker import REQUIRE_ENV
from tests.conftest import ON_POSTGRESQL, postgresql_only
from tests.factories import (
    AllocationFactory,
    CareEpisodeFactory,
    ChildFactory,
    IroFactory,
    ManagerFactory,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/9"
CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="the SQLite backup runs only on SQLite")


def _redis_answers():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def real_redis():
    if not _redis_answers():
        reason = f"Redis at {REDIS_URL} does not answer"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this is an error)", pytrace=False)
        pytest.skip(reason)
    return REDIS_URL


def _timed_get(client, url):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


# --- /healthz ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/healthz", "/healthz/"])
def test_healthz_reports_database_and_redis_broker_to_anyone(client, settings, real_redis, url):
    settings.CELERY_BROKER_URL = real_redis

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor
    assert body["broker"]["reachable"] is True
    assert body["broker"]["transport"] == "redis"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("broker_url", "transport"), [(CLOSED_PORT_REDIS_URL, "redis"), ("amqp://guest@127.0.0.1:1//", "amqp")]
)
def test_healthz_stays_up_quickly_when_the_broker_is_down(client, settings, broker_url, transport):
    settings.CELERY_BROKER_URL = broker_url

    response, seconds = _timed_get(client, "/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"] == {"reachable": False, "transport": transport, "error": "unreachable"}
    assert seconds < 2
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db
def test_healthz_gives_up_on_a_broker_that_never_answers(client, settings):
    """A server that accepts the connection and then says nothing (a hung Redis, a firewall)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    try:
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        response, seconds = _timed_get(client, "/healthz")
    finally:
        silent.close()

    assert response.status_code == 200
    assert response.json()["broker"] == {"reachable": False, "transport": "redis", "error": "timed out"}
    assert seconds < 3


@pytest.mark.django_db
def test_healthz_checks_the_filesystem_broker_folders(client, settings, tmp_path):
    queue, control = tmp_path / "queue", tmp_path / "control"
    queue.mkdir()
    control.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
    }
    assert client.get("/healthz").json()["broker"]["reachable"] is True

    control.rmdir()

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {"reachable": False, "transport": "filesystem", "error": "unreachable"}


@pytest.mark.django_db
def test_healthz_only_answers_reads(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS_URL

    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_down(client, settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS_URL
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    assert response.status_code == 503
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "vendor": "postgresql", "error": "unavailable"}
    assert body["broker"]["reachable"] is False
    assert b"Traceback" not in response.content
    assert b"port 1" not in response.content


# --- manage.py backup --------------------------------------------------------------------------


def _backup(out_dir):
    stdout = StringIO()
    call_command("backup", "--out", str(out_dir), stdout=stdout)
    return stdout.getvalue()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_backup_writes_a_private_pg_dump_archive_and_audits_it(tmp_path, monkeypatch):
    ChildFactory(given_name="Backed", family_name="Up")
    pg_dump_calls = []
    real_run = subprocess.run

    def spy_run(args, **kwargs):
        pg_dump_calls.append((args, kwargs["env"]))
        return real_run(args, **kwargs)

    monkeypatch.setattr(services.subprocess, "run", spy_run)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "not-on-the-command-line")

    output = _backup(tmp_path)

    [dump] = tmp_path.iterdir()
    assert dump.suffix == ".dump"
    assert dump.read_bytes()[:5] == b"PGDMP"
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert str(dump) in output
    assert f"{dump.stat().st_size:,} bytes" in output
    [(args, env)] = pg_dump_calls
    assert "--format=custom" in args
    assert not any("not-on-the-command-line" in arg for arg in args)
    assert env["PGPASSWORD"] == "not-on-the-command-line"
    event = AuditEvent.objects.get(object_type="operations.backup")
    assert event.action == AuditAction.EXPORT
    assert event.object_id == dump.name
    assert event.detail["bytes"] == dump.stat().st_size
    assert event.detail["database"] == connection.settings_dict["NAME"]


@postgresql_only
@pytest.mark.django_db
def test_backup_fails_clearly_when_pg_dump_fails(tmp_path, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "iro_h_ops_no_such_database")

    with pytest.raises(
        CommandError, match='Backup failed: pg_dump failed .*"iro_h_ops_no_such_database" does not exist'
    ):
        _backup(tmp_path)

    assert list(tmp_path.iterdir()) == []
    assert not AuditEvent.objects.filter(object_type="operations.backup").exists()


@postgresql_only
@pytest.mark.django_db
def test_backup_fails_clearly_without_pg_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    with pytest.raises(CommandError, match="pg_dump was not found on PATH"):
        _backup(tmp_path / "backups")

    assert list((tmp_path / "backups").iterdir()) == []
    assert not AuditEvent.objects.filter(object_type="operations.backup").exists()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_backup_on_sqlite_copies_the_database(tmp_path):
    ChildFactory(given_name="Backed", family_name="Up")

    _backup(tmp_path)

    [copy] = tmp_path.iterdir()
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    with sqlite3.connect(copy) as restored:
        assert restored.execute("SELECT given_name FROM children_child").fetchall() == [("Backed",)]
    assert AuditEvent.objects.filter(object_type="operations.backup", action=AuditAction.EXPORT).count() == 1


# --- the restore procedure ---------------------------------------------------------------------

RESTORED_TABLES = {
    "accounts_user": User.objects.count,
    "children_child": Child.objects.count,
    "children_careepisode": CareEpisode.objects.count,
    "children_allocation": Allocation.objects.count,
}


def _libpq_env(settings_dict):
    variables = {
        "PGHOST": settings_dict["HOST"],
        "PGPORT": settings_dict["PORT"],
        "PGUSER": settings_dict["USER"],
        "PGPASSWORD": settings_dict["PASSWORD"],
    }
    return {**os.environ, **{name: str(value) for name, value in variables.items() if value}}


@pytest.fixture
def fresh_database_name():
    """A database for the restore, dropped afterwards whatever happened."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME'][:40]}_restored"
    env = _libpq_env(settings_dict)
    subprocess.run(["dropdb", "--if-exists", name], env=env, check=True, capture_output=True)
    yield name
    subprocess.run(["dropdb", "--if-exists", name], env=env, check=True, capture_output=True)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_the_same_rows(tmp_path, fresh_database_name):
    ManagerFactory()
    for iro in IroFactory.create_batch(2):
        for _ in range(3):
            child = ChildFactory()
            CareEpisodeFactory(child=child)
            AllocationFactory(child=child, iro=iro)
    ChildFactory(given_name="Unallocated", family_name="Child")
    expected = {table: count() for table, count in RESTORED_TABLES.items()}
    settings_dict = connection.settings_dict

    _backup(tmp_path)
    [dump] = tmp_path.iterdir()
    restore = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "restore-backup"), str(dump), fresh_database_name],
        env=_libpq_env(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )

    assert restore.returncode == 0, restore.stderr
    restored = psycopg2.connect(
        dbname=fresh_database_name,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
    )
    try:
        with restored.cursor() as cursor:
            counts = {}
            for table in RESTORED_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
            cursor.execute("SELECT family_name FROM children_child WHERE given_name = 'Unallocated'")
            unallocated = cursor.fetchall()
    finally:
        restored.close()
    assert counts == expected
    assert expected == {"accounts_user": 3, "children_child": 7, "children_careepisode": 6, "children_allocation": 6}
    assert unallocated == [("Child",)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_to_write_over_an_existing_database(tmp_path):
    _backup(tmp_path)
    [dump] = tmp_path.iterdir()
    settings_dict = connection.settings_dict

    restore = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "restore-backup"), str(dump), settings_dict["NAME"]],
        env=_libpq_env(settings_dict),
        capture_output=True,
        text=True,
        check=False,
    )

    assert restore.returncode != 0
    assert "already exists" in restore.stderr
