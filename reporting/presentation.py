"""How a Report reads in each format and version: formatted cells for the HTML and PDF
template, the charts beside the tables and the CSV rows. The board version's small numbers are
suppressed here, once, so the page, the PDF and the CSV always suppress the same cells."""

from dataclasses import dataclass

from . import charts
from .annual_report import COUNT, LAST_YEAR, NUMBER, PERCENT, THIS_YEAR, YEARS
from .highlights import HIGHLIGHTS, WITHHELD, change_in_words, direction, figure_keys
from .models import Variant
from .suppression import SUPPRESSED, percent_suppressed, suppressed_cells
from .targets import describe_target, met_in_words, target_met

NOT_AVAILABLE = "not available"
NOT_YET = "not yet"
BOARD_NOTICE = (
    "This is the version for the Corporate Parenting Board. To protect children's privacy, numbers from 1 to 5, "
    "percentages worked out from them and any figure from which they could be worked out are shown as"
)
"""Opens the board version in every format, which each ends with its own "c"."""


def document_title(content, published, *, is_board):
    """The report's title in every format: the page's <title>, the PDF's and the Word copy's."""
    if published:
        title = f"Annual IRO report {content.label}, version {published.number}"
    else:
        title = f"Draft annual IRO report {content.label}"
    if is_board:
        title += " (board version)"
    return f"{title}, {content.authority}"


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
        if year in figure.not_started:
            return Cell(NOT_YET, missing=True)
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

    def target(self, key):
        """The figure's target in words ("at least 98%"), empty when none is set."""
        figure = self.report.figures[key]
        return describe_target(figure.target, figure.target_direction, percent=figure.kind == PERCENT)

    def met(self, key):
        """Whether this year's figure met its target, in words: "met", "not met", or "c" when the
        figure itself is suppressed (saying whether it met its target would give it away);
        empty when there is no target or no figure."""
        figure = self.report.figures[key]
        if figure.target is None:
            return ""
        if self.is_suppressed(key, THIS_YEAR):
            return SUPPRESSED
        return met_in_words(target_met(figure.value(THIS_YEAR), figure.target, figure.target_direction))

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
        # Targets sit beside the same figures as comparators: a list's one column, a grid's shares.
        with_targets = any(
            (key := row.get(table.comparator_column)) is not None and self.report.figures[key].target is not None
            for row in table.cells.values()
        )
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
            if with_targets:
                key = cells.get(table.comparator_column)
                met = self.met(key) if key else ""
                row["target"] = self.target(key) if key else ""
                row["met"] = Cell(met, suppressed=met == SUPPRESSED, missing=not met)
            rows.append(row)
        return {
            "key": table.key,
            "id": table.key.replace(".", "-").replace("_", "-"),
            "caption": table.caption,
            "is_grid": table.is_grid,
            "row_heading": table.row_heading,
            "columns": [label for _, label in table.columns],
            "rows": rows,
            "with_comparators": with_comparators,
            "with_targets": with_targets,
            "note": table.note,
            "chart": self.chart(table),
        }

    def chart(self, table):
        """Two bars per group, this year's and last year's, labelled as the table's rows are. A
        suppressed figure is written "c" where its bar would be; a group with neither year's figure
        is left out."""
        if not table.chart:
            return None
        if table.chart.get("line"):
            return self.trend_chart(table)
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
                    "target": self.target(key),
                    "met": self.met(key),
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
        if self.met(key):
            sentences.append(f"The local target is {self.target(key)}: {self.met(key)}.")
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

    def trend_chart(self, table):
        """This year's figure and last year's, quarter by quarter, as two lines, with the year's
        local target, if set, drawn across. A quarter not started, suppressed or without a figure
        breaks its line rather than being drawn, and the description says why; the table gives it."""
        quarters, lines, not_drawn = [], {year: [] for year in YEARS}, []
        labels = {THIS_YEAR: self.report.label, LAST_YEAR: self.report.previous_label}
        for row_key, label in table.rows:
            key = table.cells[row_key][""]
            figure = self.report.figures[key]
            short = label.split(" ", 1)[0]
            quarters.append(short)
            for year in YEARS:
                reason = ""
                if year in figure.not_started:
                    reason = "has not started yet"
                elif self.is_suppressed(key, year):
                    reason = "has small numbers, left out to protect children's privacy"
                elif figure.value(year) is None:
                    reason = "has nothing to count"
                lines[year].append(None if reason else figure.value(year))
                if reason:
                    not_drawn.append(f"{short} of {labels[year]} {reason}")
        description = (
            f"{table.caption}: one point per quarter, a solid line for {labels[THIS_YEAR]} and a dashed one for "
            f"{labels[LAST_YEAR]}. The table beside the chart gives the same figures."
        )
        if not_drawn:
            description += f" Not drawn: {'; '.join(not_drawn)}."
        year_figure = self.report.figures.get(table.chart["target_of"])
        target = None if year_figure is None or year_figure.target is None else float(year_figure.target)
        return charts.line_chart(
            chart_id="chart-" + table.key.replace(".", "-").replace("_", "-"),
            title=table.caption,
            description=description,
            points=list(zip(quarters, lines[THIS_YEAR])),
            x_axis_label="Quarter",
            y_axis_label=table.chart["axis"],
            percent=table.chart["percent"],
            target=target,
            target_label=f"Target for the year: {self.target(year_figure.key)}" if target is not None else "",
            series_label=labels[THIS_YEAR],
            more_series=[(labels[LAST_YEAR], lines[LAST_YEAR])],
        )

    def csv_rows(self):
        """One row per figure, in the order of the report: section, measure, this year, last
        year, the comparators and the target; suppressed cells are "c", figures not available are
        empty. Each row ends with the authority's name, so rows from several authorities' files
        can be put together and still say whose they are."""
        yield [
            "Section",
            "Measure",
            "Unit",
            self.report.label,
            self.report.previous_label,
            "Statistical neighbours",
            "England",
            "Target",
            "Target met",
            "Authority",
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
                            self.target(key),
                            self.met(key),
                            self.report.authority,
                        ]

    def _csv_value(self, key, year):
        if self.is_suppressed(key, year):
            return SUPPRESSED
        if year in self.report.figures[key].not_started:
            return NOT_YET
        return _plain(self.report.figures[key].value(year))


def _plain(value):
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"
