"""The annual report as a Word document, for the committee papers boards assemble in Word.

It is drawn from the same context as the page and the PDF (services.report_context, so the
Presenter's board suppression, the narrative and the action plan are the page's own), laid out
with Word's own structure so Word's navigation pane and accessibility checker read it: heading
styles for the headings, real tables whose header row repeats on every page, lists as lists,
and each chart as a picture carrying the same text alternative as the PDF's.
"""

import io
from html.parser import HTMLParser
from xml.etree import ElementTree

import cairosvg
from django.utils import timezone
from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from iro_portal.charts_text import SVG, alternative_text
from iro_portal.dates import format_date

from .presentation import BOARD_NOTICE

LANGUAGE = "en-GB"
A4 = (Cm(21), Cm(29.7))
"""python-docx's blank document is US Letter; committee papers here are A4."""
MARGIN = Cm(2)
CHART_WIDTH = Cm(16)
"""Within the 17 cm between A4's margins."""
CHART_PIXELS = 1280
"""Drawn at twice the chart's own width (reporting.charts.WIDTH), so it prints sharply."""
WORD_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOT_WRITTEN = "Not written yet."
ACTION_PLAN_COLUMNS = [
    ("priority", "Priority"),
    ("measure", "How we will measure it"),
    ("intended_impact", "Intended impact"),
    ("action", "Action"),
]


def annual_report_docx(context) -> bytes:
    """The full or board version (services.report_context gives `context`) as .docx bytes."""
    content, published = context["content"], context["published"]
    document = Document()
    _set_language_and_properties(document, context["document_title"], content.authority)
    made = published.published_at if published else timezone.now()
    document.core_properties.created = document.core_properties.modified = made
    page = document.sections[0]
    page.page_width, page.page_height = A4
    page.left_margin = page.right_margin = MARGIN

    document.add_heading(f"Annual report of the Independent Reviewing Officer service, {content.label}", level=1)
    document.add_paragraph(content.authority, style="Subtitle")
    if published:
        document.add_paragraph(f"Published version {published.number}, {format_date(published.published_at)}")
    else:
        document.add_paragraph(f"Draft: figures as at {format_date(content.generated_on)}")
    if context["is_board"]:
        document.add_paragraph(f"{BOARD_NOTICE} c.", style="Intense Quote")
    if published and published.reason:
        document.add_paragraph(f"Reason for this version: {published.reason}")

    _highlights(document, context["highlights"], content)
    narrative = context["narrative"]
    for key, title, html in narrative:
        if key == "introduction":
            _narrative_section(document, title, html)
    for section in context["sections"]:
        document.add_heading(section["title"], level=2)
        document.add_paragraph(section["summary"])
        for table in section["tables"]:
            _figure_table(document, table, content)
    for key, title, html in narrative:
        if key != "introduction":
            _narrative_section(document, title, html)
    if context["progress_on_last_year"]:
        _progress_on_last_year(document, context["progress_on_last_year"], content.previous_label)
    if context["action_plan"] or not published:
        _action_plan(document, context["action_plan"], content.label)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_language_and_properties(document, title, authority) -> None:
    properties = document.core_properties
    properties.title, properties.author, properties.language = title, authority, LANGUAGE
    properties.last_modified_by, properties.comments = authority, ""
    # The language of the text itself, which Word's proofing and screen readers go by.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_properties.append(language)
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE)


def _highlights(document, highlights, content) -> None:
    """The key highlights, as _highlights.html lays them out: the sentences, then their figures."""
    document.add_heading("Key highlights", level=2)
    for highlight in highlights:
        document.add_paragraph(highlight["sentence"], style="List Bullet")
    caption = "Key figures, with the year before"
    _caption(document, caption)
    _table(
        document,
        ["Measure", content.label, content.previous_label, "Change", "Local target", "Target met this year"],
        [
            [
                highlight["heading"],
                highlight["this_year"].text,
                highlight["last_year"].text,
                highlight["direction"],
                highlight["target"] or "None set",
                _met(highlight["met"]),
            ]
            for highlight in highlights
        ],
        caption=caption,
        numeric=True,
    )


def _met(words: str) -> str:
    """ "Met" or "Not met" as the page writes them; "c" where the figure is suppressed."""
    return words if words == "c" else words.capitalize()


def _narrative_section(document, title, html) -> None:
    document.add_heading(title, level=2)
    if html:
        _Narrative(document).feed(str(html))
    else:
        document.add_paragraph(NOT_WRITTEN)


def _caption(document, text) -> None:
    caption = document.add_paragraph(text, style="Caption")
    caption.paragraph_format.keep_with_next = True


def _chart(document, svg) -> None:
    """The chart's SVG drawn as a PNG picture, described as the page and the PDF describe it."""
    element = ElementTree.fromstring(str(svg))
    png = cairosvg.svg2png(bytestring=str(svg).encode(), output_width=CHART_PIXELS)
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.keep_with_next = True
    picture = paragraph.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
    description = picture._inline.docPr
    description.set("descr", alternative_text(element))
    description.set("title", " ".join(element.findtext(f"{SVG}title", "").split()))


def _figure_table(document, table, content) -> None:
    """One of the report's tables, as _report_table.html lays it out, after its chart."""
    if table["chart"]:
        _chart(document, table["chart"])
    _caption(document, table["caption"])
    columns = table["columns"]
    if table["is_grid"]:
        # One header row naming the year in each column, rather than the page's two rows with
        # merged year cells: Word reads a table's headers from one row, and its accessibility
        # checker flags merged cells.
        header = (
            [table["row_heading"]]
            + [f"{column}, {content.label}" for column in columns]
            + [f"{column}, {content.previous_label}" for column in columns]
        )
    else:
        header = ["Measure", content.label, content.previous_label]
    if table["with_comparators"]:
        header += (
            ["Statistical neighbours (%)", "England (%)"] if table["is_grid"] else ["Statistical neighbours", "England"]
        )
    if table["with_targets"]:
        header += ["Target", "Target met this year"]
    body = [
        [
            row["label"],
            *[cell.text for cell in row["this_year"] + row["last_year"] + row.get("comparators", [])],
            *([row["target"], _met(row["met"].text)] if table["with_targets"] else []),
        ]
        for row in table["rows"]
    ]
    _table(document, header, body, caption=table["caption"], numeric=True)
    if table["note"]:
        document.add_paragraph(table["note"])


def _progress_on_last_year(document, items, previous_label) -> None:
    """Last year's priorities and how far each got, as the page's table gives them."""
    document.add_heading("Progress against last year's action plan", level=2)
    caption = f"The priorities of {previous_label} and how far they got"
    _caption(document, caption)
    _table(
        document,
        ["Priority", "Progress", "Comment"],
        [[item["priority"], item["progress_label"], item["progress_comment"]] for item in items],
        caption=caption,
    )


def _action_plan(document, action_plan, label) -> None:
    document.add_heading("Priorities and action plan", level=2)
    if not action_plan:
        document.add_paragraph("No priorities entered yet.")
        return
    caption = f"Priorities for {label} and beyond"
    _caption(document, caption)
    _table(
        document,
        [heading for _, heading in ACTION_PLAN_COLUMNS],
        [[item.get(key, "") for key, _ in ACTION_PLAN_COLUMNS] for item in action_plan],
        caption=caption,
    )


def _table(document, header, body, *, caption, numeric=False):
    """A Word table: its header row marked to repeat on every page (which also tells a screen
    reader it is the header), its caption as the table's title, figures aligned right."""
    word_table = document.add_table(rows=0, cols=len(header))
    word_table.style = "Table Grid"
    word_table.alignment = WD_TABLE_ALIGNMENT.LEFT
    properties = word_table._tbl.tblPr
    title = OxmlElement("w:tblCaption")
    title.set(qn("w:val"), caption)
    properties.append(title)
    row = word_table.add_row()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(row.cells, header):
        cell.paragraphs[0].add_run(text).bold = True
    for texts in body:
        row = word_table.add_row()
        for position, (cell, text) in enumerate(zip(row.cells, texts)):
            lines = str(text).splitlines() or [""]
            paragraph = cell.paragraphs[0]
            for number, line in enumerate(lines):
                run = paragraph.add_run(line)
                if number < len(lines) - 1:
                    run.add_break()
            if numeric and position:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()
    return word_table


class _Narrative(HTMLParser):
    """The narrative's HTML (reporting.narrative.render_markdown: paragraphs, headings 3 and 4,
    lists, bold, italic, code, links, quotes and simple tables) as Word paragraphs, runs and
    tables."""

    HEADINGS = {"h3": 3, "h4": 4}

    def __init__(self, document) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = None
        self.bold = self.italic = self.code = 0
        self.lists: list[tuple[str, int | None]] = []
        self.quote = 0
        self.link: str | None = None
        self.link_text: list[str] = []
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if self.rows is not None:
            self._table_start(tag)
        elif tag in self.HEADINGS:
            self.paragraph = self.document.add_heading("", level=self.HEADINGS[tag])
        elif tag == "p":
            if not (self.lists and self.paragraph is not None and not self.paragraph.text):
                self.paragraph = self.document.add_paragraph(style="Quote" if self.quote else None)
        elif tag in ("ul", "ol"):
            self.lists.append((tag, _restarted_numbering(self.document) if tag == "ol" else None))
            self.paragraph = None
        elif tag == "li":
            kind, numbering = self.lists[-1] if self.lists else ("ul", None)
            depth = min(len(self.lists), 3)
            style = ("List Number" if kind == "ol" else "List Bullet") + (f" {depth}" if depth > 1 else "")
            self.paragraph = self.document.add_paragraph(style=style)
            if numbering is not None:
                _number_with(self.paragraph, numbering, depth - 1)
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "strong":
            self.bold += 1
        elif tag == "em":
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.link, self.link_text = dict(attrs).get("href") or "", []
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "table":
            self.rows = []

    def handle_endtag(self, tag):
        if self.rows is not None:
            self._table_end(tag)
        elif tag in ("p", *self.HEADINGS, "li"):
            self.paragraph = None
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote -= 1
        elif tag == "strong":
            self.bold -= 1
        elif tag == "em":
            self.italic -= 1
        elif tag == "code":
            self.code -= 1
        elif tag == "a" and self.link is not None:
            text, href = "".join(self.link_text), self.link
            self.link = None
            if href and href not in text:
                self._run(f" ({href.removeprefix('mailto:')})")

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
            return
        if self.paragraph is None and not data.strip():
            return
        if self.link is not None:
            self.link_text.append(data)
        self._run(data)

    def _run(self, text):
        if self.paragraph is None:
            self.paragraph = self.document.add_paragraph(style="Quote" if self.quote else None)
        run = self.paragraph.add_run(" ".join(text.split("\n")))
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
        if self.code:
            run.font.name, run.font.size = "Courier New", Pt(10)

    def _table_start(self, tag):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self.cell = []

    def _table_end(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            rows, self.rows = self.rows or [], None
            width = max((len(row) for row in rows), default=0)
            rows = [row + [""] * (width - len(row)) for row in rows]
            if width:
                # A Markdown table's first row is its header row.
                _table(self.document, rows[0], rows[1:], caption="Table in the narrative")


def _restarted_numbering(document) -> int:
    """A new numbering instance of the "List Number" style's list, so each numbered list in the
    narrative starts again at 1 rather than carrying on from the one before."""
    numbering = document.part.numbering_part.element
    style = document.styles["List Number"].element
    abstract_of_style = int(numbering.num_having_numId(int(style.pPr.numPr.numId.val)).abstractNumId.val)
    number = numbering.add_num(abstract_of_style)
    override = number.add_lvlOverride(ilvl=0)
    override.add_startOverride(1)
    return int(number.numId)


def _number_with(paragraph, numbering, level) -> None:
    numbers = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    numbers.get_or_add_ilvl().val = level
    numbers.get_or_add_numId().val = numbering
