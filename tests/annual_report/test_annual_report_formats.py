"""The annual report's formats: each figure in its row of the HTML page and the CSV, and a draft
PDF queued for the worker."""

from django.urls import reverse

from reporting import services
from reporting.models import DocumentStatus, ReportDocument, Variant
from tests.annual_report.authority import KNOWN, LAST, ON, THIS, YEAR
from tests.annual_report.formats import csv_by_measure, csv_value, keys_in_tables, labels, layout, page_tables, shown
from tests.conftest import sign_in

LIST_ROWS = [  # (table id, figure key) of rows in simple tables
    ("children-numbers", "children.at_start"),
    ("children-numbers", "children.at_end"),
    ("children-numbers", "children.during"),
    ("children-numbers", "children.started"),
    ("children-numbers", "children.ceased"),
    ("lac-timeliness", "lac.held"),
    ("lac-timeliness", "lac.in_timescale"),
    ("lac-timeliness", "lac.late"),
    ("lac-participation-rate", "lac.participated"),
    ("lac-participation-rate", "lac.participation_counted"),
    ("cp-conferences", "cp.icpc.held"),
    ("cp-plans", "cp.plans_started"),
    ("escalations-numbers", "escalations.raised"),
    ("escalations-numbers", "escalations.resolved_in_time"),
    ("other-activity", "other.fostering_reviews_held"),
    ("other-activity", "other.independent_visitor_matches"),
    ("other-activity", "other.complaints_stage_3"),
]
PERCENT_ROWS = [
    ("lac-participation-rate", "lac.participation_rate"),
    ("cp-conferences", "cp.icpc.percent_in_timescale"),
    ("other-activity", "other.percent_fostering_in_time"),
]
BREAKDOWN_ROWS = [  # (table id, row label, figure key): one column per year
    ("lac-participation", "PN1: attends and speaks for self", "lac.participation.PN1"),
    ("lac-participation", "PN0: child under 4 at the time of the review", "lac.participation.PN0"),
    ("lac-participation", "PN7: does not attend and views not conveyed", "lac.participation.PN7"),
    ("lac-participation", "All LAC reviews held", "lac.participation.total"),
    ("lac-late-reason", "IRO unavailable", "lac.late_reason.iro_unavailable"),
    ("oversight-kind", "All oversight records", "oversight.kind.total"),
    ("escalations-resolved-stage", "All resolved", "escalations.resolved_stage.total"),
]


def test_the_html_page_shows_each_figure_in_its_row_with_last_years_beside_it(authority, report, client, manager):
    names = labels()
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])))
    for table_id, key in LIST_ROWS:
        assert tables.row(table_id, names[key])[:2] == [shown(value) for value in KNOWN[key]], key
    for table_id, key in PERCENT_ROWS:
        assert tables.row(table_id, names[key])[:2] == [shown(value, "percent") for value in KNOWN[key]], key
    for table_id, label, key in BREAKDOWN_ROWS:
        assert tables.row(table_id, label) == [shown(value) for value in KNOWN[key]], key
    # A grid with percentages: number and percentage this year, then last year.
    assert tables.row("children-age", "10 to 15") == ["8", "73%", "8", "80%"]
    assert tables.row("children-age", "1 to 4") == ["1", "9%", "0", "0%"]
    assert tables.row("children-age", "All ages") == ["11", "", "10", ""]
    assert tables.row("children-sex", "Female") == ["10", "91%", "9", "90%"]
    # The ethnicity grid: All, Not UASC, UASC and the percentage of all for each year.
    assert tables.row("children-ethnicity", "Black or Black British") == ["1", "0", "1", "9%", "0", "0", "0", "0%"]
    # Comparators beside this year's and last year's figures, where entered.
    assert tables.row("lac-timeliness", "Held in timescale (%)") == ["90%", "89%", "85.5%", "88.5%"]
    assert tables.row("children-numbers", names["children.rate_per_10000"]) == ["5.5", "6.7", "72.4", "71"]
    assert tables.row("lac-timeliness", "LAC reviews held") == ["10", "9", "", ""]
    # The headers say which year is which.
    assert tables.by_id["lac-timeliness"][0] == ["Measure", THIS, LAST, "Statistical neighbours", "England"]


def test_the_csv_has_one_row_per_measure_with_section_both_years_and_comparators(authority, report, client, manager):
    names = labels()
    figures = services.draft(report, ON).figures
    rows = csv_by_measure(sign_in(client, manager).get(reverse("reporting:annual_report_csv", args=[YEAR])))
    section_of: dict[str, str] = {}
    for section in layout()[0]:
        for table in section.tables:
            for cells in table.cells.values():
                for key in cells.values():
                    section_of.setdefault(key, section.title)  # a figure shown twice: its first section
    for key, (this_year, last_year) in KNOWN.items():
        if key not in keys_in_tables():
            continue  # oversight.records: shown as the total of the records by kind
        section, _, unit, got_this, got_last = rows[names[key]][:5]
        assert (section, unit, got_this, got_last) == (
            section_of[key],
            figures[key].kind,
            csv_value(this_year),
            csv_value(last_year),
        ), key
    assert rows[names["children.at_end"]][:5] == [
        "Children looked after",
        names["children.at_end"],
        "count",
        "11",
        "10",
    ]
    assert rows[names["lac.held"]][0] == "Looked-after children's reviews"
    assert rows[names["cp.icpc.held"]][0] == "Child protection"
    assert rows["Held in timescale (%)"][3:-1] == ["90", "89", "85.5", "88.5", "", ""]
    assert rows[names["children.rate_per_10000"]][3:-1] == ["5.5", "6.7", "72.4", "71", "", ""]
    assert rows[names["lac.held"]][5:-1] == ["", "", "", ""]
    assert rows["Oversight records: all oversight records"][3:5] == ["7", "3"]
    assert set(rows) == {names[key] for key in keys_in_tables()}, "every figure shown in a table is in the CSV"


def test_a_draft_pdf_is_queued_for_the_worker_when_the_request_commits(
    authority, client, manager, django_capture_on_commit_callbacks
):
    """Posting "Make a PDF of this draft" stores a queued document and sends the task only on
    commit (the task itself is run in the tests below: in the test process, and by a real worker)."""
    sign_in(client, manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reporting:annual_report_pdf", args=[YEAR, "board"]))
    document = ReportDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("reporting:document", args=[document.pk])
    assert (document.status, document.progress, document.published, document.variant, document.requested_by) == (
        DocumentStatus.QUEUED,
        0,
        None,
        Variant.BOARD,
        manager,
    )
    assert len(callbacks) == 1
    status = client.get(reverse("reporting:document_status", args=[document.pk])).json()
    assert status == {"status": "queued", "status_label": "Waiting to start", "progress": 0, "download_url": None}
    page = client.get(reverse("reporting:document", args=[document.pk])).content.decode()
    assert "The PDF is being prepared: 0% done." in page
    # Not ready yet: the download sends the user back to the progress page.
    download = client.get(reverse("reporting:document_download", args=[document.pk]))
    assert download.status_code == 302 and download.url == reverse("reporting:document", args=[document.pk])
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(reverse("reporting:annual_report_pdf", args=[YEAR, "landscape"])).status_code == 404
    assert ReportDocument.objects.count() == 1
