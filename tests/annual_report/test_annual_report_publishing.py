"""Publishing freezes the report: a published version keeps its figures in HTML, CSV and PDF, and
a new version needs a reason."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from reporting import services
from reporting.models import DocumentStatus, PublishedReport, ReportDocument, Variant
from tests.annual_report.authority import LAST, ON, PLAN, THIS, YEAR, add_child_in_care_with_a_review
from tests.annual_report.formats import csv_by_measure, fetch_pdf, labels, page_tables, pdf_text
from tests.conftest import sign_in


def test_a_published_version_is_frozen_in_html_csv_and_pdf(
    authority, report, client, manager, eager, monkeypatch, django_capture_on_commit_callbacks
):
    names = labels()
    services.update_narrative(
        report,
        by=manager,
        action_plan=PLAN[:1],
        expected_version=report.version,
        fields={"introduction": "Hello.", "achievements": "We did well.", "areas_for_development": "Timeliness."},
    )
    version_1 = services.publish(report, by=manager, confirmed=True)
    assert version_1.number == 1
    add_child_in_care_with_a_review()
    services.save_comparators(YEAR, by=manager, figures={"lac.percent_in_timescale": {"england": Decimal("50.5")}})

    draft = services.draft(report, ON).figures
    assert (
        draft["children.at_end"].this_year,
        draft["lac.held"].this_year,
        draft["lac.participation.PN1"].this_year,
        draft["lac.percent_in_timescale"].england,
    ) == (12, 11, 7, Decimal("50.5"))

    sign_in(client, manager)
    v1 = page_tables(client.get(reverse("reporting:published_report", args=[YEAR, 1])))
    assert v1.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    assert v1.row("lac-timeliness", "LAC reviews held") == ["10", "9", "", ""]
    assert v1.row("lac-timeliness", "Held in timescale (%)") == ["90%", "89%", "85.5%", "88.5%"]
    live = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    assert live.row("children-numbers", names["children.at_end"])[:2] == ["12", "10"]
    assert live.row("lac-timeliness", "Held in timescale (%)") == ["91%", "89%", "", "50.5%"]  # 10 of 11
    v1_csv = csv_by_measure(client.get(reverse("reporting:published_report_csv", args=[YEAR, 1])))
    assert v1_csv[names["children.at_end"]][3:5] == ["11", "10"]
    assert v1_csv[names["lac.participation.PN1"]][3:5] == ["6", "4"]
    assert v1_csv["Held in timescale (%)"][3:7] == ["90", "89", "85.5", "88.5"]

    # The PDF, made only now, has the figures as published, page numbers and a contents list.
    pdf_url = reverse("reporting:published_report_pdf", args=[YEAR, 1, "internal"])
    first = fetch_pdf(client, pdf_url, django_capture_on_commit_callbacks)
    pages, text = pdf_text(first)
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        if number > 1:
            assert f"{settings.AUTHORITY_NAME}: annual IRO report" in page
    contents = re.findall(
        r"(Key highlights|Introduction|Service profile|Children looked after|Looked-after children's reviews"
        r"|Oversight between reviews|Escalations \(the dispute resolution process\)|Child protection"
        r"|Outcomes for children in care and care leavers|Other activity|Achievements this year|Areas for development|Priorities and action plan)"
        r" ?\.{3,}\s*(\d+)",
        pages[0],
    )
    assert [title for title, _ in contents] == [
        "Key highlights",
        "Introduction",
        "Service profile",
        "Children looked after",
        "Looked-after children's reviews",
        "Oversight between reviews",
        "Escalations (the dispute resolution process)",
        "Child protection",
        "Outcomes for children in care and care leavers",
        "Other activity",
        "Achievements this year",
        "Areas for development",
        "Priorities and action plan",
    ], pages[0]
    numbers = [int(number) for _, number in contents]
    assert numbers == sorted(numbers) and 1 < numbers[0] and numbers[-1] <= len(pages)
    for title, number in contents:  # each entry gives the page its section starts on
        assert title in pages[int(number) - 1], (title, number)
    for line in [
        f"Annual report of the Independent Reviewing Officer service, {THIS}",
        "Published version 1",
        f"Measure {THIS} {LAST}",
        "Looked after at the end of the year (31 March) 11 10",
        "Started to be looked after 2 1",
        "Looked after per 10,000 children at the end of the year 5.5 6.7 72.4 71",
        "LAC reviews held 10 9",
        "Held in timescale (%) 90% 89% 85.5% 88.5%",
        "PN1: attends and speaks for self 6 4",
        "Initial child protection conferences held 1 0",
        "Initial child protection conferences in timescale (%) 100% not available",
        "Escalations raised 1 0",
        "Children matched with an Independent Visitor 3 7",
        "Foster carer reviews held in time (%) 90% 80%",
    ]:
        assert line in text, line
    assert "Female 10 91% 9 90%" in text
    # Asked again: the stored PDF, not a second one.
    monkeypatch.setattr(
        "reporting.services.render_document",
        lambda *args, **kwargs: pytest.fail("a published version's PDF is made only once"),
    )
    second = fetch_pdf(client, pdf_url, django_capture_on_commit_callbacks, expect_render=False)
    assert second == first
    assert ReportDocument.objects.filter(published=version_1).count() == 1


def test_a_new_version_needs_a_reason_and_the_earlier_one_stays(
    authority, report, client, manager, django_capture_on_commit_callbacks
):
    names = labels()
    version_1 = services.publish(report, by=manager, confirmed=True)
    stored = b"%PDF-1.7 version 1 as it was made"
    ReportDocument.objects.create(
        report=report,
        published=version_1,
        variant=Variant.BOARD,
        requested_by=manager,
        status=DocumentStatus.READY,
        progress=100,
        content=stored,
    )
    add_child_in_care_with_a_review()
    sign_in(client, manager)

    response = client.post(
        reverse("reporting:publish", args=[YEAR]), {"reason": "  ", "confirmed": "on", "version": report.version}
    )
    assert response.status_code == 400
    assert "Enter the reason for publishing a new version, for example what was corrected." in response.content.decode()
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.publish(report, by=manager, reason="", confirmed=True)
    assert list(PublishedReport.objects.values_list("number", flat=True)) == [1]

    response = client.post(
        reverse("reporting:publish", args=[YEAR]),
        {"reason": "A review was recorded late.", "confirmed": "on", "version": report.version},
    )
    assert response.status_code == 302 and response.url == reverse("reporting:published_report", args=[YEAR, 2])
    version_2 = PublishedReport.objects.get(report=report, number=2)
    assert (version_2.reason, version_2.published_by) == ("A review was recorded late.", manager)
    v2 = page_tables(client.get(response.url))
    assert v2.row("children-numbers", names["children.at_end"])[:2] == ["12", "10"]
    assert v2.row("lac-timeliness", "LAC reviews held")[:2] == ["11", "9"]
    assert "Reason for this version: A review was recorded late." in client.get(response.url).content.decode()
    # Version 1 is still there, unchanged, with its PDF; the board now reads version 2.
    v1 = page_tables(client.get(reverse("reporting:published_report", args=[YEAR, 1])))
    assert v1.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    assert v1.row("lac-timeliness", "LAC reviews held")[:2] == ["10", "9"]
    response = fetch_pdf(
        client,
        reverse("reporting:published_report_pdf", args=[YEAR, 1, "board"]),
        django_capture_on_commit_callbacks,
        expect_render=False,
    )
    assert response == stored
    listing = client.get(reverse("reporting:annual_reports")).content.decode()
    assert "Version 2 (A review was recorded late.)" in listing and "Version 1:" in listing
