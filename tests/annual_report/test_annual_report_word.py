"""The annual report's Word copy, for committee papers: the same headings, figures and board
suppression as the page and the CSV, in Word's own headings, tables and described pictures, under
the CSV's access rules and audited as a download."""

import io

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from audit.models import AuditAction, AuditEvent
from reporting import services
from reporting.word import WORD_CONTENT_TYPE
from tests.annual_report.authority import FAMILY, LAST, PLAN, THIS, YEAR
from tests.annual_report.formats import csv_by_measure, labels, layout
from tests.conftest import sign_in

NARRATIVE = {
    "introduction": "The IRO service had a **busy** year.\n\n## Staffing\n\n- Two IROs joined\n- One left",
    "achievements": "1. More children chaired their reviews\n2. Fewer late reviews\n\nAnd *more*:\n\n1. Again from one",
    "areas_for_development": "",
}


def word(response, filename):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == WORD_CONTENT_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    return Document(io.BytesIO(response.content))


def headings(document):
    return [
        (int(paragraph.style.name.removeprefix("Heading ")), paragraph.text)
        for paragraph in document.paragraphs
        if paragraph.style.name.startswith("Heading ")
    ]


def caption_of(table):
    return table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))


def rows_of(table):
    return [[cell.text for cell in row.cells] for row in table.rows]


def repeated_header_rows(table):
    return sum(1 for row in table.rows if row._tr.trPr is not None and row._tr.trPr.find(qn("w:tblHeader")) is not None)


def as_in_csv(text):
    """A cell as the CSV writes the same figure: no thousands commas or per cent sign, and
    empty where the page says "not available"."""
    return "" if text == "not available" else text.replace(",", "").removesuffix("%")


def assert_every_figure_as_in_the_csv(document, csv_rows):
    sections, names = layout()
    report_tables = [table for section in sections for table in section.tables]
    word_tables = [
        table
        for table in document.tables
        if caption_of(table) not in (f"Priorities for {THIS} and beyond", "Key figures, with the year before")
    ]
    assert [caption_of(table) for table in word_tables] == [table.caption for table in report_tables]
    compared = 0
    for layout_table, word_table in zip(report_tables, word_tables):
        assert repeated_header_rows(word_table) == 1, layout_table.key
        body = rows_of(word_table)[1:]
        assert [row[0] for row in body] == [label for _, label in layout_table.rows], layout_table.key
        width = len(layout_table.columns)
        for (row_key, _), row in zip(layout_table.rows, body):
            for position, (column, _) in enumerate(layout_table.columns):
                key = layout_table.cells.get(row_key, {}).get(column)
                if key is None:
                    assert row[1 + position] == row[1 + width + position] == ""
                    continue
                csv_row = csv_rows[names[key]]
                shown = [row[1 + position], row[1 + width + position], *row[1 + 2 * width :]]
                assert [as_in_csv(text) for text in shown] == csv_row[3 : 3 + len(shown)], (names[key], row)
                compared += 1
    assert compared > 100


@pytest.fixture
def narrated(authority, report, manager):
    return services.update_narrative(
        report, by=manager, fields=NARRATIVE, action_plan=PLAN, expected_version=report.version
    )


def test_the_draft_has_the_pages_headings_as_word_headings_and_its_properties(narrated, client, manager):
    document = word(
        sign_in(client, manager).get(reverse("reporting:annual_report_docx", args=[YEAR])),
        f"demo-city-council-annual-iro-report-{YEAR}-draft.docx",
    )
    sections = [section.title for section in layout()[0]]
    assert headings(document) == [
        (1, f"Annual report of the Independent Reviewing Officer service, {THIS}"),
        (2, "Key highlights"),
        (2, "Introduction"),
        (3, "Staffing"),
        *[(2, title) for title in sections],
        (2, "Achievements this year"),
        (2, "Areas for development"),
        (2, "Priorities and action plan"),
    ]
    properties = document.core_properties
    assert properties.title == f"Draft annual IRO report {THIS}, Demo City Council"
    assert properties.language == "en-GB" and properties.author == "Demo City Council"
    text = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    assert ("Subtitle", "Demo City Council") in text
    assert ("Normal", "Not written yet.") in text  # areas for development, as the draft page says
    # The key highlights: the sentences as the page drafts them, and their figures in a table.
    assert ("List Bullet", "90% of children's LAC reviews were held in timescale, up from 89% the year before.") in text
    key_figures = next(table for table in document.tables if caption_of(table) == "Key figures, with the year before")
    assert ["LAC reviews in timescale", "90%", "89%", "Up", "None set", ""] in rows_of(key_figures)
    # The narrative's Markdown: bold kept, lists as Word lists, each numbered list from 1.
    introduction = next(p for p in document.paragraphs if p.text == "The IRO service had a busy year.")
    assert [run.text for run in introduction.runs if run.bold] == ["busy"]
    assert ("List Bullet", "Two IROs joined") in text and ("List Number", "More children chaired their reviews") in text
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    numbering = [p._p.pPr.numPr.numId.val for p in numbered]
    assert len(numbered) == 3 and numbering[0] == numbering[1] != numbering[2]
    # The action plan, a table with its header row repeated on every page.
    plan = next(table for table in document.tables if caption_of(table) == f"Priorities for {THIS} and beyond")
    assert rows_of(plan) == [
        ["Priority", "How we will measure it", "Intended impact", "Action"],
        *[[item["priority"], item["measure"], item["intended_impact"], item["action"]] for item in PLAN],
    ]
    assert repeated_header_rows(plan) == 1


def test_every_figure_of_the_full_version_is_the_csvs_and_each_chart_is_a_described_picture(
    authority, report, client, manager
):
    sign_in(client, manager)
    document = word(
        client.get(reverse("reporting:annual_report_docx", args=[YEAR]) + "?variant=internal"),
        f"demo-city-council-annual-iro-report-{YEAR}-draft.docx",
    )
    assert_every_figure_as_in_the_csv(
        document, csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    )
    grid = next(
        table for table in document.tables if caption_of(table) == "Age of children looked after at the end of the year"
    )
    # One header row, each column naming its year (Word reads headers from one row).
    assert rows_of(grid)[0] == [
        "Age",
        f"Number, {THIS}",
        f"Percentage, {THIS}",
        f"Number, {LAST}",
        f"Percentage, {LAST}",
    ]
    assert ["10 to 15", "8", "73%", "8", "80%"] in rows_of(grid)

    charts = [table.caption for section in layout()[0] for table in section.tables if table.chart]
    pictures = [shape._inline.docPr for shape in document.inline_shapes]
    assert len(pictures) == len(charts) > 3
    for caption, picture in zip(charts, pictures):
        assert picture.get("title") == caption
        assert picture.get("descr").startswith(f"{caption}. {caption}: one pair of bars per group, {THIS} solid") or (
            picture.get("descr").startswith(f"{caption}. {caption}: one point per quarter, a solid line for {THIS}")
        )


def test_the_board_version_suppresses_exactly_the_cells_the_board_csv_does(authority, report, client, manager):
    sign_in(client, manager)
    document = word(
        client.get(reverse("reporting:annual_report_docx", args=[YEAR]) + "?variant=board"),
        f"demo-city-council-annual-iro-report-{YEAR}-draft-board.docx",
    )
    csv_rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert_every_figure_as_in_the_csv(document, csv_rows)
    sex = next(
        table
        for table in document.tables
        if caption_of(table) == "Gender of children looked after at the end of the year"
    )
    assert ["Female", "c", "c", "c", "c"] in rows_of(sex) and ["Male", "c", "c", "c", "c"] in rows_of(sex)
    assert document.core_properties.title == f"Draft annual IRO report {THIS} (board version), Demo City Council"
    assert any("shown as c" in paragraph.text for paragraph in document.paragraphs)


def test_board_members_download_only_the_published_board_version_and_every_download_is_audited(
    published, client, board_member, manager, iro
):
    names = labels()
    sign_in(client, board_member)
    for url in (
        reverse("reporting:published_report_docx", args=[YEAR, 1]),
        reverse("reporting:published_report_docx", args=[YEAR, 1]) + "?variant=internal",
        reverse("reporting:annual_report_docx", args=[YEAR]),  # the latest published version
    ):
        document = word(client.get(url), f"demo-city-council-annual-iro-report-{YEAR}-v1-board.docx")
        assert (
            document.core_properties.title == f"Annual IRO report {THIS}, version 1 (board version), Demo City Council"
        )
        text = "\n".join(
            [paragraph.text for paragraph in document.paragraphs]
            + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        )
        assert FAMILY not in text and "Bulkina" not in text
        rows = {row[0]: row[1:] for table in document.tables for row in rows_of(table)}
        assert rows[names["children.at_end"]][:2] == ["11", "10"] and rows["Female"] == ["c", "c", "c", "c"]
    for url in (
        reverse("reporting:annual_report_docx", args=[YEAR - 1]),
        reverse("reporting:published_report_docx", args=[YEAR, 2]),
    ):
        assert client.get(url).status_code == 404, url
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT, user=board_member).order_by("pk")
    assert [
        (e.object_type, e.detail["year"], e.detail["variant"], e.detail["format"], e.detail["version"]) for e in exports
    ] == [("reporting.annualreport", YEAR, "board", "docx", 1)] * 3

    client.logout()
    url = reverse("reporting:published_report_docx", args=[YEAR, 1])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert sign_in(client, iro).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT, user=iro).exists()

    sign_in(client, manager)
    word(client.get(url + "?variant=internal"), f"demo-city-council-annual-iro-report-{YEAR}-v1.docx")
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT, user=manager).get()
    assert (event.detail["variant"], event.detail["format"], event.detail["version"]) == ("internal", "docx", 1)


def test_the_report_page_links_to_the_word_copy_of_what_it_shows(published, client, manager, board_member):
    page = sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board")
    assert f'href="{reverse("reporting:annual_report_docx", args=[YEAR])}?variant=board"' in page.content.decode()
    page = sign_in(client, board_member).get(reverse("reporting:annual_report", args=[YEAR]))
    assert f'href="{reverse("reporting:published_report_docx", args=[YEAR, 1])}?variant=board"' in page.content.decode()
