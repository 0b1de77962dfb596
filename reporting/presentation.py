"""How a Report reads in each format and version: formatted cells for the HTML and PDF
template, the charts beside the tables and the CSV rows. The board version's small numbers are
suppressed here, once, so the page, the PDF and the CSV always suppress the same cells."""

from dataclasses import dataclass

from . import charts
from .annual_report import COUNT, LAST_YEAR, NUMBER, PERCENT, THIS_YEAR, YEARS
from .models import Variant
from .suppression import SUPPRESSED, percent_suppressed, suppressed_cells
from .targets import describe_target, met_in_words, target_met

NOT_AVAILABLE = "not available"
NOT_YET = "not yet"


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
    if kind == NUMBER and isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
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
        with_comparators = not table.is_grid and any(
            self.report.figures[key].statistical_neighbours is not None or self.report.figures[key].england is not None
            for row in table.cells.values()
            for key in row.values()
        )
        with_targets = not table.is_grid and any(
            self.report.figures[key].target is not None for row in table.cells.values() for key in row.values()
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
                key = cells[""]
                row["comparators"] = [self.comparator(key, "statistical_neighbours"), self.comparator(key, "england")]
            if with_targets:
                met = self.met(cells[""])
                row["target"] = self.target(cells[""])
                row["met"] = Cell(met, suppressed=met == SUPPRESSED, missing=not met)
            rows.append(row)
        return {
            "key": table.key,
            "id": table.key.replace(".", "-").replace("_", "-"),
            "caption": table.caption,
            "is_grid": table.is_grid,
            "columns": [label for _, label in table.columns],
            "rows": rows,
            "with_comparators": with_comparators,
            "with_targets": with_targets,
            "note": table.note,
            "chart": self.chart(table),
        }

    def chart(self, table):
        if not table.chart:
            return None
        if table.chart.get("line"):
            return self.trend_chart(table)
        column = table.chart["column"]
        shown, left_out = [], 0
        for row_key in table.chart["rows"]:
            key = table.cells[row_key][column]
            value = self.report.figures[key].value(THIS_YEAR)
            if self.is_suppressed(key, THIS_YEAR) or value is None:
                left_out += 1
                continue
            shown.append((self.report.figures[key].label, value))
        description = (
            f"{table.caption}, {self.report.label}: one bar per group. The table beside the chart gives "
            f"the same figures and last year's."
        )
        if left_out:
            description += f" {left_out} groups with small numbers are not drawn, to protect children's privacy."
        chart_id = "chart-" + table.key.replace(".", "-").replace("_", "-")
        return charts.bar_chart(
            chart_id=chart_id,
            title=table.caption,
            description=description,
            bars=shown,
            value_axis_label=table.chart["axis"],
            category_axis_label="",
            percent=table.chart["percent"],
        )

    def trend_chart(self, table):
        """A line of this year's figure quarter by quarter, with the year's local target, if set,
        drawn across. A quarter not started, suppressed or without a figure is not drawn (the
        chart would call it "no reviews") and the description says why; the table gives it."""
        points, not_drawn = [], []
        for row_key, label in table.rows:
            key = table.cells[row_key][""]
            figure = self.report.figures[key]
            short = label.split(" ", 1)[0]
            if THIS_YEAR in figure.not_started:
                not_drawn.append(f"{short} has not started yet")
            elif self.is_suppressed(key, THIS_YEAR):
                not_drawn.append(f"{short} has small numbers, left out to protect children's privacy")
            elif figure.value(THIS_YEAR) is None:
                not_drawn.append(f"{short} has nothing to count")
            else:
                points.append((short, figure.value(THIS_YEAR)))
        description = (
            f"{table.caption}, {self.report.label}: one point per quarter. The table beside the chart gives the "
            f"same figures and last year's."
        )
        if not_drawn:
            description += f" Not drawn: {'; '.join(not_drawn)}."
        year_figure = self.report.figures.get(table.chart["target_of"])
        target = None if year_figure is None or year_figure.target is None else float(year_figure.target)
        return charts.line_chart(
            chart_id="chart-" + table.key.replace(".", "-").replace("_", "-"),
            title=table.caption,
            description=description,
            points=points,
            x_axis_label="Quarter",
            y_axis_label=table.chart["axis"],
            percent=table.chart["percent"],
            target=target,
            target_label=f"Target for the year: {self.target(year_figure.key)}" if target is not None else "",
        )

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
            "Target",
            "Target met",
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
