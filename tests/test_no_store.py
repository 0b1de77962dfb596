"""No response the application makes is kept by a browser or a proxy cache: pages, the API, CSV,
PDF and ZIP downloads all say `Cache-Control: no-store`, so a child's record cannot be read back
from a shared computer's cache after sign-out. Static files stay cacheable."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from reporting.models import AnnualReport, DocumentStatus, ReportDocument, Variant
from reporting.word import WORD_CONTENT_TYPE
from tests.api_helpers import api_client
from tests.conftest import sign_in
from tests.factories import complete_outcome_records


def assert_not_stored(response, content_type=None):
    assert response.status_code in (200, 302), response.status_code
    if content_type:
        assert response["Content-Type"].startswith(content_type)
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= directives, response["Cache-Control"]


@pytest.mark.django_db
def test_pages_a_signed_in_person_sees(client, manager, looked_after_child):
    sign_in(client, manager)
    for url in (
        reverse("children:list"),
        reverse("children:detail", args=[looked_after_child.pk]),
        reverse("reporting:dashboard"),
        reverse("audit:list"),
    ):
        assert_not_stored(client.get(url), "text/html")


@pytest.mark.django_db
def test_the_way_to_sign_in_from_a_page_that_needs_it(client):
    assert_not_stored(client.get(reverse("children:list")))


@pytest.mark.django_db
def test_the_api(iro, looked_after_child):
    client = api_client(iro)
    assert_not_stored(client.get("/api/v1/children/"), "application/json")
    assert_not_stored(client.get(f"/api/v1/children/{looked_after_child.pk}/"), "application/json")


@pytest.mark.django_db
def test_csv_downloads(client, manager):
    sign_in(client, manager)
    assert_not_stored(client.get(reverse("audit:export")), "text/csv")
    assert_not_stored(client.get(reverse("reporting:annual_report_csv", args=[2025])), "text/csv")
    assert_not_stored(client.get(reverse("reporting:annual_report_docx", args=[2025])), WORD_CONTENT_TYPE)


@pytest.mark.django_db
def test_the_ssda903_zip(client, manager, looked_after_child):
    complete_outcome_records(2024)
    sign_in(client, manager)
    response = client.get(reverse("ssda903:export"), {"year": 2024, "queries_seen": "1"})
    assert_not_stored(response, "application/zip")


@pytest.mark.django_db
def test_a_report_pdf(client, manager):
    report = AnnualReport.objects.create(year=2025)
    document = ReportDocument.objects.create(
        report=report,
        variant=Variant.INTERNAL,
        requested_by=manager,
        status=DocumentStatus.READY,
        progress=100,
        content=b"%PDF-1.7\n",
        finished_at=timezone.now(),
    )
    sign_in(client, manager)
    assert_not_stored(client.get(reverse("reporting:document_download", args=[document.pk])), "application/pdf")


@pytest.mark.django_db
def test_static_files_stay_cacheable(client):
    assert finders.find("js/enable-js.js")
    response = client.get("/static/js/enable-js.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
