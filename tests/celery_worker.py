"""Real Celery workers for the tests: a dedicated Redis database as the broker, worker
subprocesses started and stopped by the tests, and waits that are always bounded.

The worker subprocess also imports this module (EMAIL_BACKEND=tests.celery_worker.FailingBackend),
so nothing at module level may need pytest or a configured test database.
"""

import ctypes
import json
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.mail.backends.base import BaseEmailBackend

BASE_DIR = Path(__file__).resolve().parent.parent
REQUIRE_ENV = "REQUIRE_CELERY_WORKER_TESTS"
TEST_REDIS_DB = 15
VISIBILITY_TIMEOUT = 2  # seconds: a killed worker's unacknowledged task returns when a new worker starts


class FailingBackend(BaseEmailBackend):
    """A mail server that always drops the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (tests.celery_worker.FailingBackend)")


class Unavailable(Exception):
    """The worker tests cannot run here; the message says why."""


def check_environment(database_settings, broker_url):
    """Raise Unavailable unless the tests and the workers can share a PostgreSQL database and a
    Redis broker; return the URL of the dedicated Redis database the tests use as their broker."""
    if database_settings["ENGINE"] != "django.db.backends.postgresql":
        raise Unavailable(
            "the Celery worker tests need PostgreSQL (the worker subprocess must see the rows the test "
            f"commits); the test database is {database_settings['ENGINE']}. Set DATABASE_URL=postgres://..."
        )
    if not broker_url.startswith("redis://"):
        raise Unavailable(
            f"the Celery worker tests need a Redis broker; CELERY_BROKER_URL is {broker_url!r}. "
            "Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0"
        )
    url = broker_url_for_tests(broker_url)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - any failure to reach Redis means we cannot run
        raise Unavailable(f"Redis at {url} does not answer: {type(error).__name__}: {error}") from error
    return url


def broker_url_for_tests(broker_url):
    """The same Redis server as CELERY_BROKER_URL, but a database of the tests' own, since every
    test empties it: 15 counting down, one per pytest-xdist worker (gw0, gw1, ...), skipping the
    configured broker's database."""
    parts = urlsplit(broker_url)
    configured = int(parts.path.strip("/") or "0")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    free = [db for db in range(TEST_REDIS_DB, 0, -1) if db != configured]
    if worker >= len(free):
        raise Unavailable(f"Redis has no database left for test process gw{worker}; run fewer test processes")
    return urlunsplit((parts.scheme, parts.netloc, f"/{free[worker]}", parts.query, ""))


def database_url(settings_dict):
    """A DATABASE_URL for the database the test process is connected to (pytest-django's test
    database), so the worker reads and writes the same rows."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def _die_with_parent():
    """Linux: the worker gets SIGKILL if the test process dies, so no worker outlives a crashed run."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Worker:
    """One `celery worker --pool=solo` subprocess, its output in a log file. It consumes every
    queue unless `queues` says otherwise, as the worker's own options (["-Q", "reminders"])."""

    def __init__(self, env, log_dir, name, queues=()):
        self.name = name
        self.env = env
        self.queues = list(queues)
        self.log_path = Path(log_dir) / f"{self.name}.log"
        self.process = None

    def start(self):
        celery = Path(sys.executable).with_name("celery")
        command = [str(celery)] if celery.exists() else [sys.executable, "-m", "celery"]
        command += [
            "-A",
            "iro_portal",
            "worker",
            "--pool=solo",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{self.name}@%h",
            *self.queues,
        ]
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def freeze(self):
        """SIGSTOP, and wait until the kernel shows the process stopped: it runs no further
        instruction, so what it has in flight can be inspected before deciding to kill it."""
        os.kill(self.process.pid, signal.SIGSTOP)
        stat = Path(f"/proc/{self.process.pid}/stat")
        deadline = time.monotonic() + 5
        while stat.exists() and time.monotonic() < deadline:
            if stat.read_text().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                return
            time.sleep(0.001)
        if not stat.exists():
            time.sleep(0.1)

    def thaw(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self):
        """SIGKILL: the worker gets no chance to acknowledge, reject or restore anything."""
        if self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self._reap(10)

    def stop(self, timeout=15):
        """Warm shutdown (SIGTERM: finish the current task), then SIGKILL if it does not end in time."""
        if self.alive():
            self.process.terminate()
            try:
                os.kill(self.process.pid, signal.SIGCONT)  # in case it was left frozen
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reap(10)

    def _reap(self, timeout):
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        if getattr(self, "_log", None) is not None and not self._log.closed:
            self._log.close()

    def errors(self):
        """Lines of its log that show a task failing or the worker in trouble."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if "ERROR/" in line or "CRITICAL/" in line or "Traceback" in line]

    def log_tail(self, chars=3000):
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def worker_env(
    *, database_url, broker_url, secret_key, var_dir, email_backend, email_dir=None, chunk_size=3, application_name=None
):
    """The worker's environment; `application_name` names its PostgreSQL connections (PGAPPNAME),
    so the test can see in pg_stat_activity what the worker last asked the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_", "REMINDER_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iro_portal.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
            "SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "REMINDER_SWEEP_CHUNK_SIZE": str(chunk_size),
            "REMINDER_DIGEST_DELAY_SECONDS": "0",
            "EMAIL_BACKEND": email_backend,
            "EMAIL_FILE_PATH": str(email_dir or Path(var_dir) / "emails"),
            "IRO_PORTAL_VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PGAPPNAME": application_name or "celery-worker-test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Broker:
    """The tests' Redis database, seen directly: what is queued and what is delivered but not
    yet acknowledged (kombu's Redis transport keeps those in the `unacked` hash)."""

    def __init__(self, url):
        import redis

        self.url = url
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)

    def flush(self):
        self.redis.flushdb()

    def queued(self):
        return sum(self.redis.llen(key) for key in self.redis.scan_iter() if self.redis.type(key) == b"list")

    def unacked_tasks(self, include_eta=False):
        """Task names delivered to a worker and not acknowledged: running, or lost with a killed
        worker until the visibility timeout returns them. Tasks held for a later ETA (a retry's
        countdown) are left out unless asked for."""
        names = []
        for raw in self.redis.hvals("unacked"):
            payload = json.loads(raw)[0]
            headers = payload.get("headers") or {}
            if headers.get("eta") and not include_eta:
                continue
            names.append(headers.get("task", "?"))
        return names

    def idle(self):
        return self.queued() == 0 and not self.unacked_tasks()

    def close(self):
        self.redis.close()


def wait_for(condition, timeout, interval=0.1, describe=None):
    """Poll `condition` until it returns something true; fail (AssertionError) after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = describe() if describe else ""
            raise AssertionError(
                f"timed out after {timeout} s waiting for {getattr(condition, '__name__', condition)}. {detail}"
            )
        time.sleep(interval)


def wait_until_drained(broker, workers, timeout, settle=0.5):
    """Wait until nothing is queued or running (checked twice, `settle` s apart, to step over the
    instant between a worker popping a message and recording it as unacknowledged)."""

    def drained():
        for worker in workers:
            assert worker.alive(), f"worker {worker.name} died:\n{worker.log_tail()}"
        if not broker.idle():
            return False
        time.sleep(settle)
        return broker.idle()

    wait_for(
        drained,
        timeout,
        interval=0.1,
        describe=lambda: (
            f"queued={broker.queued()} unacked={broker.unacked_tasks()}\n"
            + "\n".join(f"--- {w.name}:\n{w.log_tail()}" for w in workers)
        ),
    )
