"""Limits on what a request or an upload can make the server do: an SSDA903 file with more
columns than any 903 table is refused before any work, and the import and PDF tasks have
Celery time limits (a stopped import writes nothing and says why)."""

import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from children.models import Child
from reporting.tasks import render_report_document
from ssda903 import files as ssda903_files
from ssda903 import importer, services
from ssda903.importer import import_return
from ssda903.models import ImportStatus
from ssda903.tasks import run_import

WIDEST_TABLE = max(len(columns) for columns in ssda903_files.TABLES.values())


def header_with(count):
    return (",".join(f"C{number}" for number in range(count)) + "\n" + ",".join(["1"] * count) + "\n").encode()


def test_a_file_with_64000_columns_is_refused_at_once():
    started = time.monotonic()
    with pytest.raises(ssda903_files.FileError) as raised:
        ssda903_files.read_csv(header_with(64_000), "wide.csv")
    assert time.monotonic() - started < 1
    assert raised.value.message == (
        f"The file has 64,000 columns: an SSDA903 table has at most {WIDEST_TABLE}. "
        "Check that it is one table of the return, saved as CSV.")


def test_the_widest_table_is_still_read():
    episodes = ",".join(ssda903_files.COLUMN_ORDER["episodes"]) + "\n" + ",".join(["A1"] * WIDEST_TABLE) + "\n"
    assert ssda903_files.read_csv(episodes.encode(), "episodes.csv")[0] == "episodes"


@pytest.mark.django_db
def test_an_import_of_a_very_wide_file_lists_the_error_and_writes_nothing(manager):
    started = time.monotonic()
    result = import_return({"header.csv": header_with(64_000)}, by=manager)
    assert time.monotonic() - started < 2
    assert [(error.file, error.message) for error in result.errors] == [
        ("header.csv", f"The file has 64,000 columns: an SSDA903 table has at most {WIDEST_TABLE}. "
                       "Check that it is one table of the return, saved as CSV.")]
    assert not Child.objects.exists()


def test_the_import_and_pdf_tasks_have_time_limits_from_the_settings():
    assert (run_import.soft_time_limit, run_import.time_limit) == (
        settings.IMPORT_903_SOFT_TIME_LIMIT, settings.IMPORT_903_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE)
    assert (render_report_document.soft_time_limit, render_report_document.time_limit) == (
        settings.REPORT_PDF_SOFT_TIME_LIMIT, settings.REPORT_PDF_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE)
    assert 0 < settings.REPORT_PDF_SOFT_TIME_LIMIT and 0 < settings.IMPORT_903_SOFT_TIME_LIMIT


@pytest.mark.django_db
def test_an_import_stopped_at_its_time_limit_is_marked_failed_and_writes_nothing(manager, monkeypatch):
    from tests.test_903_pages import valid_files

    run = services.start_import({name: text.encode() for name, text in valid_files().items()}, by=manager)

    def time_is_up(**kwargs):
        assert Child.objects.exists()  # the children were being written
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(importer, "record_event", time_is_up)
    with pytest.raises(SoftTimeLimitExceeded):
        services.run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.ERROR
    assert run.failure == (f"The import was stopped after {settings.IMPORT_903_SOFT_TIME_LIMIT / 60:g} minutes "
                           "(IMPORT_903_SOFT_TIME_LIMIT): nothing was imported.")
    assert not Child.objects.exists()
