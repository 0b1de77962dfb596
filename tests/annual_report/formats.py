"""Reading the annual report's formats (HTML tables, CSV, PDF) and checking that nothing the board
version suppresses can be worked out from what it shows."""

import csv
import functools
import io
from fractions import Fraction
from html.parser import HTMLParser

from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from reporting import annual_report
from reporting.models import DocumentStatus, ReportDocument
from tests.annual_report.authority import LAST, THIS


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
    assert header == [
        "Section",
        "Measure",
        "Unit",
        THIS,
        LAST,
        "Statistical neighbours",
        "England",
        "Target",
        "Target met",
        "Authority",
    ]
    assert {row[-1] for row in body} == {settings.AUTHORITY_NAME}, "each row says whose figures they are"
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
    return {
        key
        for section in layout()[0]
        for table in section.tables
        for cells in table.cells.values()
        for key in cells.values()
    }


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

        def value(key, column=column):
            return csv_rows[names[key]][column] if names[key] in csv_rows else None

        for section in sections:
            for table in section.tables:
                equations, unknowns = [], set()
                for total, parts in table.totals:
                    members = {total: 1, **dict.fromkeys(parts, -1)}
                    hidden = [key for key in members if value(key) in ("c", None)]
                    suppressed = [key for key in hidden if value(key) == "c"]
                    assert not (len(hidden) == 1 and suppressed), (
                        f"{names[hidden[0]]} = total minus the shown parts: {[(names[k], value(k)) for k in members]}"
                    )
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
