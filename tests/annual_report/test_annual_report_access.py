"""Who may see what: anonymous people, IROs, board members and managers, and every download audited."""

from django.urls import reverse

from audit.models import AuditAction, AuditEvent
from reporting.models import DocumentStatus, PublishedReport, ReportDocument, Variant
from tests.annual_report.authority import FAMILY, LAST, YEAR
from tests.annual_report.formats import (
    assert_nothing_suppressed_can_be_worked_out,
    csv_by_measure,
    fetch_pdf,
    labels,
    page_tables,
    pdf_text,
)
from tests.conftest import sign_in


def every_report_url(document_pk):
    return [
        reverse("reporting:annual_reports"),
        reverse("reporting:annual_report", args=[YEAR]),
        reverse("reporting:annual_report_csv", args=[YEAR]),
        reverse("reporting:child_friendly_report", args=[YEAR]),
        reverse("reporting:narrative", args=[YEAR]),
        reverse("reporting:other_activity", args=[YEAR]),
        reverse("reporting:comparators", args=[YEAR]),
        reverse("reporting:publish", args=[YEAR]),
        reverse("reporting:published_report", args=[YEAR, 1]),
        reverse("reporting:published_report_csv", args=[YEAR, 1]),
        reverse("reporting:published_child_friendly_report", args=[YEAR, 1]),
        reverse("reporting:published_report_pdf", args=[YEAR, 1, "board"]),
        reverse("reporting:annual_report_pdf", args=[YEAR, "board"]),
        reverse("reporting:document", args=[document_pk]),
        reverse("reporting:document_status", args=[document_pk]),
        reverse("reporting:document_download", args=[document_pk]),
        reverse("reporting:targets", args=[YEAR]),
    ]


def test_anonymous_users_are_sent_to_sign_in_and_iros_are_refused_everywhere(published, client, iro):
    urls = every_report_url(published[1].pk)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    sign_in(client, iro)
    for url in urls:
        assert client.get(url).status_code == 403, url
    for url in urls[4:8] + [reverse("reporting:annual_report_pdf", args=[YEAR, "internal"])]:
        assert client.post(url, {}).status_code == 403, url
    assert not ReportDocument.objects.exclude(pk=published[1].pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_board_members_read_only_published_suppressed_reports_without_children_s_details(
    published, report, client, board_member, eager, django_capture_on_commit_callbacks
):
    version, placeholder = published
    placeholder.delete()
    names = labels()
    sign_in(client, board_member)
    for url in [
        reverse("reporting:narrative", args=[YEAR]),
        reverse("reporting:other_activity", args=[YEAR]),
        reverse("reporting:comparators", args=[YEAR]),
        reverse("reporting:targets", args=[YEAR]),
        reverse("reporting:publish", args=[YEAR]),
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "version": 1}).status_code == 403, url
    assert client.post(reverse("reporting:annual_report_pdf", args=[YEAR, "board"])).status_code == 403
    assert PublishedReport.objects.count() == 1 and not ReportDocument.objects.exists()
    # Nothing published for 2024; no internal variant; no version 2 yet.
    for url in [
        reverse("reporting:annual_report", args=[YEAR - 1]),
        reverse("reporting:annual_report_csv", args=[YEAR - 1]),
        reverse("reporting:published_report", args=[YEAR, 2]),
        reverse("reporting:published_report_pdf", args=[YEAR, 1, "internal"]),
        reverse("reporting:annual_report_pdf", args=[YEAR, "internal"]),
    ]:
        assert client.get(url).status_code == 404, url
    # The list shows only the published year.
    listing = client.get(reverse("reporting:annual_reports")).content.decode()
    assert reverse("reporting:published_report", args=[YEAR, 1]) in listing
    assert LAST not in listing

    pages = {
        "latest": client.get(reverse("reporting:annual_report", args=[YEAR])),
        "version": client.get(reverse("reporting:published_report", args=[YEAR, 1])),
        "internal asked for": client.get(reverse("reporting:published_report", args=[YEAR, 1]) + "?variant=internal"),
        "children": client.get(reverse("reporting:published_child_friendly_report", args=[YEAR, 1])),
        "csv": client.get(reverse("reporting:published_report_csv", args=[YEAR, 1]) + "?variant=internal"),
    }
    for name in ("latest", "version", "internal asked for"):
        tables = page_tables(pages[name])
        assert tables.row("children-sex", "Female") == ["c", "c", "c", "c"], name
        assert tables.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"], name
        assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["6", "c"], name
        assert tables.row("cp-conferences", names["cp.icpc.percent_in_timescale"]) == ["c", "not available"], name
    rows = csv_by_measure(pages["csv"])
    assert rows[names["children.sex.F"]][3:5] == ["c", "c"] and rows[names["children.at_end"]][3:5] == ["11", "10"]
    assert_nothing_suppressed_can_be_worked_out(rows)

    pdf_content = fetch_pdf(
        client, reverse("reporting:published_report_pdf", args=[YEAR, 1, "board"]), django_capture_on_commit_callbacks
    )
    _, text = pdf_text(pdf_content)
    assert "Looked after at the end of the year (31 March) 11 10" in text
    assert "PN1: attends and speaks for self 6 c" in text
    assert "Female c c c c" in text
    assert "Initial child protection conferences held c 0" in text
    assert "Corporate Parenting Board" in text

    secrets = [
        FAMILY,
        "QZ80",
        "QZ900",
        "Ullarina",
        "Larkinetta",
        "Wrenolia",
        "Catorius",
        "Pimbertus",
        "Nellisande",
        "Bulkina",
    ]
    for name, response in pages.items():
        body = response.content.decode()
        assert not [secret for secret in secrets if secret in body], name
    assert not [secret for secret in secrets if secret in text]

    # Documents that are not a published board (or children's) version are not theirs to see.
    for other in [
        ReportDocument.objects.create(report=report, variant=Variant.BOARD, requested_by=board_member),
        ReportDocument.objects.create(
            report=report,
            published=version,
            variant=Variant.INTERNAL,
            requested_by=board_member,
            status=DocumentStatus.READY,
            progress=100,
            content=b"%PDF-1.7 internal",
        ),
    ]:
        for name in ("document", "document_status", "document_download"):
            assert client.get(reverse(f"reporting:{name}", args=[other.pk])).status_code == 404, (name, other)

    exports = list(AuditEvent.objects.filter(action=AuditAction.EXPORT, user=board_member).order_by("pk"))
    assert [(event.detail["variant"], event.detail["format"], event.detail["version"]) for event in exports] == [
        ("board", "html", 1),
        ("board", "html", 1),
        ("board", "html", 1),
        ("child_friendly", "html", 1),
        ("board", "csv", 1),
        ("board", "pdf", 1),
    ]
    assert all(event.object_type == "reporting.annualreport" and event.detail["year"] == YEAR for event in exports)


def test_managers_reach_everything_and_every_download_is_audited(published, report, client, manager):
    version, document = published
    sign_in(client, manager)
    urls = every_report_url(document.pk)[:11] + [
        reverse("reporting:annual_report", args=[YEAR]) + "?variant=board",
        reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board",
        reverse("reporting:published_report_csv", args=[YEAR, 1]) + "?variant=internal",
        reverse("reporting:annual_report", args=[YEAR - 1]),  # never published: managers see the draft
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT).order_by("pk")
    assert [
        (e.user_id, e.detail["year"], e.detail["variant"], e.detail["format"], e.detail["version"]) for e in events
    ] == [
        (manager.pk, YEAR, "internal", "html", "draft"),
        (manager.pk, YEAR, "internal", "csv", "draft"),
        (manager.pk, YEAR, "child_friendly", "html", "draft"),
        (manager.pk, YEAR, "internal", "html", 1),
        (manager.pk, YEAR, "internal", "csv", 1),
        (manager.pk, YEAR, "child_friendly", "html", 1),
        (manager.pk, YEAR, "board", "html", "draft"),
        (manager.pk, YEAR, "board", "csv", "draft"),
        (manager.pk, YEAR, "internal", "csv", 1),
        (manager.pk, YEAR - 1, "internal", "html", "draft"),
    ]
