"""How a Report reads in each format and version: formatted cells for the HTML and PDF
template, the charts beside the tables and the CSV rows. The board version's small numbers are
suppressed here, once, so the page, the PDF and the CSV always suppress the same cells."""

from dataclasses import dataclass

from . import charts
from .annual_report import COUNT, LAST_YEAR, NUMBER, PERCENT, THIS_YEAR, YEARS
from .highlights import HIGHLIGHTS, WITHHELD, change_in_words, direction, figure_keys
from .models import Variant
from .suppression import SUPPRESSED, percent_suppressed, suppressed_cells

NOT_AVAILABLE = "not available"


def board_suppression(report):
    """The (figure key, year) cells the board version shows as "c"."""
    counts = {
        (key, year): figure.value(year)
        for key, figure in report.figures.items()
        if figure.kind == COUNT
        for year in YEARS
    }
    constraints = [
        ((total, year), [(part, year) for part in parts])
        for section in report.sections
        for table in section.tables
        for total, parts in table.totals
        for year in YEARS
    ]
    suppressed = set(suppressed_cells(counts, constraints))
    for key, figure in report.figures.items():
        if figure.kind == COUNT or (figure.kind == NUMBER and not figure.numerator_key):
            continue
        for year in YEARS:
            numerator, denominator = figure.parts.get(year, [None, None])
            if figure.kind == NUMBER:
                numerator = report.figures[figure.numerator_key].value(year)
            if percent_suppressed(
                numerator,
                denominator,
                suppressed=suppressed,
                numerator_key=(figure.numerator_key, year) if figure.numerator_key else None,
                denominator_key=(figure.denominator_key, year) if figure.denominator_key else None,
            ):
                suppressed.add((key, year))
    return frozenset(suppressed)


def format_value(value, kind):
    if value is None:
        return NOT_AVAILABLE
    if kind == PERCENT:
        return f"{value:g}%" if isinstance(value, float) else f"{value}%"
    if kind == NUMBER and not float(value).is_integer():  # a float, or a Decimal such as an average
        return f"{float(value):,.1f}"
    return f"{int(value):,}"


@dataclass
class Cell:
    text: str
    suppressed: bool = False
    missing: bool = False


class Presenter:
    """A report as one variant shows it."""

    def __init__(self, report, variant):
        self.report = report
        self.variant = variant
        self.suppressed = board_suppression(report) if variant == Variant.BOARD else frozenset()

    def is_suppressed(self, key, year):
        return (key, year) in self.suppressed

    def cell(self, key, year):
        figure = self.report.figures[key]
        if self.is_suppressed(key, year):
            return Cell(SUPPRESSED, suppressed=True)
        value = figure.value(year)
        return Cell(format_value(value, figure.kind), missing=value is None)

    def comparator(self, key, which):
        value = getattr(self.report.figures[key], which)
        if value is None:
            return Cell("", missing=True)
        return Cell(
            format_value(
                float(value), self.report.figures[key].kind if self.report.figures[key].kind == PERCENT else NUMBER
            )
        )

    def sections(self):
        return [
            {
                "key": section.key,
                "title": section.title,
                "summary": section.summary,
                "tables": [self.table(table) for table in section.tables],
            }
            for section in self.report.sections
        ]

    def table(self, table):
        compared = [
            key
            for row in table.cells.values()
            if (key := row.get(table.comparator_column)) is not None
            and (
                self.report.figures[key].statistical_neighbours is not None
                or self.report.figures[key].england is not None
            )
        ]
        with_comparators = bool(compared)
        rows = []
        for row_key, label in table.rows:
            cells = table.cells.get(row_key, {})
            values = [
                [
                    self.cell(cells[column], year) if column in cells else Cell("", missing=True)
                    for column, _ in table.columns
                ]
                for year in YEARS
            ]
            row = {
                "label": label,
                "is_total": row_key == "total" or row_key.endswith(".total"),
                "this_year": values[0],
                "last_year": values[1],
            }
            if with_comparators:
                key = cells.get(table.comparator_column)
                row["comparators"] = (
                    [self.comparator(key, "statistical_neighbours"), self.comparator(key, "england")]
                    if key
                    else [Cell("", missing=True), Cell("", missing=True)]
                )
            rows.append(row)
        return {
            "key": table.key,
            "id": table.key.replace(".", "-").replace("_", "-"),
            "caption": table.caption,
            "is_grid": table.is_grid,
            "columns": [label for _, label in table.columns],
            "rows": rows,
            "with_comparators": with_comparators,
            "note": table.note,
            "chart": self.chart(table),
        }

    def chart(self, table):
        """Two bars per group, this year's and last year's, labelled as the table's rows are. A
        suppressed figure is written "c" where its bar would be; a group with neither year's figure
        is left out."""
        if not table.chart:
            return None
        column = table.chart["column"]
        labels = dict(table.rows)
        shown, compare, left_out = [], [], 0
        for row_key in table.chart["rows"]:
            key = table.cells[row_key][column]
            this_year, last_year = (self.chart_value(key, year) for year in YEARS)
            if this_year is None and last_year is None:
                left_out += 1
                continue
            shown.append((labels[row_key], this_year))
            compare.append(last_year)
        description = (
            f"{table.caption}: one pair of bars per group, {self.report.label} solid and "
            f"{self.report.previous_label} outlined. The table beside the chart gives the same figures."
        )
        if any(value == SUPPRESSED for _, value in shown) or SUPPRESSED in compare:
            description += (
                f' Figures shown as "{SUPPRESSED}" are small numbers left out to protect children\'s privacy.'
            )
        if left_out:
            description += f" {left_out} groups with no figures for either year are not drawn."
        chart_id = "chart-" + table.key.replace(".", "-").replace("_", "-")
        return charts.bar_chart(
            chart_id=chart_id,
            title=table.caption,
            description=description,
            bars=shown,
            value_axis_label=table.chart["axis"],
            category_axis_label="",
            percent=table.chart["percent"],
            compare=compare,
            series_labels=(self.report.label, self.report.previous_label),
        )

    def highlights(self):
        """The key highlights as this variant shows them: this year's and last year's figure, the
        direction of change and the sentence (the manager's, or drafted from the figures)."""
        shown = []
        for highlight in HIGHLIGHTS:
            key = highlight.figure_key
            this_year, last_year = self.cell(key, THIS_YEAR), self.cell(key, LAST_YEAR)
            withheld = any(
                self.is_suppressed(figure_key, year) for figure_key in figure_keys(highlight) for year in YEARS
            )
            written = self.report.highlights.get(highlight.key)
            compared = not (this_year.suppressed or last_year.suppressed)
            figure = self.report.figures[key]
            shown.append(
                {
                    "key": highlight.key,
                    "heading": highlight.heading,
                    "this_year": this_year,
                    "last_year": last_year,
                    "direction": direction(figure.this_year, figure.last_year) if compared else "",
                    "sentence": written["text"] if written and not withheld else self.drafted_sentence(highlight),
                    "drafted": self.drafted_sentence(highlight),
                    "rewritten": bool(written),
                }
            )
        return shown

    def drafted_sentence(self, highlight):
        """The sentence drafted from the figures as this variant shows them: a withheld figure is
        never compared with last year's, since "up" or "down" would say something about it."""
        key = highlight.figure_key
        figure = self.report.figures[key]
        this_year, last_year = self.cell(key, THIS_YEAR), self.cell(key, LAST_YEAR)
        if this_year.suppressed:
            return f"{highlight.heading}: {WITHHELD}."
        if figure.this_year is None:
            return f"{highlight.heading}: not available for {self.report.label}."
        opening = highlight.sentence.format(value=this_year.text)
        if last_year.suppressed:
            change = "the figure for the year before is not shown in this version"
        else:
            change = change_in_words(this_year.text, last_year.text, figure.this_year, figure.last_year)
        sentences = [f"{opening}, {change}."]
        for also_key, also in highlight.also:
            cell = self.cell(also_key, THIS_YEAR)
            if not cell.suppressed and not cell.missing and self.report.figures[also_key].this_year != 0:
                sentences.append(also.format(value=cell.text))
        return " ".join(sentences)

    def chart_value(self, key, year):
        """The number a bar is drawn to, "c" for a suppressed figure, None for one not available."""
        if self.is_suppressed(key, year):
            return SUPPRESSED
        return self.report.figures[key].value(year)

    def csv_rows(self):
        """One row per figure, in the order of the report: section, measure, this year, last
        year and the comparators; suppressed cells are "c", figures not available are empty."""
        yield [
            "Section",
            "Measure",
            "Unit",
            self.report.label,
            self.report.previous_label,
            "Statistical neighbours",
            "England",
        ]
        seen = set()
        for section in self.report.sections:
            for table in section.tables:
                for row_key, _ in table.rows:
                    for column, _ in table.columns:
                        key = table.cells.get(row_key, {}).get(column)
                        if key is None or key in seen:
                            continue
                        seen.add(key)
                        figure = self.report.figures[key]
                        yield [
                            section.title,
                            figure.label,
                            figure.kind,
                            self._csv_value(key, THIS_YEAR),
                            self._csv_value(key, LAST_YEAR),
                            _plain(figure.statistical_neighbours),
                            _plain(figure.england),
                        ]

    def _csv_value(self, key, year):
        if self.is_suppressed(key, year):
            return SUPPRESSED
        return _plain(self.report.figures[key].value(year))


def _plain(value):
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"
