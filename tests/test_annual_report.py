"""The annual IRO report end to end (reporting.services, presentation, views, the PDF task) on a
small hand-built authority whose every figure below is known: the figures of both years, how the
HTML page, the CSV and the PDF show them, small-number suppression in the board version (with
secondary suppression), freezing on publication, the narrative, the forms and who may see what.

Nothing here depends on the demo seed. The reporting years are 2025 (April 2025 to March 2026,
"this year") and 2024 (April 2024 to March 2025, "last year"); every record is dated well before
today, so the figures are the same whether worked out as of ON or as of the day the test runs.

The authority (`build_authority`):

* 8 "bulk" children, born 1 June 2013 (11 on 31 March 2025, 12 on 31 March 2026), girls, White
  British, in care since 2023, a LAC review each year (in timescale: PN1 x6 and PN2 x2 this year,
  PN1 x4 and PN3 x4 last year), oversight records (7 this year, 3 last year).
* Ulla: UASC boy, 17, Black African, came into care 1 May 2025; a late review (IRO unavailable, PN5).
* Lark: girl born 1 May 2024, in care since 1 June 2024 (under 1 last year, 1 this year); a review
  this year in timescale, PN0.
* Wren: girl, 8, came into care 15 January 2026.
* Cato: boy born 1 January 2020 (5 on 31 March 2025), in care 2022 to 1 September 2025; a late
  review last year (family unavailable, PN7).
* Pim: boy, in care 2022 to 1 October 2024.
* Nell: not in care; an initial child protection conference in timescale on 1 July 2025 and a
  neglect plan from that day.
* One escalation raised on 1 May 2025 about a bulk child, resolved informally 8 days later.
"""

import csv
import functools
import io
import os
import re
import uuid
from datetime import date as D
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditAction, AuditEvent
from children.models import CareEpisode
from escalations import timescales as escalation_timescales
from escalations.codes import EscalationStatus, Stage
from escalations.models import Escalation, EscalationConcern, EscalationStep
from iro_portal.locking import ChangedByAnotherUser
from oversight.models import OversightRecord
from reporting import annual_report, services
from reporting.models import (
    AnnualReport,
    ComparatorFigure,
    DocumentStatus,
    OtherActivity,
    PublishedReport,
    ReportDocument,
    Variant,
)
from reviews.models import Review, ReviewKind, ReviewStatus
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
from tests.factories import ChildFactory, IroFactory

YEAR = 2025
ON = D(2026, 6, 1)
THIS, LAST = "April 2025 to March 2026", "April 2024 to March 2025"
FAMILY = "Quenderby"  # every hand-built child's family name; must never reach the board


# ---------------------------------------------------------------------------------------------
# Building the authority
# ---------------------------------------------------------------------------------------------

def episode(child, start, end=None, *, legal="C2", placement="U4", provider="PR1"):
    return CareEpisode.objects.create(
        child=child, start_date=start, end_date=end, reason_episode_ceased="E4A" if end else "",
        reason_for_new_episode="S", legal_status=legal, category_of_need="N1", placement_type=placement,
        placement_provider=provider,
    )


def lac_review(child, held_on, due_date, code, *, late_reason="", cycle_start=D(2023, 1, 1)):
    return Review.objects.create(
        child=child, kind=ReviewKind.LAC, number=2, cycle_start=cycle_start, due_date=due_date,
        status=ReviewStatus.HELD, held_on=held_on, participation_code=code, late_reason=late_reason,
    )


def child(given, local_id, **fields):
    return ChildFactory(given_name=given, family_name=FAMILY, local_child_id=local_id, **fields)


def build_authority():
    iro = IroFactory(first_name="Ivo", last_name="Chair")
    bulk = [child(f"Bulkina{n}", f"QZ80{n:02d}", date_of_birth=D(2013, 6, 1), sex="F", ethnicity="WBRI")
            for n in range(8)]
    for n, kid in enumerate(bulk):
        episode(kid, D(2023, 1, 1))
        lac_review(kid, D(2025, 6, 10), D(2025, 6, 20), "PN1" if n < 6 else "PN2")
        lac_review(kid, D(2024, 6, 10), D(2024, 6, 20), "PN1" if n < 4 else "PN3")
        if n < 7:
            OversightRecord.objects.create(child=kid, iro=iro, kind="case_file_check", date=D(2025, 7, 15), rag="green")
        if n < 3:
            OversightRecord.objects.create(child=kid, iro=iro, kind="case_file_check", date=D(2024, 7, 15), rag="amber")

    ulla = child("Ullarina", "QZ9001", date_of_birth=D(2009, 1, 1), sex="M", ethnicity="BAFR", is_uasc=True)
    episode(ulla, D(2025, 5, 1), legal="V2", placement="K2", provider="PR4")
    lac_review(ulla, D(2025, 11, 20), D(2025, 11, 3), "PN5", late_reason="iro_unavailable", cycle_start=D(2025, 5, 1))

    lark = child("Larkinetta", "QZ9002", date_of_birth=D(2024, 5, 1), sex="F", ethnicity="WBRI")
    episode(lark, D(2024, 6, 1), legal="C1")
    lac_review(lark, D(2025, 9, 1), D(2025, 9, 5), "PN0", cycle_start=D(2024, 6, 1))

    wren = child("Wrenolia", "QZ9003", date_of_birth=D(2018, 3, 1), sex="F", ethnicity="WBRI")
    episode(wren, D(2026, 1, 15), legal="V2")

    cato = child("Catorius", "QZ9004", date_of_birth=D(2020, 1, 1), sex="M", ethnicity="WBRI")
    episode(cato, D(2022, 1, 1), D(2025, 9, 1))
    lac_review(cato, D(2024, 9, 2), D(2024, 8, 20), "PN7", late_reason="family_unavailable", cycle_start=D(2022, 1, 1))

    pim = child("Pimbertus", "QZ9005", date_of_birth=D(2015, 1, 1), sex="M", ethnicity="WBRI")
    episode(pim, D(2022, 1, 1), D(2024, 10, 1))

    nell = child("Nellisande", "QZ9006", date_of_birth=D(2017, 1, 1), sex="F", ethnicity="WBRI")
    Review.objects.create(child=nell, kind=ReviewKind.ICPC, number=1, cycle_start=D(2025, 6, 16),
                          due_date=D(2025, 7, 1), status=ReviewStatus.HELD, held_on=D(2025, 7, 1),
                          conference_outcome="plan_made", category_of_abuse="NEG")
    nell.protection_plans.create(start_date=D(2025, 7, 1), initial_category_of_abuse="NEG")

    escalation = Escalation.objects.create(child=bulk[0], raised_by=iro, raised_on=D(2025, 5, 1),
                                           what_is_wrong="Drift.", what_is_asked="A plan.")
    EscalationStep.objects.create(escalation=escalation, stage=Stage.INFORMAL, addressed_to_name="Sam Senior",
                                  addressed_to_role="Manager", sent_on=D(2025, 5, 1),
                                  response_due=escalation_timescales.response_due(D(2025, 5, 1), Stage.INFORMAL))
    EscalationConcern.objects.create(escalation=escalation, area="care_planning")
    escalation.status, escalation.resolved_on, escalation.resolved_at_stage = EscalationStatus.RESOLVED, D(2025, 5, 9), Stage.INFORMAL
    escalation.outcome = "Agreed."
    escalation.save()
    return {"iro": iro, "bulk": bulk, "ulla": ulla, "lark": lark, "wren": wren, "cato": cato, "pim": pim, "nell": nell}


OTHER_ACTIVITY = {
    YEAR: {"child_population": 20000, "fostering_reviews_held": 40, "fostering_reviews_in_time": 36,
           "independent_visitor_matches": 3, "advocacy_referrals": 12, "complaints_received": 7,
           "complaints_stage_1": 5, "complaints_stage_2": 1, "complaints_stage_3": 0},
    YEAR - 1: {"child_population": 15000, "fostering_reviews_held": 30, "fostering_reviews_in_time": 24,
               "independent_visitor_matches": 7, "advocacy_referrals": 9, "complaints_received": 6,
               "complaints_stage_1": 4, "complaints_stage_2": 2, "complaints_stage_3": 0},
}
COMPARATORS = {
    "lac.percent_in_timescale": {"statistical_neighbours": Decimal("85.5"), "england": Decimal("88.5")},
    "children.rate_per_10000": {"statistical_neighbours": Decimal("72.4"), "england": Decimal("71")},
}


@pytest.fixture
def records(db):
    return build_authority()


@pytest.fixture
def authority(records, manager):
    """The records, and the figures a manager enters by hand for both years."""
    for year, fields in OTHER_ACTIVITY.items():
        services.save_other_activity(year, by=manager, fields=fields)
    services.save_comparators(YEAR, by=manager, figures=COMPARATORS)
    return records


@pytest.fixture
def report(db):
    return services.report_for_year(YEAR)


# Every figure this test knows: key -> (this year, last year), as the internal version shows them.
KNOWN = {
    "children.at_start": (10, 10),  # bulk 8, Lark, Cato | bulk 8, Cato, Pim
    "children.at_end": (11, 10),  # bulk 8, Ulla, Lark, Wren | bulk 8, Lark, Cato
    "children.during": (12, 11),  # + Cato | + Pim
    "children.started": (2, 1),  # Ulla, Wren | Lark
    "children.ceased": (1, 1),  # Cato | Pim
    "children.rate_per_10000": (5.5, 6.7),  # 11 of 20,000 | 10 of 15,000
    "children.age.under_1": (0, 1),
    "children.age.1_to_4": (1, 0),
    "children.age.5_to_9": (1, 1),  # Wren | Cato
    "children.age.10_to_15": (8, 8),
    "children.age.16_and_over": (1, 0),  # Ulla
    "children.age.total": (11, 10),
    "children.age.10_to_15.percent": (73, 80),
    "children.sex.F": (10, 9),
    "children.sex.M": (1, 1),
    "children.sex.U": (0, 0),
    "children.sex.total": (11, 10),
    "children.ethnicity.black.uasc": (1, 0),
    "lac.held": (10, 9),
    "lac.in_timescale": (9, 8),
    "lac.percent_in_timescale": (90, 89),  # 8 of 9 is 88.9
    "lac.late": (1, 1),
    "lac.late_reason.iro_unavailable": (1, 0),
    "lac.late_reason.family_unavailable": (0, 1),
    "lac.participation.PN0": (1, 0),
    "lac.participation.PN1": (6, 4),
    "lac.participation.PN2": (2, 0),
    "lac.participation.PN3": (0, 4),
    "lac.participation.PN5": (1, 0),
    "lac.participation.PN7": (0, 1),
    "lac.participation.total": (10, 9),
    "lac.participated": (9, 8),  # PN1 to PN6
    "lac.participation_counted": (9, 9),  # PN1 to PN7
    "lac.participation_rate": (100, 89),
    "cp.icpc.held": (1, 0),
    "cp.icpc.in_timescale": (1, 0),
    "cp.icpc.percent_in_timescale": (100, None),
    "cp.plans_started": (1, 0),
    "cp.category.NEG": (1, 0),
    "oversight.records": (7, 3),
    "oversight.kind.case_file_check": (7, 3),
    "oversight.kind.total": (7, 3),
    "oversight.rating.green": (7, 0),
    "oversight.rating.amber": (0, 3),
    "escalations.raised": (1, 0),
    "escalations.resolved_stage.1": (1, 0),
    "escalations.resolved_stage.total": (1, 0),
    "escalations.resolved_in_time": (1, 0),
    "other.fostering_reviews_held": (40, 30),
    "other.fostering_reviews_in_time": (36, 24),
    "other.percent_fostering_in_time": (90, 80),
    "other.independent_visitor_matches": (3, 7),
    "other.advocacy_referrals": (12, 9),
    "other.complaints_received": (7, 6),
    "other.complaints_stage_1": (5, 4),
    "other.complaints_stage_3": (0, 0),
}


# ---------------------------------------------------------------------------------------------
# Reading the formats
# ---------------------------------------------------------------------------------------------

def _norm(parts):
    return " ".join("".join(parts).split())


class Tables(HTMLParser):
    """Every <table> of a page as lists of cell texts, by its id and by its caption."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.by_id, self.by_caption = {}, {}
        self._table = self._row = self._cell = self._caption = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = {"id": dict(attrs).get("id"), "caption": "", "rows": []}
        elif self._table is None:
            return
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if self._table is None:
            return
        if tag == "caption":
            self._table["caption"], self._caption = _norm(self._caption), None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(_norm(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            if self._table["id"]:
                self.by_id[self._table["id"]] = self._table["rows"]
            self.by_caption[self._table["caption"]] = self._table["rows"]
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)

    def row(self, table_id, label):
        """The cells after the row's <th>: this year's, then last year's, then any comparators."""
        rows = [row[1:] for row in self.by_id[table_id] if row and row[0] == label]
        assert len(rows) == 1, f"{label!r} in table {table_id!r}: {self.by_id[table_id]}"
        return rows[0]


def page_tables(response):
    assert response.status_code == 200, response.status_code
    return Tables(response.content.decode())


def csv_by_measure(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header == ["Section", "Measure", "Unit", THIS, LAST, "Statistical neighbours", "England"]
    by_measure = {row[1]: row for row in body}
    assert len(by_measure) == len(body), "each measure is one row"
    return by_measure


def pdf_text(content):
    assert bytes(content[:5]) == b"%PDF-"
    reader = PdfReader(io.BytesIO(bytes(content)))
    pages = [page.extract_text() for page in reader.pages]
    return pages, " ".join(" ".join(pages).split())


def shown(value, kind="count"):
    """A value as the internal version writes it."""
    if value is None:
        return "not available"
    if kind == "percent":
        return f"{value}%"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def csv_value(value):
    return "" if value is None else str(value)


@functools.cache
def layout():
    """The report's sections, tables and figure labels (no figures), as every report has them."""
    builder = annual_report._Builder(layout_only=True)
    sections = annual_report._build_sections(builder)
    return sections, {key: figure.label for key, figure in builder.figures.items()}


def labels():
    return layout()[1]


def keys_in_tables():
    return {key for section in layout()[0] for table in section.tables for cells in table.cells.values()
            for key in cells.values()}


@pytest.fixture
def eager(settings):
    """Run the PDF task in the test process (when the request's transaction commits)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


def fetch_pdf(client, url, capture, *, expect_render=True):
    """GET a published version's PDF URL: the first time it is made (the task runs on commit) and
    the page redirects to the document; the download then gives the PDF."""
    with capture(execute=True) as callbacks:
        response = client.get(url)
    if not expect_render:
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert not callbacks, "a stored PDF is served without another task"
        return response.content
    assert response.status_code == 302, response.status_code
    document = ReportDocument.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    assert document.status == DocumentStatus.READY, document.error
    download = client.get(reverse("reporting:document_download", args=[document.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    return download.content


# ---------------------------------------------------------------------------------------------
# 1-2. The figures
# ---------------------------------------------------------------------------------------------

def test_every_known_figure_for_both_years(authority, report):
    figures = services.draft(report, ON).figures
    got = {key: (figures[key].this_year, figures[key].last_year) for key in KNOWN}
    assert got == KNOWN
    assert (figures["lac.percent_in_timescale"].statistical_neighbours,
            figures["lac.percent_in_timescale"].england) == (Decimal("85.5"), Decimal("88.5"))


def test_the_rate_per_10000_and_other_activity_need_entering(records, report, client, manager):
    figures = services.draft(report, ON).figures
    assert (figures["children.rate_per_10000"].this_year, figures["children.rate_per_10000"].last_year) == (None, None)
    assert figures["other.advocacy_referrals"].this_year is None
    services.save_other_activity(YEAR, by=manager, fields={"child_population": 22000, "advocacy_referrals": 0})
    figures = services.draft(report, ON).figures
    assert figures["children.rate_per_10000"].this_year == 5.0  # 11 of 22,000
    assert figures["children.rate_per_10000"].last_year is None  # nothing entered for 2024
    assert figures["other.advocacy_referrals"].this_year == 0  # entered as 0: not "not available"
    assert figures["other.complaints_received"].this_year is None
    tables = page_tables(sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])))
    assert tables.row("children-numbers", figures["children.rate_per_10000"].label) == ["5", "not available"]
    assert tables.row("other-activity", "Referrals for advocacy") == ["0", "not available"]
    assert tables.row("other-activity", "Complaints received") == ["not available", "not available"]


# ---------------------------------------------------------------------------------------------
# 3. The formats: HTML, CSV, PDF
# ---------------------------------------------------------------------------------------------

LIST_ROWS = [  # (table id, figure key) of rows in simple tables
    ("children-numbers", "children.at_start"), ("children-numbers", "children.at_end"),
    ("children-numbers", "children.during"), ("children-numbers", "children.started"),
    ("children-numbers", "children.ceased"),
    ("lac-timeliness", "lac.held"), ("lac-timeliness", "lac.in_timescale"), ("lac-timeliness", "lac.late"),
    ("lac-participation-rate", "lac.participated"), ("lac-participation-rate", "lac.participation_counted"),
    ("cp-conferences", "cp.icpc.held"), ("cp-plans", "cp.plans_started"),
    ("escalations-numbers", "escalations.raised"), ("escalations-numbers", "escalations.resolved_in_time"),
    ("other-activity", "other.fostering_reviews_held"), ("other-activity", "other.independent_visitor_matches"),
    ("other-activity", "other.complaints_stage_3"),
]
PERCENT_ROWS = [("lac-participation-rate", "lac.participation_rate"), ("cp-conferences", "cp.icpc.percent_in_timescale"),
                ("other-activity", "other.percent_fostering_in_time")]
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
    # The ethnicity grid: All, Not UASC, UASC for each year.
    assert tables.row("children-ethnicity", "Black or Black British") == ["1", "0", "1", "0", "0", "0"]
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
    section_of = {key: section.title for section in layout()[0] for table in section.tables
                  for cells in table.cells.values() for key in cells.values()}
    for key, (this_year, last_year) in KNOWN.items():
        if key not in keys_in_tables():
            continue  # oversight.records: shown as the total of the records by kind
        section, _, unit, got_this, got_last, _, _ = rows[names[key]]
        assert (section, unit, got_this, got_last) == (
            section_of[key], figures[key].kind, csv_value(this_year), csv_value(last_year)), key
    assert rows[names["children.at_end"]][:5] == ["Children looked after", names["children.at_end"], "count", "11", "10"]
    assert rows[names["lac.held"]][0] == "Looked-after children's reviews"
    assert rows[names["cp.icpc.held"]][0] == "Child protection"
    assert rows["Held in timescale (%)"][3:] == ["90", "89", "85.5", "88.5"]
    assert rows[names["children.rate_per_10000"]][3:] == ["5.5", "6.7", "72.4", "71"]
    assert rows[names["lac.held"]][5:] == ["", ""]
    assert rows["Oversight records: all oversight records"][3:5] == ["7", "3"]
    assert set(rows) == {names[key] for key in keys_in_tables()}, "every figure shown in a table is in the CSV"


def test_a_draft_pdf_is_queued_for_the_worker_when_the_request_commits(authority, client, manager,
                                                                    django_capture_on_commit_callbacks):
    """Posting "Make a PDF of this draft" stores a queued document and sends the task only on
    commit (the task itself is run in the tests below: in the test process, and by a real worker)."""
    sign_in(client, manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("reporting:annual_report_pdf", args=[YEAR, "board"]))
    document = ReportDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("reporting:document", args=[document.pk])
    assert (document.status, document.progress, document.published, document.variant, document.requested_by) == (
        DocumentStatus.QUEUED, 0, None, Variant.BOARD, manager)
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


# ---------------------------------------------------------------------------------------------
# 4. Suppression in the board version
# ---------------------------------------------------------------------------------------------

def _determined(equations, unknowns):
    """The unknowns whose value a set of linear equations fixes: e_i lies in the row space, i.e.
    the reduced row echelon form has a row that is exactly e_i."""
    index = {name: position for position, name in enumerate(unknowns)}
    matrix = []
    for coefficients in equations:
        row = [Fraction(0)] * len(unknowns)
        for name, coefficient in coefficients.items():
            row[index[name]] += coefficient
        matrix.append(row)
    pivot_row = 0
    for column in range(len(unknowns)):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        pivot = matrix[pivot_row][column]
        matrix[pivot_row] = [value / pivot for value in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot_row])]
        pivot_row += 1
    return {unknowns[row.index(1)] for row in matrix[:pivot_row] if sum(1 for value in row if value != 0) == 1}


def assert_nothing_suppressed_can_be_worked_out(csv_rows):
    """From what a board CSV shows, in both years: no suppressed count is the only hidden member
    of a total-and-parts constraint (subtraction would give it), nor fixed by the constraints of
    its table taken together; and no percentage is shown beside a suppressed numerator or
    denominator. A figure that is in no table (such as a hidden total) counts as not shown."""
    sections, names = layout()
    builder = annual_report._Builder(layout_only=True)
    annual_report._build_sections(builder)
    checked = 0
    for column in (3, 4):
        def value(key):
            return csv_rows[names[key]][column] if names[key] in csv_rows else None

        for section in sections:
            for table in section.tables:
                equations, unknowns = [], set()
                for total, parts in table.totals:
                    members = {total: 1, **{part: -1 for part in parts}}
                    hidden = [key for key in members if value(key) in ("c", None)]
                    suppressed = [key for key in hidden if value(key) == "c"]
                    assert not (len(hidden) == 1 and suppressed), \
                        f"{names[hidden[0]]} = total minus the shown parts: {[(names[k], value(k)) for k in members]}"
                    equations.append({key: Fraction(sign) for key, sign in members.items() if key in hidden})
                    unknowns.update(hidden)
                    checked += 1
                derivable = {key for key in _determined(equations, sorted(unknowns)) if value(key) == "c"}
                assert not derivable, f"{[names[key] for key in derivable]} can be worked out in {table.key}"
        for key, figure in builder.figures.items():
            if figure.kind == "percent" and value(key) not in ("c", None, ""):
                parts = [value(figure.numerator_key), value(figure.denominator_key)]
                assert "c" not in parts, f"{names[key]} is shown ({value(key)}) beside a suppressed part {parts}"
    assert checked > 20


def test_the_board_preview_suppresses_small_numbers_and_what_would_give_them_away(authority, report, client, manager):
    names = labels()
    sign_in(client, manager)
    tables = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"))
    internal = page_tables(client.get(reverse("reporting:annual_report", args=[YEAR])))
    # Primary: 1 to 5 are "c"; 0 and 6 or more are shown.
    assert tables.row("children-numbers", names["children.started"])[:2] == ["c", "c"]  # 2 and 1
    assert tables.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["6", "c"]  # 6 shown, 4 not
    assert tables.row("lac-participation", "PN3: attends and conveys views non-verbally or symbolically") == ["0", "c"]
    assert tables.row("cp-conferences", names["cp.icpc.held"]) == ["c", "0"]
    assert tables.row("oversight-kind", "All oversight records") == ["7", "c"]
    assert tables.row("other-activity", names["other.independent_visitor_matches"]) == ["c", "7"]
    assert tables.row("other-activity", names["other.complaints_stage_3"]) == ["0", "0"]
    # Rates and other numbers are never suppressed.
    assert tables.row("children-numbers", names["children.rate_per_10000"]) == ["5.5", "6.7", "72.4", "71"]
    # Percentages with a small numerator or denominator.
    assert tables.row("cp-conferences", names["cp.icpc.percent_in_timescale"]) == ["c", "not available"]  # 1 of 1
    assert tables.row("children-age", "1 to 4") == ["c", "c", "0", "0%"]  # 1 of 11; none last year
    assert tables.row("children-age", "10 to 15") == ["8", "73%", "8", "80%"]
    assert tables.row("lac-timeliness", "Held in timescale (%)") == ["90%", "89%", "85.5%", "88.5%"]
    # Secondary: the only small gender is Male (1 both years), so Female (10 and 9) is suppressed
    # too, and its percentage with it, or 11 - 10 would give the boy away; the total stays.
    assert tables.row("children-sex", "Male") == ["c", "c", "c", "c"]
    assert tables.row("children-sex", "Female") == ["c", "c", "c", "c"]
    assert tables.row("children-sex", "Unknown") == ["0", "0%", "0", "0%"]
    assert tables.row("children-sex", "All children") == ["11", "", "10", ""]
    assert internal.row("children-sex", "Female") == ["10", "91%", "9", "90%"]
    assert internal.row("children-sex", "Male") == ["1", "9%", "1", "10%"]
    # The one late review: its reason and the total of reasons are both hidden.
    assert tables.row("lac-late-reason", "IRO unavailable") == ["c", "0"]
    assert tables.row("lac-late-reason", "All late reviews") == ["c", "c"]
    # The UASC child: a single Black African boy.
    black = tables.row("children-ethnicity", "Black or Black British")
    assert black[0] == "c" and black[2] == "c"
    assert internal.row("children-ethnicity", "Black or Black British") == ["1", "0", "1", "0", "0", "0"]
    # The CSV of the preview suppresses exactly the same cells.
    rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR]) + "?variant=board"))
    assert rows[names["children.sex.F"]][3:5] == ["c", "c"]
    assert rows[names["children.sex.total"]][3:5] == ["11", "10"]
    assert rows[names["lac.participation.PN1"]][3:5] == ["6", "c"]
    assert rows[names["cp.icpc.percent_in_timescale"]][3:5] == ["c", ""]
    assert_nothing_suppressed_can_be_worked_out(rows)
    internal_rows = csv_by_measure(client.get(reverse("reporting:annual_report_csv", args=[YEAR])))
    assert not any("c" in row[3:5] for row in internal_rows.values()), "the internal version suppresses nothing"


def test_the_suppression_thresholds_are_settings(authority, report, client, manager, settings):
    names = labels()
    url = reverse("reporting:annual_report", args=[YEAR]) + "?variant=board"
    sign_in(client, manager)
    settings.SUPPRESSION_HIGHEST_COUNT = 7
    tables = page_tables(client.get(url))
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["c", "c"]  # 6 now small
    assert tables.row("oversight-kind", "All oversight records") == ["c", "c"]  # 7 too
    assert tables.row("other-activity", names["other.independent_visitor_matches"]) == ["c", "c"]
    assert tables.row("children-numbers", names["children.at_end"])[:2] == ["11", "10"]
    settings.SUPPRESSION_HIGHEST_COUNT = 2
    tables = page_tables(client.get(url))
    assert tables.row("oversight-kind", "All oversight records") == ["7", "3"]
    # Last year PN7 (1) is still small, so the smallest other code, PN1 (4, before PN3's 4), goes too.
    assert tables.row("lac-participation", "PN7: does not attend and views not conveyed") == ["0", "c"]
    assert tables.row("lac-participation", "PN1: attends and speaks for self") == ["6", "c"]
    assert tables.row("lac-participation", "PN3: attends and conveys views non-verbally or symbolically") == ["0", "4"]
    assert tables.row("cp-conferences", names["cp.icpc.held"]) == ["c", "0"]  # 1 still small


# ---------------------------------------------------------------------------------------------
# 5. Publishing freezes the report
# ---------------------------------------------------------------------------------------------

def add_child_in_care_with_a_review():
    kid = child("Ottoline", "QZ9100", date_of_birth=D(2012, 2, 2), sex="F", ethnicity="WBRI")
    episode(kid, D(2025, 8, 1))
    lac_review(kid, D(2025, 10, 1), D(2025, 10, 20), "PN1", cycle_start=D(2025, 8, 1))


def test_a_published_version_is_frozen_in_html_csv_and_pdf(
        authority, report, client, manager, eager, monkeypatch, django_capture_on_commit_callbacks):
    names = labels()
    services.update_narrative(report, by=manager, action_plan=PLAN[:1], expected_version=report.version, fields={
        "introduction": "Hello.", "achievements": "We did well.", "areas_for_development": "Timeliness."})
    version_1 = services.publish(report, by=manager, confirmed=True)
    assert version_1.number == 1
    add_child_in_care_with_a_review()
    services.save_comparators(YEAR, by=manager, figures={"lac.percent_in_timescale": {"england": Decimal("50.5")}})

    draft = services.draft(report, ON).figures
    assert (draft["children.at_end"].this_year, draft["lac.held"].this_year,
            draft["lac.participation.PN1"].this_year, draft["lac.percent_in_timescale"].england) == (
        12, 11, 7, Decimal("50.5"))

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
    assert v1_csv["Held in timescale (%)"][3:] == ["90", "89", "85.5", "88.5"]

    # The PDF, made only now, has the figures as published, page numbers and a contents list.
    pdf_url = reverse("reporting:published_report_pdf", args=[YEAR, 1, "internal"])
    first = fetch_pdf(client, pdf_url, django_capture_on_commit_callbacks)
    pages, text = pdf_text(first)
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    contents = re.findall(r"(Introduction|Service profile|Children looked after|Looked-after children's reviews"
                          r"|Oversight between reviews|Escalations \(the dispute resolution process\)|Child protection"
                          r"|Other activity|Achievements this year|Areas for development|Priorities and action plan)"
                          r" ?\.{3,}\s*(\d+)", pages[0])
    assert [title for title, _ in contents] == [
        "Introduction", "Service profile", "Children looked after", "Looked-after children's reviews",
        "Oversight between reviews", "Escalations (the dispute resolution process)", "Child protection",
        "Other activity", "Achievements this year", "Areas for development", "Priorities and action plan"], pages[0]
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
    monkeypatch.setattr("reporting.services.render_document",
                        lambda *args, **kwargs: pytest.fail("a published version's PDF is made only once"))
    second = fetch_pdf(client, pdf_url, django_capture_on_commit_callbacks, expect_render=False)
    assert second == first
    assert ReportDocument.objects.filter(published=version_1).count() == 1


def test_a_new_version_needs_a_reason_and_the_earlier_one_stays(authority, report, client, manager,
                                                                 django_capture_on_commit_callbacks):
    names = labels()
    version_1 = services.publish(report, by=manager, confirmed=True)
    stored = b"%PDF-1.7 version 1 as it was made"
    ReportDocument.objects.create(report=report, published=version_1, variant=Variant.BOARD, requested_by=manager,
                                  status=DocumentStatus.READY, progress=100, content=stored)
    add_child_in_care_with_a_review()
    sign_in(client, manager)

    response = client.post(reverse("reporting:publish", args=[YEAR]),
                           {"reason": "  ", "confirmed": "on", "version": report.version})
    assert response.status_code == 400
    assert "Enter the reason for publishing a new version, for example what was corrected." in response.content.decode()
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.publish(report, by=manager, reason="", confirmed=True)
    assert list(PublishedReport.objects.values_list("number", flat=True)) == [1]

    response = client.post(reverse("reporting:publish", args=[YEAR]),
                           {"reason": "A review was recorded late.", "confirmed": "on", "version": report.version})
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
    response = fetch_pdf(client, reverse("reporting:published_report_pdf", args=[YEAR, 1, "board"]),
                         django_capture_on_commit_callbacks, expect_render=False)
    assert response == stored
    listing = client.get(reverse("reporting:annual_reports")).content.decode()
    assert "Version 2 (A review was recorded late.)" in listing and "Version 1:" in listing


# ---------------------------------------------------------------------------------------------
# 6. The narrative
# ---------------------------------------------------------------------------------------------

NARRATIVE = """We did well.

- first bullet about reviews
- second bullet about visits

<script>alert("narrative-script-xyz")</script>
<img src="http://evil.example/track.png">
![tracker](http://evil2.example/pixel.png)
"""
PLAN = [{"priority": "Hold reviews on time", "measure": "95% in timescale", "intended_impact": "Plans do not drift",
         "action": "Book reviews earlier"},
        {"priority": "Hear more children", "measure": "Participation rate", "intended_impact": "Children shape plans",
         "action": "Offer advocates"}]


def test_the_narrative_is_rendered_safely_and_the_action_plan_is_a_table(records, report, client, manager):
    services.update_narrative(report, by=manager, fields={"achievements": NARRATIVE, "introduction": "Hello."},
                              action_plan=PLAN, expected_version=report.version)
    html = sign_in(client, manager).get(reverse("reporting:annual_report", args=[YEAR])).content.decode()
    section = html[html.index('id="achievements"'):html.index('id="areas_for_development"')]
    assert "narrative-script-xyz" not in html
    assert "evil.example" not in html and "evil2.example" not in html
    assert "<img" not in section and "<script" not in section
    assert re.search(r"<ul[^>]*>\s*<li>first bullet about reviews</li>\s*<li>second bullet about visits</li>\s*</ul>",
                     section), section
    assert "We did well." in section
    tables = Tables(html)
    plan = next(rows for caption, rows in tables.by_caption.items() if caption.startswith("Priorities for"))
    assert plan == [["Priority", "How we will measure it", "Intended impact", "Action"],
                    ["Hold reviews on time", "95% in timescale", "Plans do not drift", "Book reviews earlier"],
                    ["Hear more children", "Participation rate", "Children shape plans", "Offer advocates"]]


def test_a_stale_narrative_edit_is_refused_and_changes_nothing(records, report, client, manager):
    services.update_narrative(report, by=manager, fields={"introduction": "First words."}, action_plan=PLAN[:1],
                              expected_version=report.version)
    report.refresh_from_db()
    stale = report.version - 1
    with pytest.raises(ChangedByAnotherUser):
        services.update_narrative(report, by=manager, fields={"introduction": "Other words."}, action_plan=[],
                                  expected_version=stale)
    response = sign_in(client, manager).post(reverse("reporting:narrative", args=[YEAR]), {
        "version": stale, "introduction": "Overwritten words.",
        "action-TOTAL_FORMS": "0", "action-INITIAL_FORMS": "0", "action-MIN_NUM_FORMS": "0",
        "action-MAX_NUM_FORMS": "20",
    })
    assert response.status_code == 400
    assert "Someone else changed this report while you were editing it" in response.content.decode()
    after = AnnualReport.objects.get(pk=report.pk)
    assert (after.introduction, after.version, after.action_plan.count()) == ("First words.", report.version, 1)


# ---------------------------------------------------------------------------------------------
# 7. Who may see what
# ---------------------------------------------------------------------------------------------

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
    ]


@pytest.fixture
def published(authority, report, manager):
    version = services.publish(report, by=manager, confirmed=True)
    document = ReportDocument.objects.create(report=report, published=version, variant=Variant.BOARD,
                                             requested_by=manager)
    return version, document


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
        published, report, client, board_member, eager, django_capture_on_commit_callbacks):
    version, placeholder = published
    placeholder.delete()
    names = labels()
    sign_in(client, board_member)
    for url in [reverse("reporting:narrative", args=[YEAR]), reverse("reporting:other_activity", args=[YEAR]),
                reverse("reporting:comparators", args=[YEAR]), reverse("reporting:publish", args=[YEAR])]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "version": 1}).status_code == 403, url
    assert client.post(reverse("reporting:annual_report_pdf", args=[YEAR, "board"])).status_code == 403
    assert PublishedReport.objects.count() == 1 and not ReportDocument.objects.exists()
    # Nothing published for 2024; no internal variant; no version 2 yet.
    for url in [reverse("reporting:annual_report", args=[YEAR - 1]), reverse("reporting:annual_report_csv", args=[YEAR - 1]),
                reverse("reporting:published_report", args=[YEAR, 2]),
                reverse("reporting:published_report_pdf", args=[YEAR, 1, "internal"]),
                reverse("reporting:annual_report_pdf", args=[YEAR, "internal"])]:
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

    pdf_content = fetch_pdf(client, reverse("reporting:published_report_pdf", args=[YEAR, 1, "board"]),
                            django_capture_on_commit_callbacks)
    _, text = pdf_text(pdf_content)
    assert "Looked after at the end of the year (31 March) 11 10" in text
    assert "PN1: attends and speaks for self 6 c" in text
    assert "Female c c c c" in text
    assert "Initial child protection conferences held c 0" in text
    assert "Corporate Parenting Board" in text

    secrets = [FAMILY, "QZ80", "QZ900", "Ullarina", "Larkinetta", "Wrenolia", "Catorius", "Pimbertus", "Nellisande",
               "Bulkina"]
    for name, response in pages.items():
        body = response.content.decode()
        assert not [secret for secret in secrets if secret in body], name
    assert not [secret for secret in secrets if secret in text]

    # Documents that are not a published board (or children's) version are not theirs to see.
    for other in [ReportDocument.objects.create(report=report, variant=Variant.BOARD, requested_by=board_member),
                  ReportDocument.objects.create(report=report, published=version, variant=Variant.INTERNAL,
                                                requested_by=board_member, status=DocumentStatus.READY,
                                                progress=100, content=b"%PDF-1.7 internal")]:
        for name in ("document", "document_status", "document_download"):
            assert client.get(reverse(f"reporting:{name}", args=[other.pk])).status_code == 404, (name, other)

    exports = list(AuditEvent.objects.filter(action=AuditAction.EXPORT, user=board_member).order_by("pk"))
    assert [(event.detail["variant"], event.detail["format"], event.detail["version"]) for event in exports] == [
        ("board", "html", 1), ("board", "html", 1), ("board", "html", 1), ("child_friendly", "html", 1),
        ("board", "csv", 1), ("board", "pdf", 1)]
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
    assert [(e.user_id, e.detail["year"], e.detail["variant"], e.detail["format"], e.detail["version"])
            for e in events] == [
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


def test_the_suppression_check_itself_finds_a_cell_given_away():
    names = labels()
    rows = {names[key]: ["", "", "", this_year, "0", "", ""] for key, this_year in [
        ("children.sex.M", "c"), ("children.sex.F", "10"), ("children.sex.U", "0"), ("children.sex.total", "11")]}
    with pytest.raises(AssertionError, match="Gender: Male = total minus the shown parts"):
        assert_nothing_suppressed_can_be_worked_out(rows)
    rows[names["children.sex.F"]][3] = "c"
    rows[names["children.sex.F.percent"]] = ["", "", "", "91", "", "", ""]
    with pytest.raises(AssertionError, match="Gender: Female .%. is shown"):
        assert_nothing_suppressed_can_be_worked_out(rows)


# ---------------------------------------------------------------------------------------------
# 8. The forms, and a bounded number of queries
# ---------------------------------------------------------------------------------------------

def test_other_activity_in_time_above_held_is_refused(authority, client, manager):
    before = OtherActivity.objects.get(year=YEAR)
    response = sign_in(client, manager).post(reverse("reporting:other_activity", args=[YEAR]), {
        "child_population": "25000", "fostering_reviews_held": "10", "fostering_reviews_in_time": "11",
    })
    assert response.status_code == 400
    assert "Reviews held in time cannot be more than the reviews held." in response.content.decode()
    after = OtherActivity.objects.get(year=YEAR)
    assert (after.child_population, after.fostering_reviews_held, after.updated_at) == (
        20000, 40, before.updated_at)


def test_comparators_with_a_repeated_measure_are_refused(authority, client, manager):
    data = {"comparator-TOTAL_FORMS": "2", "comparator-INITIAL_FORMS": "0", "comparator-MIN_NUM_FORMS": "0",
            "comparator-MAX_NUM_FORMS": "80"}
    for n in range(2):
        data.update({f"comparator-{n}-measure": "lac.percent_in_timescale",
                     f"comparator-{n}-statistical_neighbours": f"{60 + n}", f"comparator-{n}-england": ""})
    response = sign_in(client, manager).post(reverse("reporting:comparators", args=[YEAR]), data)
    assert response.status_code == 400
    assert "Each measure can have only one row of comparators." in response.content.decode()
    assert sorted(ComparatorFigure.objects.filter(year=YEAR).values_list("measure", "statistical_neighbours")) == [
        ("children.rate_per_10000", Decimal("72.4")), ("lac.percent_in_timescale", Decimal("85.5"))]


def test_the_report_page_runs_the_same_number_of_queries_whatever_the_number_of_children(authority, client, manager):
    sign_in(client, manager)
    url = reverse("reporting:annual_report", args=[YEAR])
    client.get(url)  # the session and anything cached once

    def more_children(number, start):
        for n in range(start, start + number):
            kid = child(f"Extra{n}", f"QX{n:04d}", date_of_birth=D(2012, 1, 1 + n % 28), sex="MF"[n % 2],
                        ethnicity=["WBRI", "BAFR", "MWBC"][n % 3], is_uasc=n % 4 == 0)
            episode(kid, D(2024, 1, 1 + n % 28), placement=["U4", "K2"][n % 2], provider=["PR1", "PR4"][n % 2])
            lac_review(kid, D(2025, 5, 1 + n % 28), D(2025, 5, 15), ["PN1", "PN7", "PN0"][n % 3])
            OversightRecord.objects.create(child=kid, iro=authority["iro"], kind="midway_review", date=D(2025, 8, 1),
                                           rag="red")

    counts = []
    for number, start in ((3, 0), (15, 3)):
        more_children(number, start)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert page_tables(response).row("children-numbers", "Looked after at the end of the year (31 March)")[:2] == [
        "29", "28"]


# ---------------------------------------------------------------------------------------------
# 9. A real Celery worker makes the PDF
# ---------------------------------------------------------------------------------------------

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
    env = worker_env(database_url=database_url(connection.settings_dict), broker_url=broker_url,
                     secret_key=settings.SECRET_KEY, var_dir=tmp_path / "var",
                     email_backend="django.core.mail.backends.locmem.EmailBackend", application_name=name)
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
@pytest.mark.skipif(_worker_reason() is not None and os.environ.get(REQUIRE_ENV) != "1",
                    reason=str(_worker_reason()))
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
    assert 'filename="annual-iro-report-2025-draft-board.pdf"' in response["Content-Disposition"]
    _, text = pdf_text(response.content)
    assert "Looked after at the end of the year (31 March) 11 10" in text
    assert "Female c c c c" in text


@pytest.mark.django_db
def test_the_board_version_hides_caseload_ratios_that_would_give_a_small_count_away():
    """With one full-time IRO holding 3 children, "3 children per full-time IRO" would show the
    3 the board version hides elsewhere, so the ratios go with the count; the IRO count and
    FTE, which say nothing about children, stay."""
    from children.models import Allocation
    from reporting.presentation import board_suppression

    iro = IroFactory(first_name="Solo", last_name="Chair", fte=Decimal("1.00"))
    for number in range(3):
        Allocation.objects.create(child=child(f"Kid{number}", f"RATIO{number}"), iro=iro, start_date=D(2024, 1, 1))
    content = services.draft(services.report_for_year(2025), ON)
    assert content.figures["service.children_allocated"].this_year == 3
    assert content.figures["service.children_per_fte"].this_year == 3
    suppressed = board_suppression(content)
    for key in ("service.children_allocated", "service.children_per_fte", "service.average_per_iro"):
        assert (key, annual_report.THIS_YEAR) in suppressed, key
    assert ("service.iros", annual_report.THIS_YEAR) not in suppressed
    assert ("service.fte", annual_report.THIS_YEAR) not in suppressed
