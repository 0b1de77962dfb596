"""Every PDF the portal makes is PDF/UA-1: tagged, titled, in English, with headings a screen
reader can jump between, tables whose header cells say what they head and charts with a text
alternative. Each document is made once, through the real services, and read back with pypdf."""

import io
import subprocess

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from reporting import services as reporting_services
from reporting.models import AnnualReport, ReportDocument, Variant
from reviews import document_services, letter_services
from reviews.models import ReviewDocumentKind
from tests.annual_report.authority import COMPARATORS, OTHER_ACTIVITY, PLAN, YEAR, build_authority
from tests.conftest import kept_for_the_module
from tests.factories import (
    IroFactory,
    ManagerFactory,
    held_icpc,
)
from tests.test_lac_review_documents import recorded_lac_review

NARRATIVE = {
    "introduction": "The IRO service had a **busy** year.\n\n## Staffing\n\n- Two IROs joined\n- One left",
    "achievements": "1. More children chaired their reviews\n2. Fewer late reviews",
    "areas_for_development": "### Next year\n\nHear more children before their review.",
    "changes_from_childrens_views": "Children asked for shorter meetings, so reviews now last an hour.",
    "how_to_contact_an_iro": "Ask your carer or text the IRO service.",
}


def _annual_report_pdfs(manager):
    for year, fields in OTHER_ACTIVITY.items():
        reporting_services.save_other_activity(year, by=manager, fields=fields)
    reporting_services.save_comparators(YEAR, by=manager, figures=COMPARATORS)
    report = reporting_services.report_for_year(YEAR)
    reporting_services.update_narrative(
        report, by=manager, fields=NARRATIVE, action_plan=PLAN, expected_version=report.version
    )
    report = AnnualReport.objects.get(pk=report.pk)
    made = {}
    for variant in (Variant.INTERNAL, Variant.BOARD, Variant.CHILD_FRIENDLY):
        document = ReportDocument.objects.create(report=report, variant=variant, requested_by=manager)
        made[f"annual report ({variant})"] = bytes(
            reporting_services.render_document(document.pk, base_url="http://testserver/").content
        )
    return made


def _review_pdfs(iro, manager):
    lac = recorded_lac_review(iro, manager)
    letter_services.save_letter(lac, by=iro, text="Dear Robin,\n\nThank you for coming.", expected_version=None)
    icpc = held_icpc(
        iro,
        manager,
        attendees=[{"name": "Ed Teacher", "agency": "education", "attendance": "attended", "view_on_plan": "plan"}],
    )
    made = {}
    for review, kind in (
        (lac, ReviewDocumentKind.REVIEW_RECORD),
        (lac, ReviewDocumentKind.CHILD_LETTER),
        (icpc, ReviewDocumentKind.CONFERENCE_RECORD),
        (icpc, ReviewDocumentKind.PARENTS_COPY),
    ):
        document = document_services.create_document(review, kind=kind, by=iro)
        made[kind.label] = bytes(document_services.render_document(document.pk).content)
    return made


@pytest.fixture(scope="module")
def pdfs(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        build_authority()
        manager = ManagerFactory()
        made = _annual_report_pdfs(manager)
        made.update(_review_pdfs(IroFactory(), manager))
    return made


DOCUMENTS = [
    "annual report (internal)",
    "annual report (board)",
    "annual report (child_friendly)",
    "Review record",
    "Letter to the child",
    "Conference record",
    "Parents' copy of the conference record",
]
HEADINGS = [f"/H{level}" for level in range(1, 7)]


def resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def kids(node):
    found = resolve(node.get("/K", []))
    return found if isinstance(found, list) else [found]


def elements(node):
    """Every structure element under `node`, in reading order."""
    for kid in kids(node):
        kid = resolve(kid)
        if isinstance(kid, dict) and "/S" in kid:
            yield kid
            yield from elements(kid)


def element_numbers(node):
    """The object numbers of the structure elements under `node`."""
    for kid in kids(node):
        if isinstance(kid, IndirectObject) and "/S" in kid.get_object():
            yield kid.idnum
            yield from element_numbers(kid.get_object())


class Pdf:
    def __init__(self, content):
        self.content = content
        self.reader = PdfReader(io.BytesIO(content))
        self.root = self.reader.trailer["/Root"]
        self.tree = list(elements(resolve(self.root["/StructTreeRoot"])))

    def of_type(self, name):
        return [element for element in self.tree if element["/S"] == name]

    def marked_content(self):
        """(page number, tag, properties) of each marked-content sequence on the pages."""
        for number, page in enumerate(self.reader.pages):
            for operands, operator in ContentStream(page.get_contents(), self.reader).operations:
                if operator == b"BDC":
                    yield number, operands[0], operands[1]

    @property
    def xmp(self):
        return resolve(self.root["/Metadata"]).get_data().decode()


@pytest.fixture(scope="module", params=DOCUMENTS)
def pdf(request, pdfs):
    return Pdf(pdfs[request.param])


def test_every_document_is_identified_as_pdf_ua_1_with_its_title_shown_and_its_language(pdf):
    assert pdf.root["/MarkInfo"]["/Marked"].value is True
    assert pdf.root["/Lang"] == "en-GB"
    assert pdf.root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    title = pdf.reader.metadata["/Title"]
    assert title
    assert 'pdfuaid:part="1"' in pdf.xmp and f">{title}</rdf:li>" in pdf.xmp.replace("&#x27;", "'")
    info = subprocess.run(["pdfinfo", "-"], input=pdf.content, capture_output=True, check=True, text=False)
    lines = dict(line.split(":", 1) for line in info.stdout.decode().splitlines() if ":" in line)
    assert lines["Tagged"].strip() == "yes" and lines["Title"].strip() == title


def test_headings_start_at_h1_and_never_skip_a_level(pdf):
    levels = [int(element["/S"][2]) for element in pdf.tree if element["/S"] in HEADINGS]
    assert levels[0] == 1 and levels.count(1) == 1
    for previous, level in zip(levels, levels[1:]):
        assert level <= previous + 1, levels


def test_every_table_has_header_cells_that_say_whether_they_head_a_row_or_a_column(pdf):
    for table in pdf.of_type("/Table"):
        headers = [element for element in elements(table) if element["/S"] == "/TH"]
        assert headers
        assert {resolve(header["/A"])["/Scope"] for header in headers} <= {"/Row", "/Column"}
        cells = [element for element in elements(table) if element["/S"] == "/TD"]
        assert all(resolve(cell["/A"])["/Headers"] for cell in cells)


def test_all_content_is_in_the_structure_tree_or_marked_as_a_pagination_artifact(pdf):
    tree = resolve(pdf.root["/StructTreeRoot"])
    in_tree = set(element_numbers(tree))
    numbers = resolve(tree["/ParentTree"])["/Nums"]
    owners = dict(zip(numbers[::2], numbers[1::2]))
    artifacts = 0
    for page, tag, properties in pdf.marked_content():
        if tag == "/Artifact":
            artifacts += properties.get("/Type") == "/Pagination"
        else:
            owner = resolve(owners[page])[properties["/MCID"]]
            assert owner.idnum in in_tree, (page, tag, properties)
    assert artifacts >= len(pdf.reader.pages), "the page numbers or running title are not artifacts"


def test_every_figure_has_alternative_text(pdf):
    for figure in pdf.of_type("/Figure"):
        assert str(figure.get("/Alt", "")).strip()


def test_the_reports_charts_are_figures_described_as_on_the_page(pdfs):
    report = Pdf(pdfs["annual report (internal)"])
    board = Pdf(pdfs["annual report (board)"])
    alternatives = [str(figure["/Alt"]) for figure in report.of_type("/Figure")]
    assert len(alternatives) >= 5 and len(board.of_type("/Figure")) == len(alternatives)
    assert alternatives[0].startswith(
        "Age of children looked after at the end of the year. Age of children looked after at the end of the year: "
        "one pair of bars per group, April 2025 to March 2026 solid and April 2024 to March 2025 outlined."
    ), alternatives[0]


def test_the_reports_tables_head_rows_and_columns_as_the_page_does(pdfs):
    report = Pdf(pdfs["annual report (internal)"])
    scopes = [resolve(header["/A"])["/Scope"] for header in report.of_type("/TH")]
    assert scopes.count("/Column") > 20 and scopes.count("/Row") > 50


def test_every_link_is_described_by_its_words(pdf):
    """PDF/UA asks each link annotation for a description: the link's words, not its bare target."""
    for page in pdf.reader.pages:
        for annotation in page.get("/Annots", []):
            link = annotation.get_object()
            if link["/Subtype"] != "/Link":
                continue
            target = link.get("/Dest") or link["/A"]["/URI"]
            assert str(link["/Contents"]).strip() and link["/Contents"] != target, link


def test_the_reports_contents_links_say_the_sections_they_go_to(pdfs):
    report = Pdf(pdfs["annual report (internal)"])
    described = {
        str(annotation.get_object()["/Contents"])
        for page in report.reader.pages
        for annotation in page.get("/Annots", [])
    }
    assert {"Key highlights", "Children looked after"} <= described, sorted(described)
