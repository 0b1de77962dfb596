"""The checks behind /healthz. The database decides whether this instance can serve pages; the
Celery broker only carries background work (reminders, PDFs, imports), so it is reported but never
fails the check. Every check answers within a second or two so that a monitor's own timeout is not
reached, and what it returns names no host, user or error text: the endpoint is public."""

import logging
import os
import time
from urllib.parse import urlsplit

import redis
from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection
from kombu import Connection
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 1.0
REDIS_SCHEMES = {"redis", "rediss", "unix"}


def _elapsed_ms(started):
    return round((time.monotonic() - started) * 1000, 1)


def check_database():
    """Run a trivial query on the database the pages use."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError) as error:
        logger.warning("Health check: the database did not answer: %s", error)
        return {"ok": False, "vendor": connection.vendor, "error": "unavailable"}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _elapsed_ms(started)}


def _ping_redis(url):
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
        retry_on_timeout=False,
        retry=Retry(NoBackoff(), 0),  # redis-py retries 3 times by default: answer at once
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_filesystem_folders():
    """The filesystem broker is folders under var/ shared by the web app and the worker."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    folders = {options[key] for key in ("data_folder_in", "data_folder_out", "control_folder") if key in options}
    for folder in folders:
        if not (os.path.isdir(folder) and os.access(folder, os.R_OK | os.W_OK | os.X_OK)):
            raise OSError("a broker folder is missing or not writable")


def _connect_kombu(url):
    with Connection(url, connect_timeout=BROKER_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)


def check_broker(url=None):
    """Whether the Celery broker (CELERY_BROKER_URL) can be reached now."""
    url = url if url is not None else settings.CELERY_BROKER_URL
    transport = urlsplit(url).scheme or "unknown"
    started = time.monotonic()
    try:
        if transport in REDIS_SCHEMES:
            _ping_redis(url)
        elif transport == "filesystem":
            _check_filesystem_folders()
        else:
            _connect_kombu(url)
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"; the web tier carries on.
        logger.warning("Health check: the Celery broker (%s) is unreachable: %s", transport, error)
        timed_out = isinstance(error, (TimeoutError, redis.TimeoutError))
        return {"reachable": False, "transport": transport, "error": "timed out" if timed_out else "unreachable"}
    return {"reachable": True, "transport": transport, "latency_ms": _elapsed_ms(started)}


def health():
    """The /healthz report and whether this instance is healthy (its database answers)."""
    database = check_database()
    broker = check_broker()
    healthy = database["ok"]
    return {"status": "ok" if healthy else "error", "database": database, "broker": broker}, healthy
