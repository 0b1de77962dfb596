"""A real Celery worker makes the PDF a manager asks for."""

import os
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils.text import slugify

from reporting import services
from reporting.models import DocumentStatus, Variant
from tests.annual_report.authority import YEAR, build_authority
from tests.annual_report.formats import pdf_text
from tests.celery_worker import (
    REQUIRE_ENV,
    Broker,
    Unavailable,
    Worker,
    check_environment,
    database_url,
    wait_for,
    worker_env,
)
from tests.conftest import sign_in


def _worker_reason():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "the Celery worker test needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return f"the Celery worker test needs a Redis broker (CELERY_BROKER_URL=redis://...), not {settings.CELERY_BROKER_URL!r}"
    return None


@pytest.fixture
def worker(transactional_db, tmp_path, monkeypatch, settings):
    """One real worker (as tests/test_reminder_worker.py starts them) against the test database
    and the tests' own Redis database, stopped at teardown."""
    from iro_portal.celery import app

    try:
        broker_url = check_environment(connection.settings_dict, settings.CELERY_BROKER_URL)
    except Unavailable as reason:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this is an error)", pytrace=False)
        pytest.skip(str(reason))

    def forget_connections():
        """Drop the producer pools of the previous broker URL (as test_reminder_worker does)."""
        app._pool = None
        amqp = app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None

    broker = Broker(broker_url)
    broker.flush()
    for name in ("CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    # The app reads its CELERY_* settings from Django's settings, so these (not app.conf) count.
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    forget_connections()
    assert app.conf.broker_write_url == broker_url, "the test must publish to its own Redis database"
    (tmp_path / "var").mkdir()
    name = f"report-{uuid.uuid4().hex[:8]}"
    env = worker_env(
        database_url=database_url(connection.settings_dict),
        broker_url=broker_url,
        secret_key=settings.SECRET_KEY,
        var_dir=tmp_path / "var",
        email_backend="django.core.mail.backends.locmem.EmailBackend",
        application_name=name,
    )
    process = Worker(env, tmp_path, name).start()
    try:
        yield process
    finally:
        try:
            process.stop()
        finally:
            monkeypatch.undo()
            forget_connections()
            broker.flush()
            broker.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(_worker_reason() is not None and os.environ.get(REQUIRE_ENV) != "1", reason=str(_worker_reason()))
def test_a_worker_makes_the_requested_pdf_and_the_status_endpoint_reports_it(worker, client, manager):
    process = worker
    build_authority()  # committed: the worker sees it
    report = services.report_for_year(YEAR)
    document = services.request_document(report, variant=Variant.BOARD, by=manager)
    assert document.status == DocumentStatus.QUEUED

    def ready():
        assert process.alive(), process.log_tail()
        document.refresh_from_db()
        assert document.status != DocumentStatus.FAILED, document.error
        return document.status == DocumentStatus.READY

    wait_for(ready, 90, interval=0.2, describe=process.log_tail)
    assert not process.errors(), process.log_tail()
    sign_in(client, manager)
    status = client.get(reverse("reporting:document_status", args=[document.pk])).json()
    download_url = reverse("reporting:document_download", args=[document.pk])
    assert status == {"status": "ready", "status_label": "Ready", "progress": 100, "download_url": download_url}
    response = client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        f'filename="{slugify(settings.AUTHORITY_NAME)}-annual-iro-report-2025-draft-board.pdf"'
        in response["Content-Disposition"]
    )
    _, text = pdf_text(response.content)
    assert "Looked after at the end of the year (31 March) 11 10" in text
    assert "Female c c c c" in text
