"""Limits on what a request or an upload can make the server do: an SSDA903 file with more
columns than any 903 table is refused before any work, and the import and PDF tasks have
Celery time limits (a stopped import writes nothing and says why)."""

import json
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
from tests.api_helpers import api_client, assert_error_shape

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
        "Check that it is one table of the return, saved as CSV."
    )


def test_the_widest_table_is_still_read():
    episodes = ",".join(ssda903_files.COLUMN_ORDER["episodes"]) + "\n" + ",".join(["A1"] * WIDEST_TABLE) + "\n"
    assert ssda903_files.read_csv(episodes.encode(), "episodes.csv")[0] == "episodes"


def test_a_table_with_a_column_too_many_is_told_which():
    episodes = ",".join([*ssda903_files.COLUMN_ORDER["episodes"], "NOTES"]) + "\n" + ",".join(["A1"] * 14) + "\n"
    with pytest.raises(ssda903_files.FileError) as raised:
        ssda903_files.read_csv(episodes.encode(), "episodes.csv")
    assert raised.value.column == "NOTES"
    assert raised.value.message.endswith(
        "closest is Episodes (CHILD, DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, "
        "REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN): unexpected column NOTES."
    )


@pytest.mark.django_db
def test_an_import_of_a_very_wide_file_lists_the_error_and_writes_nothing(manager):
    started = time.monotonic()
    result = import_return({"header.csv": header_with(64_000)}, by=manager)
    assert time.monotonic() - started < 2
    assert [(error.file, error.message) for error in result.errors] == [
        (
            "header.csv",
            f"The file has 64,000 columns: an SSDA903 table has at most {WIDEST_TABLE}. "
            "Check that it is one table of the return, saved as CSV.",
        )
    ]
    assert not Child.objects.exists()


def test_the_import_and_pdf_tasks_have_time_limits_from_the_settings():
    assert (run_import.soft_time_limit, run_import.time_limit) == (
        settings.IMPORT_903_SOFT_TIME_LIMIT,
        settings.IMPORT_903_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
    )
    assert (render_report_document.soft_time_limit, render_report_document.time_limit) == (
        settings.REPORT_PDF_SOFT_TIME_LIMIT,
        settings.REPORT_PDF_SOFT_TIME_LIMIT + settings.TASK_TIME_LIMIT_GRACE,
    )
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
    assert run.failure == (
        f"The import was stopped after {settings.IMPORT_903_SOFT_TIME_LIMIT / 60:g} minutes "
        "(IMPORT_903_SOFT_TIME_LIMIT): nothing was imported."
    )
    assert not Child.objects.exists()


def post_json(user, body):
    return api_client(user).generic("POST", "/api/v1/children/", body, content_type="application/json")


@pytest.mark.django_db
def test_an_api_body_larger_than_a_form_post_may_be_is_refused(manager):
    body = json.dumps({"local_child_id": "BIG1", "given_name": "x" * (20 * 1024 * 1024)})
    response = post_json(manager, body)
    body = assert_error_shape(response, 400)
    assert body["detail"] == (
        f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes, the most the API accepts."
    )
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_an_api_body_nested_100000_deep_is_a_400_not_a_500(manager):
    response = post_json(manager, "[" * 100_000 + "]" * 100_000)
    body = assert_error_shape(response, 400)
    assert body["detail"] == "JSON parse error - the data is nested too deeply."
    assert not Child.objects.exists()


@pytest.mark.django_db
def test_an_api_body_within_the_limit_is_read_as_before(manager):
    response = post_json(
        manager,
        json.dumps(
            {
                "local_child_id": "A1",
                "given_name": "Nico",
                "family_name": "New",
                "date_of_birth": "2016-04-02",
                "sex": "M",
                "ethnicity": "BAFR",
            }
        ),
    )
    assert response.status_code == 201, response.content
    assert Child.objects.get().local_child_id == "A1"


@pytest.mark.django_db
def test_the_time_limit_is_not_mistaken_for_a_failure_to_save_progress(manager, monkeypatch):
    run = services.start_import({"header.csv": b"CHILD\n"}, by=manager)
    writer = services._ProgressWriter(run)

    def time_is_up(percent, stage):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(writer, "_save", time_is_up)
    with pytest.raises(SoftTimeLimitExceeded):
        writer(1, 2, "writing")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/api/v1/oversight-records/", "/api/v1/reviews/", "/api/v1/escalations/", "/api/v1/care-episodes/"],
)
@pytest.mark.parametrize("child", ["1.3e41", "99999999999999999999", "2.5"])
def test_a_child_id_no_database_key_can_hold_is_a_400_not_a_500(manager, url, child):
    response = api_client(manager).get(url, {"child": child})
    body = assert_error_shape(response, 400)
    assert "child" in body["errors"]
