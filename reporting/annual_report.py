"""The annual IRO report's content: every figure for a reporting year and the year before,
taken from reporting.selectors (the same functions as the dashboard, never a second
calculation), laid out in the sections of DESIGN.md section 4.

A report is plain data (`Report`), so that publishing can freeze it as JSON and every format
(HTML, PDF, CSV, the board and children's versions) is drawn from the same object. Figures have
a kind: counts of children or events about them (which the board version suppresses when
small), percentages (suppressed when their numerator or denominator is), and other numbers such
as FTE or rates (never suppressed: they cannot identify a child).
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from caseloads.selectors import IRO_ALLOCATION_OUTCOMES
from children.codes import SHORT_BREAK_LEGAL_STATUSES, CategoryOfAbuse, LegalStatus, Sex
from children.selectors import ETHNIC_GROUPS, PLACEMENT_GROUPS, PROVIDER_GROUPS
from consultations.figure_selectors import CHILD_AGE_BANDS, LISTENED_SCORES
from consultations.models import CONSULTED_KINDS, AlertReason, PersonType
from escalations.codes import AreaOfConcern, Stage
from escalations.timescales import formal_process_limit
from oversight.models import OversightKind, Rag
from reviews.models import LateReason, ParentsParticipation, ParticipationCode, ReviewKind
from reviews.record_models import CarePlanCheckKind
from reviews.record_selectors import CHILD_VIEWS_NOT_OBTAINED, CHILD_VIEWS_NOT_RECORDED, CHILD_VIEWS_OUTCOMES
from reviews.selectors import NOT_RECORDED, recorded_value

from . import report_outcomes, stored_figures
from .detail_selectors import LATENESS_BANDS
from .models import AnnualReport, Progress
from .periods import Period, reporting_year, reporting_year_label
from .selectors import percent

Raw = dict[str, Any]
"""One year's figures as reporting.selectors.reporting_year_figures gives them, with "other" (the
figures entered by hand, or None)."""
ValueOf = Callable[..., Any]
"""Gives a figure's value from one year's Raw; the lambdas that bind a category by a default
argument are more than the type checker follows, hence "..."."""

COUNT = "count"
PERCENT = "percent"
NUMBER = "number"

GRID_PERCENT = "percent"
"""The column of a grid giving each row's percentage of the whole."""

THIS_YEAR = "this_year"
LAST_YEAR = "last_year"
YEARS = (THIS_YEAR, LAST_YEAR)

AGE_BANDS = [
    ("under_1", "Under 1"),
    ("1_to_4", "1 to 4"),
    ("5_to_9", "5 to 9"),
    ("10_to_15", "10 to 15"),
    ("16_and_over", "16 and over"),
]
UASC_COLUMNS = [("all", "All children looked after"), ("not_uasc", "Not UASC"), ("uasc", "UASC")]
STANDARD_LABELS = {
    "report": "Social worker's report received in time",
    "decisions": "Decisions circulated in time",
    "record": "Full record circulated in time",
}
NARRATIVE_SECTIONS = [
    ("introduction", "Introduction"),
    ("achievements", "Achievements this year"),
    ("areas_for_development", "Areas for development"),
]
CHILDRENS_SECTIONS = [
    ("changes_from_childrens_views", "What changed because of what children said"),
    ("how_to_contact_an_iro", "How children can contact an IRO"),
]
"""The narrative written for the version for children and young people."""


@dataclass
class Figure:
    key: str
    label: str
    kind: str
    this_year: object = None
    last_year: object = None
    parts: dict = field(default_factory=dict)
    """For percentages: {year: [numerator, denominator]}, so small parts can be suppressed."""
    numerator_key: str = ""
    denominator_key: str = ""
    statistical_neighbours: object = None
    england: object = None
    target: object = None
    """The local target set for this year (reporting.targets), or None."""
    target_direction: str | None = None
    """reporting.models.TargetDirection: "at_least" or "at_most"."""
    not_started: list = field(default_factory=list)
    """The years (THIS_YEAR, LAST_YEAR) in which the figure's period had not started when the
    report was made: a quarter still to come, shown as "not yet" rather than as nothing."""

    def value(self, year: str) -> Any:
        return getattr(self, year)


@dataclass
class Table:
    key: str
    caption: str
    rows: list
    """[(row_key, label)]"""
    columns: list
    """[(column_key, label)]; one unlabelled column ("", "") for a simple list of measures."""
    cells: dict
    """{row_key: {column_key: figure_key}}"""
    totals: list = field(default_factory=list)
    """[(total_figure_key, [part_figure_keys])]: each total is the sum of its parts, which the
    board version's secondary suppression needs to know."""
    chart: dict | None = None
    """{"column": column_key, "percent": bool, "axis": label}: a bar chart of this year's values."""
    note: str = ""
    comparator_column: str = ""
    """The column whose figures comparators are shown beside: the one column of a simple list,
    the percentage column of a grid."""
    row_heading: str = "Group"
    """What a grid's rows are, heading the column of their labels."""

    @property
    def is_grid(self) -> bool:
        return len(self.columns) > 1 or self.columns[0][0] != ""


@dataclass
class Section:
    key: str
    title: str
    summary: str
    tables: list


@dataclass
class Report:
    year: int
    generated_on: date
    sections: list
    figures: dict
    narrative: dict
    action_plan: list
    comparators_entered: bool = False
    authority: str = ""
    highlights: dict = field(default_factory=dict)
    """The key highlights' sentences a manager rewrote: {highlight key: {"text": the sentence,
    "figures": {figure key: [this year, last year] when it was written}}} (reporting.highlights)."""
    """The authority's name (settings.AUTHORITY_NAME) when the report was made, so a published
    version keeps the name it was published under."""

    @property
    def period(self) -> Period:
        return reporting_year(self.year)

    @property
    def label(self) -> str:
        return reporting_year_label(self.year)

    @property
    def previous_label(self) -> str:
        return reporting_year_label(self.year - 1)

    @property
    def progress_on_last_year(self) -> list[dict[str, Any]]:
        """Last year's priorities carried into this report, each with how far it got."""
        return [
            {**item, "progress_label": Progress(item["progress"]).label}
            for item in self.action_plan
            if item["progress"]
        ]

    @property
    def priorities(self) -> list[dict[str, Any]]:
        """The plan for the year ahead: new priorities and those carried forward."""
        return [item for item in self.action_plan if item["progress"] in ("", Progress.CARRIED_FORWARD)]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_on"] = self.generated_on.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        return cls(
            year=data["year"],
            generated_on=date.fromisoformat(data["generated_on"]),
            sections=[
                Section(**{**section, "tables": [Table(**table) for table in section["tables"]]})
                for section in data["sections"]
            ],
            figures={key: Figure(**figure) for key, figure in data["figures"].items()},
            narrative=data["narrative"],
            action_plan=[{"progress": "", "progress_comment": "", **item} for item in data["action_plan"]],
            comparators_entered=data.get("comparators_entered", False),
            authority=data.get("authority") or settings.AUTHORITY_NAME,
            highlights=data.get("highlights", {}),
        )


class _Builder:
    """Collects figures (with both years' values) and the tables that show them."""

    def __init__(
        self, this_year: Raw | None = None, last_year: Raw | None = None, *, layout_only: bool = False
    ) -> None:
        self.raw = {THIS_YEAR: this_year, LAST_YEAR: last_year}
        self.layout_only = layout_only
        self.figures: dict[str, Figure] = {}

    def add(
        self, key: str, label: str, kind: str, value_of: ValueOf, *, numerator_key: str = "", denominator_key: str = ""
    ) -> str:
        """`value_of(raw)` gives the figure for one year; for a percentage it gives
        (numerator, denominator) and the percentage is worked out here."""
        figure = Figure(key=key, label=label, kind=kind, numerator_key=numerator_key, denominator_key=denominator_key)
        self.figures[key] = figure
        if self.layout_only:
            return key
        for year in YEARS:
            value = value_of(self.raw[year])
            if kind == PERCENT:
                numerator, denominator = value
                figure.parts[year] = [numerator, denominator]
                value = None if numerator is None or denominator is None else percent(numerator, denominator)
            setattr(figure, year, value)
        return key

    def count(self, key: str, label: str, value_of: ValueOf) -> str:
        return self.add(key, label, COUNT, value_of)

    def number(self, key: str, label: str, value_of: ValueOf, *, numerator_key: str = "") -> str:
        """A number that is not a count of children; `numerator_key` names the count it is worked
        out from, if any, which the board version suppresses it with."""
        return self.add(key, label, NUMBER, value_of, numerator_key=numerator_key)

    def percent(self, key: str, label: str, numerator_key: str, denominator_key: str) -> str:
        """A percentage of two figures already added."""
        figure = Figure(
            key=key, label=label, kind=PERCENT, numerator_key=numerator_key, denominator_key=denominator_key
        )
        self.figures[key] = figure
        for year in YEARS:
            numerator = self.figures[numerator_key].value(year)
            denominator = self.figures[denominator_key].value(year)
            figure.parts[year] = [numerator, denominator]
            setattr(figure, year, None if numerator is None or denominator is None else percent(numerator, denominator))
        return key

    def total(self, key: str, label: str, part_keys: list[str]) -> str:
        """A total worked out from its parts, so that parts and total always agree."""
        figure = Figure(key=key, label=label, kind=COUNT)
        self.figures[key] = figure
        for year in YEARS:
            values = [self.figures[part].value(year) for part in part_keys]
            setattr(figure, year, None if any(value is None for value in values) else sum(values))
        return key


def _list_table(
    key: str,
    caption: str,
    figure_keys: list[str],
    builder: _Builder,
    *,
    labels: dict[str, str] | None = None,
    **options: Any,
) -> Table:
    """A simple table: one row per figure (labelled with `labels[last part of its key]` when given)."""

    def label(figure_key: str) -> str:
        return labels[figure_key.rsplit(".", 1)[1]] if labels else builder.figures[figure_key].label

    return Table(
        key=key,
        caption=caption,
        rows=[(figure_key, label(figure_key)) for figure_key in figure_keys],
        columns=[("", "")],
        cells={figure_key: {"": figure_key} for figure_key in figure_keys},
        **options,
    )


def _breakdown(
    builder: _Builder,
    key: str,
    caption: str,
    items: Sequence[tuple[str, str]],
    value_of: Callable[[Raw, str], Any],
    *,
    prefix: str,
    total_label: str,
    chart_axis: str,
    percent_of_total: bool = False,
    note: str = "",
) -> Table:
    """One row per category and a total row; a bar chart of the categories this year. Figures
    are named "prefix: category" so that each reads on its own in the CSV."""
    part_keys = [
        builder.count(f"{key}.{item}", f"{prefix}: {label}", lambda raw, item=item: value_of(raw, item))
        for item, label in items
    ]
    total_key = builder.total(f"{key}.total", f"{prefix}: {total_label.lower()}", part_keys)
    rows = [*zip(part_keys, (label for _, label in items)), (total_key, total_label)]
    chart = {"column": "number" if percent_of_total else "", "percent": False, "axis": chart_axis, "rows": part_keys}
    if percent_of_total:
        percents = [
            builder.percent(f"{part}.percent", f"{builder.figures[part].label} (%)", part, total_key)
            for part in part_keys
        ]
        cells = {
            **{part: {"number": part, "percent": pct} for part, pct in zip(part_keys, percents)},
            total_key: {"number": total_key},
        }
        columns = [("number", "Number"), ("percent", "Percentage")]
        comparator_column = "percent"
    else:
        cells = {part: {"": part} for part, _ in rows}
        columns = [("", "")]
        comparator_column = ""
    return Table(
        key=key,
        caption=caption,
        rows=rows,
        columns=columns,
        cells=cells,
        totals=[(total_key, part_keys)],
        chart=chart,
        note=note,
        comparator_column=comparator_column,
        row_heading=prefix,
    )


def _grid(
    builder: _Builder,
    key: str,
    caption: str,
    row_items: Sequence[tuple[str, str]],
    column_items: Sequence[tuple[str, str]],
    value_of: Callable[[Raw, str, str], Any],
    *,
    total_row_label: str,
    total_column: tuple[str, str] | None = None,
    row_heading: str,
) -> Table:
    """A two-way table with a total row (and optionally a total column) and every constraint
    between its cells, for secondary suppression."""
    cells: dict[str, dict[str, str]] = {}
    totals: list[tuple[str, list[str]]] = []
    row_keys: list[str] = []
    for row, row_label in row_items:
        cells[row] = {}
        parts = []
        for column, column_label in column_items:
            figure_key = builder.count(
                f"{key}.{row}.{column}",
                f"{row_label}: {column_label}",
                lambda raw, row=row, column=column: value_of(raw, row, column),
            )
            cells[row][column] = figure_key
            parts.append(figure_key)
        if total_column:
            cells[row][total_column[0]] = builder.total(
                f"{key}.{row}.{total_column[0]}", f"{row_label}: {total_column[1]}", parts
            )
            totals.append((cells[row][total_column[0]], parts))
        row_keys.append(row)
    columns = [*column_items, *([total_column] if total_column else [])]
    cells["total"] = {}
    for column, column_label in columns:
        parts = [cells[row][column] for row in row_keys]
        cells["total"][column] = builder.total(f"{key}.total.{column}", f"{total_row_label}: {column_label}", parts)
        totals.append((cells["total"][column], parts))
    if not total_column:
        return Table(
            key=key,
            caption=caption,
            rows=[*row_items, ("total", total_row_label)],
            columns=columns,
            cells=cells,
            totals=totals,
            row_heading=row_heading,
        )
    totals.append((cells["total"][total_column[0]], [cells["total"][column] for column, _ in column_items]))
    # Each row's share of the whole: the figure published comparators (statistical neighbours,
    # England) give for a grid like this, so it is the one they are set beside.
    for row, row_label in row_items:
        cells[row][GRID_PERCENT] = builder.percent(
            f"{key}.{row}.percent",
            f"{row_label}: percentage of {total_row_label.lower()}",
            cells[row][total_column[0]],
            cells["total"][total_column[0]],
        )
    return Table(
        key=key,
        caption=caption,
        rows=[*row_items, ("total", total_row_label)],
        columns=[*columns, (GRID_PERCENT, "Percentage")],
        cells=cells,
        totals=totals,
        comparator_column=GRID_PERCENT,
        row_heading=row_heading,
    )


def _other_number(key: str) -> ValueOf:
    """An entered figure that is not a count of children (FTE, sessions), an FTE as a float."""

    def value_of(raw: Raw) -> Any:
        value = raw["other"].get(key) if raw["other"] else None
        return float(value) if isinstance(value, Decimal) else value

    return value_of


def _service(b: _Builder) -> Section:
    b.number(
        "service.iros", "IROs holding cases or in post at the end of the year", lambda raw: raw["caseloads"]["iros"]
    )
    b.number("service.fte", "Full-time equivalent IROs", lambda raw: float(raw["caseloads"]["total_fte"]))
    b.number(
        "service.part_time_iros",
        "Of those, working part time",
        lambda raw: raw["caseloads"]["part_time_iros"],
    )
    b.number(
        "service.agency_iros",
        "Of those, agency (interim) IROs",
        lambda raw: raw["caseloads"]["agency_iros"],
    )
    b.count(
        "service.children_allocated",
        "Children allocated to an IRO at the end of the year (looked after or on a child protection plan)",
        lambda raw: raw["caseloads"]["total_children"],
    )
    b.count(
        "service.lac_children_allocated",
        "Of those, children looked after",
        lambda raw: raw["caseloads"]["total_lac_children"],
    )
    # Ratios of the children allocated: the board version hides them with that count, or they
    # would give it away (3 children per FTE with 1 FTE is 3 children).
    b.number(
        "service.children_per_fte",
        "Children per full-time IRO, looked after and on a plan (IRO Handbook: 50 to 70)",
        lambda raw: raw["caseloads"]["per_fte"],
        numerator_key="service.children_allocated",
    )
    b.number(
        "service.lac_children_per_fte",
        "Children looked after per full-time IRO",
        lambda raw: raw["caseloads"]["lac_per_fte"],
        numerator_key="service.lac_children_allocated",
    )
    b.number(
        "service.average_per_iro",
        "Average caseload per IRO",
        lambda raw: raw["caseloads"]["average_per_iro"],
        numerator_key="service.children_allocated",
    )
    b.number(
        "service.above_band",
        "IROs with more than 70 children per full-time equivalent",
        lambda raw: raw["caseloads"]["above_band"],
    )
    b.number("service.vacancies_fte", "Vacant IRO posts at the end of the year (FTE)", _other_number("vacancies_fte"))
    b.number("service.training_sessions", "Training sessions IROs attended", _other_number("training_sessions"))
    b.number("service.training_hours", "Hours of training IROs attended", _other_number("training_hours"))
    b.number("service.supervision_sessions_due", "Supervision sessions due", _other_number("supervision_sessions_due"))
    b.number(
        "service.supervision_sessions_held", "Supervision sessions held", _other_number("supervision_sessions_held")
    )
    b.percent(
        "service.percent_supervision_held",
        "Supervision sessions held (% of those due)",
        "service.supervision_sessions_held",
        "service.supervision_sessions_due",
    )
    return Section(
        "service",
        "Service profile",
        "The IRO service at the end of the year and its caseloads against the IRO Handbook's 50 to 70 "
        "children per full-time IRO. Each year's FTE and agency IROs are as they were on its 31 March.",
        [
            _list_table(
                "service.caseloads",
                "IROs and caseloads",
                [
                    "service.iros",
                    "service.fte",
                    "service.part_time_iros",
                    "service.agency_iros",
                    "service.children_allocated",
                    "service.lac_children_allocated",
                    "service.children_per_fte",
                    "service.lac_children_per_fte",
                    "service.average_per_iro",
                    "service.above_band",
                ],
                b,
            ),
            _list_table(
                "service.staffing",
                "Vacancies, training and supervision",
                [
                    "service.vacancies_fte",
                    "service.training_sessions",
                    "service.training_hours",
                    "service.supervision_sessions_due",
                    "service.supervision_sessions_held",
                    "service.percent_supervision_held",
                ],
                b,
                note="Entered by the service manager under other activity; \u201cnot available\u201d means nothing "
                "was entered for that year.",
            ),
        ],
    )


def _rate_per_10000(raw: Raw) -> float | None:
    population = raw["other"] and raw["other"].get("child_population")
    if not population:
        return None
    return round(raw["children"]["looked_after_at_end"] * 10000 / population, 1)


def _children(b: _Builder) -> Section:
    b.count(
        "children.at_start",
        "Looked after at the start of the year (31 March before)",
        lambda raw: raw["children"]["looked_after_at_start"],
    )
    b.count(
        "children.at_end",
        "Looked after at the end of the year (31 March)",
        lambda raw: raw["children"]["looked_after_at_end"],
    )
    b.count(
        "children.during", "Looked after at any time in the year", lambda raw: raw["children"]["looked_after_during"]
    )
    b.count("children.started", "Started to be looked after", lambda raw: raw["children"]["started"])
    b.count("children.ceased", "Ceased to be looked after", lambda raw: raw["children"]["ceased"])
    b.number(
        "children.rate_per_10000",
        "Looked after per 10,000 children at the end of the year",
        _rate_per_10000,
        numerator_key="children.at_end",
    )
    b.count(
        "children.short_breaks_at_end",
        "Looked after only under a series of short breaks at the end of the year (31 March)",
        lambda raw: raw["children"]["only_short_breaks_at_end"],
    )
    b.count(
        "children.short_breaks_during",
        "Looked after only under a series of short breaks during the year",
        lambda raw: raw["children"]["only_short_breaks_during"],
    )
    summary = _list_table(
        "children.numbers",
        "Children looked after",
        [
            "children.at_start",
            "children.at_end",
            "children.during",
            "children.started",
            "children.ceased",
            "children.rate_per_10000",
            "children.short_breaks_at_end",
            "children.short_breaks_during",
        ],
        b,
        # Short breaks or not, the children looked after during the year are the oversight
        # section's: the board version must not let the one hidden be worked out from the other.
        totals=[("oversight.children_looked_after", ["children.during", "children.short_breaks_during"])],
        note="Counted as the DfE's published statistics count them: children looked after only under a series of "
        "short breaks (legal status V3 or V4) are left out of these figures and of the age, gender, ethnicity, legal "
        "status and placement tables, and shown on lines of their own. The rate per 10,000 needs the authority's "
        "child population, entered with the other activity.",
    )
    allocation = _iro_allocation(b)
    ages = _breakdown(
        b,
        "children.age",
        "Age of children looked after at the end of the year",
        AGE_BANDS,
        lambda raw, band: raw["children"]["age_bands"][band],
        prefix="Age",
        total_label="All ages",
        chart_axis="Children",
        percent_of_total=True,
    )
    sexes = _breakdown(
        b,
        "children.sex",
        "Gender of children looked after at the end of the year",
        Sex.choices,
        lambda raw, sex: raw["children"]["sex"][sex],
        prefix="Gender",
        total_label="All children",
        chart_axis="Children",
        percent_of_total=True,
    )
    ethnicity = _grid(
        b,
        "children.ethnicity",
        "Ethnic group of children looked after at the end of the year, by whether they are "
        "unaccompanied asylum-seeking children (UASC)",
        [(key, label) for key, label, _ in ETHNIC_GROUPS],
        UASC_COLUMNS[1:],
        lambda raw, group, column: raw["children"]["ethnicity"][group][column],
        total_row_label="All ethnic groups",
        total_column=UASC_COLUMNS[0],
        row_heading="Ethnic group",
    )
    ethnicity.columns = [UASC_COLUMNS[0], *UASC_COLUMNS[1:], (GRID_PERCENT, "Percentage")]
    legal = _breakdown(
        b,
        "children.legal_status",
        "Legal status of children looked after at the end of the year",
        [(code, f"{code}: {label}") for code, label in LegalStatus.choices if code not in SHORT_BREAK_LEGAL_STATUSES],
        lambda raw, code: raw["children"]["legal_status"][code],
        prefix="Legal status",
        total_label="All legal statuses",
        chart_axis="Children",
    )
    placements = _grid(
        b,
        "children.placements",
        "Placements of children looked after at the end of the year, by provider",
        [(key, label) for key, label, _ in PLACEMENT_GROUPS],
        [(key, label) for key, label, _ in PROVIDER_GROUPS],
        lambda raw, group, provider: raw["children"]["placements"][group][provider],
        total_row_label="All placements",
        total_column=("total", "Total"),
        row_heading="Placement",
    )
    return Section(
        "children",
        "Children looked after",
        "How many children the IROs reviewed for, who they are and where they live.",
        [summary, ages, sexes, ethnicity, legal, placements, allocation],
    )


def _iro_allocation(b: _Builder) -> Table:
    """IROs allocated to children starting care within the standard (reporting.detail_selectors
    .iro_allocation_figures, the dashboard's rule)."""
    allocation = "iro_allocation"
    for outcome, label in IRO_ALLOCATION_OUTCOMES:
        b.count(
            f"children.iro_allocation.{outcome}",
            f"Started to be looked after: {label[0].lower()}{label[1:]}",
            lambda raw, outcome=outcome: raw["detail"][allocation][outcome],
        )
    b.total(
        "children.iro_allocation.decided",
        "Started to be looked after: IRO allocated in time or not",
        ["children.iro_allocation.in_time", "children.iro_allocation.late"],
    )
    b.percent(
        "children.iro_allocation.percent_in_time",
        "IRO allocated within the standard (%)",
        "children.iro_allocation.in_time",
        "children.iro_allocation.decided",
    )
    return _list_table(
        "children.iro_allocation",
        "IROs allocated to children who started to be looked after",
        [
            "children.iro_allocation.in_time",
            "children.iro_allocation.late",
            "children.iro_allocation.pending",
            "children.iro_allocation.decided",
            "children.iro_allocation.percent_in_time",
        ],
        b,
        totals=[
            ("children.iro_allocation.decided", ["children.iro_allocation.in_time", "children.iro_allocation.late"])
        ],
        note=f"An IRO is allocated in time within {settings.REVIEW_STANDARDS['iro_allocated_within_working_days']} "
        "working days of the child starting to be looked after, as the dashboard counts it; short breaks included, "
        "as every child looked after has an IRO. Children still within that time are left out of the percentage.",
    )


def _lac_reviews(b: _Builder) -> Section:
    b.count("lac.held", "LAC reviews held", lambda raw: raw["reviews"][ReviewKind.LAC]["held"])
    b.count("lac.in_timescale", "Held in timescale", lambda raw: raw["reviews"][ReviewKind.LAC]["in_timescale"])
    b.percent("lac.percent_in_timescale", "Held in timescale (%)", "lac.in_timescale", "lac.held")
    b.count("lac.late", "Held late", lambda raw: raw["reviews"][ReviewKind.LAC]["late"])
    b.count("lac.child_chaired", "Chaired by the child", lambda raw: raw["lac"]["child_chaired"])
    b.percent("lac.percent_child_chaired", "Chaired by the child (%)", "lac.child_chaired", "lac.held")
    b.count("lac.advocate_present", "An advocate took part", lambda raw: raw["lac"]["advocate_present"])
    b.percent("lac.percent_advocate_present", "An advocate took part (%)", "lac.advocate_present", "lac.held")
    b.count("lac.seen_before", "The IRO saw the child before the review", lambda raw: raw["lac"]["seen_before"])
    b.percent("lac.percent_seen_before", "The IRO saw the child before the review (%)", "lac.seen_before", "lac.held")
    held = _list_table(
        "lac.timeliness",
        "LAC reviews held and their timeliness",
        ["lac.held", "lac.in_timescale", "lac.percent_in_timescale", "lac.late"],
        b,
    )
    late = _breakdown(
        b,
        "lac.late_reason",
        "Reasons LAC reviews were held late",
        [*LateReason.choices, NOT_RECORDED],
        lambda raw, reason: raw["reviews"][ReviewKind.LAC]["late_reasons"][recorded_value(reason)],
        prefix="Late because",
        total_label="All late reviews",
        chart_axis="Reviews",
    )
    participation = _breakdown(
        b,
        "lac.participation",
        "How children took part in their LAC reviews (SSDA903 codes)",
        [*ParticipationCode.choices, NOT_RECORDED],
        lambda raw, code: raw["lac"]["participation"][recorded_value(code)],
        prefix="Participation",
        total_label="All LAC reviews held",
        chart_axis="Reviews",
        note="The participation rate counts PN1 to PN6 out of PN1 to PN7; PN0 (under 4) is left out.",
    )
    b.count(
        "lac.participated", "Reviews where the child took part (PN1 to PN6)", lambda raw: raw["lac"]["participated"]
    )
    b.count(
        "lac.participation_counted",
        "Reviews counted for the rate (PN1 to PN7)",
        lambda raw: raw["lac"]["participation_counted"],
    )
    b.percent("lac.participation_rate", "Participation rate (%)", "lac.participated", "lac.participation_counted")
    rate = _list_table(
        "lac.participation_rate",
        "Children's participation rate",
        [
            "lac.participated",
            "lac.participation_counted",
            "lac.participation_rate",
            "lac.child_chaired",
            "lac.percent_child_chaired",
            "lac.advocate_present",
            "lac.percent_advocate_present",
            "lac.seen_before",
            "lac.percent_seen_before",
        ],
        b,
    )
    parents = _breakdown(
        b,
        "lac.parents",
        "Parents' participation in LAC reviews",
        [*ParentsParticipation.choices, NOT_RECORDED],
        lambda raw, choice: raw["lac"]["parents"][recorded_value(choice)],
        prefix="Parents",
        total_label="All LAC reviews held",
        chart_axis="Reviews",
    )
    standards_rows, standards_cells = [], {}
    for standard, label in STANDARD_LABELS.items():
        met = b.count(
            f"lac.standard.{standard}.met",
            f"{label}: met",
            lambda raw, standard=standard: raw["lac"]["quality"][standard]["met"],
        )
        missed = b.count(
            f"lac.standard.{standard}.missed",
            f"{label}: missed",
            lambda raw, standard=standard: raw["lac"]["quality"][standard]["missed"],
        )
        decided = b.total(f"lac.standard.{standard}.decided", f"{label}: met or missed", [met, missed])
        rate_key = b.percent(f"lac.standard.{standard}.percent_met", f"{label} (%)", met, decided)
        standards_rows.append((standard, label))
        standards_cells[standard] = {"met": met, "missed": missed, "decided": decided, "percent": rate_key}
    standards = Table(
        key="lac.standards",
        caption="Social worker reports, decisions and records on time",
        rows=standards_rows,
        columns=[("met", "Met"), ("missed", "Missed"), ("decided", "Reviews counted"), ("percent", "Met (%)")],
        cells=standards_cells,
        row_heading="Standard",
        totals=[
            (f"lac.standard.{standard}.decided", [f"lac.standard.{standard}.met", f"lac.standard.{standard}.missed"])
            for standard in STANDARD_LABELS
        ],
        note="Reviews whose decisions or record are still within their deadline are left out.",
    )
    lateness = _grid(
        b,
        "lac.lateness",
        "LAC reviews held late, by how late, and whether they had been rebooked",
        [(key, label) for key, label, _, _ in LATENESS_BANDS],
        [("late", "Held late"), ("rebooked", "Of which rebooked")],
        lambda raw, band, column: raw["detail"]["late_reviews"]["bands"][band][column],
        total_row_label="All late reviews",
        row_heading="How late",
    )
    lateness.totals.append(("lac.late", [f"lac.lateness.{key}.late" for key, _, _, _ in LATENESS_BANDS]))
    lateness.note = (
        "Working days after the due date, bank holidays left out. Rebooked: the review's date was booked more than "
        "once. The rebooked reviews are part of the late ones."
    )
    views, record, checks = _lac_record(b)
    return Section(
        "lac_reviews",
        "Looked-after children's reviews",
        "Reviews held in the year, whether they were on time, and how children and their parents took part.",
        [held, late, lateness, participation, rate, parents, standards, views, record, checks],
    )


def _lac_record(b: _Builder) -> tuple[Table, Table, Table]:
    """What the IROs recorded of the LAC reviews held: the child's views and how they were
    given, the parents' attendance, the permanence plan at the second review, and the care plan
    checks not met (reporting.selectors.lac_record_figures)."""
    record = "lac_record"

    def views_of(raw: Raw, outcome: str) -> int:
        if outcome == CHILD_VIEWS_NOT_OBTAINED:
            return raw[record]["child_views_not_obtained"]
        if outcome == CHILD_VIEWS_NOT_RECORDED:
            return raw[record]["child_views_not_recorded"]
        return raw[record]["child_views"][outcome]

    views = _breakdown(
        b,
        "lac.child_views",
        "The child's wishes and feelings at LAC reviews, and how they were given",
        CHILD_VIEWS_OUTCOMES,
        views_of,
        prefix="The child's views",
        total_label="All LAC reviews held",
        chart_axis="Reviews",
        percent_of_total=True,
    )
    b.count("lac.child_views_recorded", "The child's views recorded", lambda raw: raw[record]["child_views_recorded"])
    b.percent(
        "lac.percent_child_views_recorded", "The child's views recorded (%)", "lac.child_views_recorded", "lac.held"
    )
    b.count("lac.parents_attended", "Parents attended", lambda raw: raw[record]["parents_attended"])
    b.percent("lac.percent_parents_attended", "Parents attended (%)", "lac.parents_attended", "lac.held")
    b.count(
        "lac.permanence_agreed",
        "Second reviews with a permanence plan agreed",
        lambda raw: raw[record]["permanence"]["yes"],
    )
    b.count(
        "lac.permanence_answered",
        "Second reviews whose permanence plan check was answered yes or no",
        lambda raw: raw[record]["permanence"]["yes"] + raw[record]["permanence"]["no"],
    )
    b.percent(
        "lac.percent_permanence_agreed",
        "Permanence plan agreed by the second review (%)",
        "lac.permanence_agreed",
        "lac.permanence_answered",
    )
    summary = _list_table(
        "lac.record",
        "The child's views, parents' attendance and the permanence plan",
        [
            "lac.child_views_recorded",
            "lac.percent_child_views_recorded",
            "lac.parents_attended",
            "lac.percent_parents_attended",
            "lac.permanence_agreed",
            "lac.permanence_answered",
            "lac.percent_permanence_agreed",
        ],
        b,
        note="Parents attended: a mother, father or other parent recorded as attending; for a review held "
        "without the attendance list, its parents' participation. The permanence plan is checked at the "
        "second review of the period of care.",
    )
    b.count("lac.checks_recorded", "Reviews with care plan checks recorded", lambda raw: raw[record]["checks_recorded"])
    check_keys = [
        b.count(
            f"lac.check_not_met.{kind}",
            f"Care plan check not met: {label}",
            lambda raw, kind=kind: raw[record]["checks_not_met"][kind],
        )
        for kind, label in CarePlanCheckKind.choices
    ]
    b.count(
        "lac.any_check_not_met",
        "Reviews with any care plan check not met",
        lambda raw: raw[record]["any_check_not_met"],
    )
    checks = _list_table(
        "lac.checks_not_met",
        "Care plan checks not met at LAC reviews, by kind",
        ["lac.checks_recorded", *check_keys, "lac.any_check_not_met"],
        b,
        note="A review can have more than one check not met.",
    )
    return views, summary, checks


def _oversight(b: _Builder) -> Section:
    b.count("oversight.records", "Oversight records made", lambda raw: raw["oversight"]["records"])
    kinds = _breakdown(
        b,
        "oversight.kind",
        "Oversight records by kind",
        OversightKind.choices,
        lambda raw, kind: raw["oversight"]["records_by_kind"][kind],
        prefix="Oversight records",
        total_label="All oversight records",
        chart_axis="Records",
    )
    ratings = _breakdown(
        b,
        "oversight.rating",
        "RAG ratings made in the year",
        Rag.choices,
        lambda raw, rag: raw["oversight"]["ratings"][rag],
        prefix="RAG ratings",
        total_label="All ratings",
        chart_axis="Ratings",
        percent_of_total=True,
    )
    b.count(
        "oversight.children_looked_after",
        "Children looked after at any time in the year, short breaks included",
        lambda raw: raw["oversight"]["children_looked_after"],
    )
    b.count(
        "oversight.every_quarter",
        "Children with an oversight record in every quarter they were looked after",
        lambda raw: raw["oversight"]["children_with_record_every_quarter"],
    )
    b.percent(
        "oversight.percent_every_quarter",
        "With a record in every quarter (%)",
        "oversight.every_quarter",
        "oversight.children_looked_after",
    )
    footprint = _list_table(
        "oversight.footprint",
        "The IROs' footprint between reviews",
        ["oversight.children_looked_after", "oversight.every_quarter", "oversight.percent_every_quarter"],
        b,
    )
    in_contact = "in_contact"
    b.count(
        "oversight.in_contact.with_plan_at_end",
        "Looked after at the end of the year with an In-Contact plan",
        lambda raw: raw["detail"][in_contact]["with_plan_at_end"],
    )
    b.percent(
        "oversight.in_contact.percent_with_plan_at_end",
        "With an In-Contact plan at the end of the year (%)",
        "oversight.in_contact.with_plan_at_end",
        "children.at_end",
    )
    b.count(
        "oversight.in_contact.agreed",
        "Children with an In-Contact plan agreed in the year",
        lambda raw: raw["detail"][in_contact]["agreed_in_period"],
    )
    plans = _list_table(
        "oversight.in_contact",
        "In-Contact plans: how IROs and children agreed to keep in touch between reviews",
        [
            "children.at_end",
            "oversight.in_contact.with_plan_at_end",
            "oversight.in_contact.percent_with_plan_at_end",
            "oversight.in_contact.agreed",
        ],
        b,
        note="Children looked after as the DfE counts them (short breaks left out), with a plan open on 31 March.",
    )
    return Section(
        "oversight",
        "Oversight between reviews",
        "What the IROs recorded about children's plans between reviews and the RAG ratings they gave.",
        [kinds, ratings, footprint, plans],
    )


def _escalations(b: _Builder) -> Section:
    b.count("escalations.raised", "Escalations raised", lambda raw: raw["escalations"]["raised"])
    b.count("escalations.children", "Children they were about", lambda raw: raw["escalations"]["children"])
    b.count("escalations.withdrawn", "Withdrawn", lambda raw: raw["escalations"]["withdrawn"])
    b.count("escalations.cafcass", "Referred to Cafcass", lambda raw: raw["escalations"]["cafcass_referrals"])
    stages = _breakdown(
        b,
        "escalations.resolved_stage",
        "Escalations resolved in the year, by the stage they were resolved at",
        [(str(stage), label) for stage, label in Stage.choices],
        lambda raw, stage: raw["escalations"]["resolved_by_stage"][int(stage)],
        prefix="Resolved at stage",
        total_label="All resolved",
        chart_axis="Escalations",
    )
    b.count(
        "escalations.raised_formal",
        "Raised and taken to a formal stage",
        lambda raw: raw["detail"]["escalation_process"]["raised_formal"],
    )
    b.count(
        "escalations.raised_informal",
        "Raised and never taken beyond informal resolution",
        lambda raw: raw["detail"]["escalation_process"]["raised_informal"],
    )
    b.count(
        "escalations.resolved_informally",
        "Resolved informally",
        lambda raw: raw["escalations"]["resolved_informally"],
    )
    b.count(
        "escalations.resolved_formally",
        "Resolved after going formal",
        lambda raw: raw["escalations"]["resolved_formally"],
    )
    b.count(
        "escalations.resolved_in_time",
        "Resolved formally within the standard",
        lambda raw: raw["escalations"]["resolved_within_working_days"],
    )
    b.percent(
        "escalations.percent_resolved_in_time",
        "Resolved formally within the standard (% of those resolved formally)",
        "escalations.resolved_in_time",
        "escalations.resolved_formally",
    )
    summary = _list_table(
        "escalations.numbers",
        "Escalations raised and resolved",
        [
            "escalations.raised",
            "escalations.raised_formal",
            "escalations.raised_informal",
            "escalations.children",
            "escalations.resolved_stage.total",
            "escalations.resolved_informally",
            "escalations.resolved_formally",
            "escalations.resolved_in_time",
            "escalations.percent_resolved_in_time",
            "escalations.withdrawn",
            "escalations.cafcass",
        ],
        b,
        totals=[
            ("escalations.raised", ["escalations.raised_formal", "escalations.raised_informal"]),
            ("escalations.resolved_stage.total", ["escalations.resolved_informally", "escalations.resolved_formally"]),
        ],
        note=f"The standard is the formal process: no more than {formal_process_limit()} working days from the first "
        "formal step (team manager or above) to resolution. Escalations resolved informally are counted on their own, "
        "not against the standard.",
    )
    stage_times = _stage_times(b)
    areas = [
        b.count(
            f"escalations.area.{area}",
            f"Area of concern: {label}",
            lambda raw, area=area: raw["escalations"]["by_area"][area],
        )
        for area, label in AreaOfConcern.choices
    ]
    by_area = _list_table(
        "escalations.area",
        "Areas of concern in escalations raised",
        areas,
        b,
        labels=dict(AreaOfConcern.choices),
        chart={"column": "", "percent": False, "axis": "Escalations", "rows": areas},
        note="An escalation can be about more than one area, so these add up to more than the number raised.",
    )
    return Section(
        "escalations",
        "Escalations (the dispute resolution process)",
        "When IROs challenged the authority about a child's plan, what about, and how it was resolved.",
        [summary, stages, stage_times, by_area],
    )


def _stage_times(b: _Builder) -> Table:
    """How long each stage of the process took to answer (reporting.detail_selectors
    .escalation_process_figures)."""
    rows, cells = [], {}
    for stage, label in Stage.choices:
        answered = b.count(
            f"escalations.stage_time.{stage}.answered",
            f"{label}: steps answered",
            lambda raw, stage=stage: raw["detail"]["escalation_process"]["stages"][stage]["answered"],
        )
        median = b.number(
            f"escalations.stage_time.{stage}.median",
            f"{label}: median working days to answer",
            lambda raw, stage=stage: raw["detail"]["escalation_process"]["stages"][stage]["median_working_days"],
            numerator_key=answered,
        )
        rows.append((str(stage), label))
        cells[str(stage)] = {"answered": answered, "median": median}
    return Table(
        key="escalations.stage_time",
        caption="Time each stage took to answer, for steps answered in the year",
        rows=rows,
        columns=[("answered", "Steps answered"), ("median", "Median working days")],
        cells=cells,
        row_heading="Stage",
        note="Working days from the day a stage was sent the escalation to the day it answered.",
    )


def _child_protection(b: _Builder) -> Section:
    rows = []
    for kind, label in (
        (ReviewKind.ICPC, "Initial child protection conferences"),
        (ReviewKind.RCPC, "Review child protection conferences"),
    ):
        prefix = f"cp.{kind.lower()}"
        b.count(f"{prefix}.held", f"{label} held", lambda raw, kind=kind: raw["reviews"][kind]["held"])
        b.count(
            f"{prefix}.in_timescale",
            f"{label} in timescale",
            lambda raw, kind=kind: raw["reviews"][kind]["in_timescale"],
        )
        b.percent(
            f"{prefix}.percent_in_timescale", f"{label} in timescale (%)", f"{prefix}.in_timescale", f"{prefix}.held"
        )
        rows += [f"{prefix}.held", f"{prefix}.in_timescale", f"{prefix}.percent_in_timescale"]
    conferences = _list_table("cp.conferences", "Child protection conferences and their timeliness", rows, b)
    quorum_rows = []
    for kind, label in (
        (ReviewKind.ICPC, "Initial child protection conferences"),
        (ReviewKind.RCPC, "Review child protection conferences"),
    ):
        prefix = f"cp.{kind.lower()}"
        b.count(
            f"{prefix}.attendance_recorded",
            f"{label} held with attendance recorded",
            lambda raw, kind=kind: raw["conferences"][kind]["recorded"],
        )
        b.count(f"{prefix}.quorate", f"{label} quorate", lambda raw, kind=kind: raw["conferences"][kind]["quorate"])
        b.percent(
            f"{prefix}.percent_quorate",
            f"{label} quorate (% of those with attendance recorded)",
            f"{prefix}.quorate",
            f"{prefix}.attendance_recorded",
        )
        quorum_rows += [f"{prefix}.attendance_recorded", f"{prefix}.quorate", f"{prefix}.percent_quorate"]
    core_group = "first_core_group"
    b.count(
        "cp.first_core_group_due",
        "ICPCs that made a plan, first core group meeting due",
        lambda raw: (
            raw["conferences"][ReviewKind.ICPC][core_group]["met"]
            + raw["conferences"][ReviewKind.ICPC][core_group]["missed"]
        ),
    )
    b.count(
        "cp.first_core_group_in_time",
        "First core group meeting held within 10 working days",
        lambda raw: raw["conferences"][ReviewKind.ICPC][core_group]["met"],
    )
    b.percent(
        "cp.percent_first_core_group_in_time",
        "First core group meeting held within 10 working days (%)",
        "cp.first_core_group_in_time",
        "cp.first_core_group_due",
    )
    quorum = _list_table(
        "cp.quorum",
        "Conferences quorate, and the first core group meeting after an ICPC",
        [
            *quorum_rows,
            "cp.first_core_group_due",
            "cp.first_core_group_in_time",
            "cp.percent_first_core_group_in_time",
        ],
        b,
        note="Quorate: at least three agencies attended, children's social care one of them, as the chair "
        "recorded; conferences held without attendance recorded are left out. A first core group meeting "
        "not yet due when the figures were counted is left out.",
    )
    protection = "protection"
    b.count("cp.plans_started", "Plans started", lambda raw: raw[protection]["plans_started"])
    b.count("cp.plans_ended", "Plans ended", lambda raw: raw[protection]["plans_ended"])
    b.count(
        "cp.plans_18_months",
        "Open for more than 18 months at the end of the year",
        lambda raw: raw[protection]["plans_open_18_months_at_end"],
    )
    b.count(
        "cp.plans_2_years",
        "Open for 2 years or more at the end of the year",
        lambda raw: raw[protection]["plans_open_2_years_at_end"],
    )
    b.count("cp.repeat_plans", "Second or subsequent plans started", lambda raw: raw[protection]["repeat_plans"])
    b.percent(
        "cp.percent_repeat_plans",
        "Second or subsequent plans (% of plans started)",
        "cp.repeat_plans",
        "cp.plans_started",
    )
    b.count(
        "cp.repeat_within_2_years",
        "Repeat plans within 2 years of the previous plan ending",
        lambda raw: raw[protection]["repeat_plans_within_2_years"],
    )
    b.count(
        "cp.ended_after_2_years",
        "Plans ended that had lasted 2 years or more",
        lambda raw: raw[protection]["plans_ended_lasting_2_years_or_more"],
    )
    by_category = _breakdown(
        b,
        "cp.category",
        "Child protection plans open at the end of the year, by category of abuse",
        CategoryOfAbuse.choices,
        lambda raw, code: raw[protection]["plans_at_end_by_category"][code],
        prefix="Plans by category",
        total_label="All plans open at the end of the year",
        chart_axis="Plans",
    )
    by_initial_category = _breakdown(
        b,
        "cp.initial_category",
        "Child protection plans started in the year, by the category of abuse at the start of the plan",
        CategoryOfAbuse.choices,
        lambda raw, code: raw[protection]["plans_started_by_initial_category"][code],
        prefix="Plans started by initial category",
        total_label="All plans started",
        chart_axis="Plans",
    )
    by_initial_category.totals.append(
        ("cp.plans_started", [f"cp.initial_category.{code}" for code in CategoryOfAbuse.values])
    )
    plans = _list_table(
        "cp.plans",
        "Child protection plans",
        [
            "cp.plans_started",
            "cp.plans_ended",
            "cp.plans_18_months",
            "cp.plans_2_years",
            "cp.repeat_plans",
            "cp.percent_repeat_plans",
            "cp.repeat_within_2_years",
            "cp.ended_after_2_years",
        ],
        b,
    )
    return Section(
        "child_protection",
        "Child protection",
        "Conferences chaired by the IROs and the plans children were on.",
        [conferences, quorum, by_initial_category, by_category, plans],
    )


def _sent_and_returned(
    b: _Builder,
    key: str,
    caption: str,
    groups: Sequence[tuple[str, str]],
    counts_of: Callable[[Raw, str], Raw],
    *,
    prefix: str,
    total: tuple[str, str] | None,
    note: str = "",
) -> Table:
    """Links sent and returned, and the percentage returned, one row per group (and a total row
    when `total` is (key, label) of the figures the groups add up to)."""
    rows: list[tuple[str, str]] = []
    cells: dict[str, dict[str, str]] = {}
    sent_parts: list[str] = []
    returned_parts: list[str] = []
    for group, label in [*groups, *([total] if total else [])]:
        is_total = total is not None and group == total[0]
        if is_total:
            sent = b.total(f"{key}.{group}.sent", f"{prefix}, {label.lower()}: links sent", sent_parts)
            returned = b.total(f"{key}.{group}.returned", f"{prefix}, {label.lower()}: returned", returned_parts)
        else:
            sent = b.count(
                f"{key}.{group}.sent", f"{prefix}, {label}: links sent", lambda raw, g=group: counts_of(raw, g)["sent"]
            )
            returned = b.count(
                f"{key}.{group}.returned",
                f"{prefix}, {label}: returned",
                lambda raw, g=group: counts_of(raw, g)["returned"],
            )
            sent_parts.append(sent)
            returned_parts.append(returned)
        rate = b.percent(f"{key}.{group}.percent_returned", f"{prefix}, {label}: returned (%)", returned, sent)
        rows.append(("total" if is_total else group, label))
        cells["total" if is_total else group] = {"sent": sent, "returned": returned, "percent": rate}
    return Table(
        key=key,
        caption=caption,
        rows=rows,
        columns=[("sent", "Links sent"), ("returned", "Returned"), ("percent", "Returned (%)")],
        cells=cells,
        totals=[(cells["total"]["sent"], sent_parts), (cells["total"]["returned"], returned_parts)] if total else [],
        note=note,
    )


def _views(b: _Builder) -> Section:
    """The views of children, families and professionals sought online before each review, the
    feedback after it and the safety alerts the replies raised
    (reporting.selectors.consultation_figures)."""
    views = "consultations"
    by_person = _sent_and_returned(
        b,
        "views.consultation",
        "Consultation before the review: links sent and returned, by who they were for",
        PersonType.choices,
        lambda raw, person: raw[views]["consultation"]["by_person_type"][person],
        prefix="Consultation",
        total=("all", "Everyone"),
        note="A link counts in the year its review was held in (or, not yet held, is due in); links withdrawn are "
        "left out.",
    )
    by_age = _sent_and_returned(
        b,
        "views.child_age",
        "The child's consultation, by age band (the form the child was sent)",
        CHILD_AGE_BANDS,
        lambda raw, band: raw[views]["consultation"]["by_age_band"][band],
        prefix="Consultation, the child's form",
        total=None,
        note="An IRO may send a younger child's form to a child who needs it: the band is the form.",
    )
    # The age bands add up to the child's links and the kinds to everyone's: the board version's
    # secondary suppression must not let a hidden cell be worked out from another table.
    by_age.totals = [
        (
            f"views.consultation.{PersonType.CHILD}.{part}",
            [f"views.child_age.{band}.{part}" for band, _ in CHILD_AGE_BANDS],
        )
        for part in ("sent", "returned")
    ]
    by_kind = _sent_and_returned(
        b,
        "views.kind",
        "Consultation links, by kind of review",
        [(kind.value, kind.label) for kind in CONSULTED_KINDS],
        lambda raw, kind: raw[views]["consultation"]["by_kind"][kind],
        prefix="Consultation",
        total=None,
    )
    by_kind.totals = [
        ("views.consultation.all.sent", [f"views.kind.{kind.value}.sent" for kind in CONSULTED_KINDS]),
        ("views.consultation.all.returned", [f"views.kind.{kind.value}.returned" for kind in CONSULTED_KINDS]),
    ]
    feedback = _sent_and_returned(
        b,
        "views.feedback",
        "Feedback after the review: links sent and returned, by who they were for",
        PersonType.choices,
        lambda raw, person: raw[views]["feedback"]["by_person_type"][person],
        prefix="Feedback",
        total=("all", "Everyone"),
    )
    scores = _breakdown(
        b,
        "views.listened",
        "How well the review listened to them, from 1 (not at all) to 5 (very well)",
        [(str(score), label) for score, label in LISTENED_SCORES],
        lambda raw, score: raw[views]["feedback"]["scores"][int(score)],
        prefix="Listened",
        total_label="All feedback with a score",
        chart_axis="Replies",
        percent_of_total=True,
    )
    b.number(
        "views.mean_score",
        "How well the review listened: mean score (1 to 5)",
        lambda raw: raw[views]["feedback"]["mean_score"],
        numerator_key="views.listened.total",
    )
    mean = _list_table("views.score", "How well the review listened: the mean score", ["views.mean_score"], b)
    alerts = "alerts"
    reasons = [
        b.count(
            f"views.alerts.{reason}",
            f"Safety alerts: {label.lower()}",
            lambda raw, reason=reason: raw[views][alerts]["by_reason"][reason],
        )
        for reason, label in AlertReason.choices
    ]
    raised = b.total("views.alerts.raised", "Safety alerts raised", reasons)
    responded = b.count("views.alerts.responded", "Responded to", lambda raw: raw[views][alerts]["responded"])
    b.count("views.alerts.escalated", "Escalated to the service managers", lambda raw: raw[views][alerts]["escalated"])
    b.number(
        "views.alerts.median_hours",
        "Median time to respond (hours)",
        lambda raw: raw[views][alerts]["median_hours_to_respond"],
        numerator_key=responded,
    )
    b.number(
        "views.alerts.longest_hours",
        "Longest time to respond (hours)",
        lambda raw: raw[views][alerts]["longest_hours_to_respond"],
        numerator_key=responded,
    )
    alert_table = _list_table(
        "views.alerts",
        "Safety alerts raised by replies, and the time to respond",
        [
            *reasons,
            raised,
            responded,
            "views.alerts.escalated",
            "views.alerts.median_hours",
            "views.alerts.longest_hours",
        ],
        b,
        totals=[(raised, reasons)],
        note="An alert is raised when a reply says the child does not feel safe, or uses words the service watches "
        "for; it is escalated when no one has responded within the time the service sets.",
    )
    return Section(
        "views",
        "Children's and families' views",
        "How many children, parents, carers and professionals gave their views online before a review, how many "
        "told us afterwards how well it listened, and the safety alerts their replies raised.",
        [by_person, by_age, by_kind, feedback, scores, mean, alert_table],
    )


QUARTERS = [
    ("q1", "Q1 April to June"),
    ("q2", "Q2 July to September"),
    ("q3", "Q3 October to December"),
    ("q4", "Q4 January to March"),
]
TRENDS = [
    ("lac_in_timescale", "LAC reviews in timescale (%)", "lac.percent_in_timescale"),
    ("participation_rate", "Participation rate (%)", "lac.participation_rate"),
    ("icpc_in_timescale", "Initial child protection conferences in timescale (%)", "cp.icpc.percent_in_timescale"),
    ("rcpc_in_timescale", "Review child protection conferences in timescale (%)", "cp.rcpc.percent_in_timescale"),
    ("looked_after", "Children looked after at the end of the quarter", "children.at_end"),
    ("escalations_raised", "Escalations raised", "escalations.raised"),
]
"""(key, label, the year's figure it is the quarterly trend of): the local target set for the
year's figure is drawn on the trend's chart."""
TRENDS_PREFIX = "trends."


def _quarter(raw: Raw | None, index: int) -> Raw | None:
    """One quarter's figures (None for a quarter not started by the day they were counted)."""
    return None if raw is None else raw["quarters"][index]


def _trends(b: _Builder) -> Section:
    """Each key figure quarter by quarter (reporting.selectors.quarterly_figures): a line chart of
    this year beside a table of both years."""
    percent_parts = {
        "lac_in_timescale": (
            lambda q: q["reviews"][ReviewKind.LAC]["in_timescale"],
            lambda q: q["reviews"][ReviewKind.LAC]["held"],
        ),
        "participation_rate": (lambda q: q["participated"], lambda q: q["participation_counted"]),
        "icpc_in_timescale": (
            lambda q: q["reviews"][ReviewKind.ICPC]["in_timescale"],
            lambda q: q["reviews"][ReviewKind.ICPC]["held"],
        ),
        "rcpc_in_timescale": (
            lambda q: q["reviews"][ReviewKind.RCPC]["in_timescale"],
            lambda q: q["reviews"][ReviewKind.RCPC]["held"],
        ),
    }
    counts = {
        "looked_after": lambda q: q["looked_after_at_end"],
        "escalations_raised": lambda q: q["escalations_raised"],
    }

    def of_quarter(index: int, value_of: Callable[[Raw], Any]) -> ValueOf:
        def value(raw: Raw) -> Any:
            quarter = _quarter(raw, index)
            return None if quarter is None else value_of(quarter)

        return value

    tables = []
    for trend, label, year_key in TRENDS:
        keys = []
        for index, (quarter, quarter_label) in enumerate(QUARTERS):
            key = f"{TRENDS_PREFIX}{trend}.{quarter}"
            name = f"{label}, {quarter_label}"
            if trend in percent_parts:
                numerator_of, denominator_of = percent_parts[trend]
                numerator = b.count(f"{key}.numerator", f"{name}: numerator", of_quarter(index, numerator_of))
                denominator = b.count(f"{key}.denominator", f"{name}: denominator", of_quarter(index, denominator_of))
                b.percent(key, name, numerator, denominator)
            else:
                b.count(key, name, of_quarter(index, counts[trend]))
            if not b.layout_only:
                b.figures[key].not_started = [year for year in YEARS if _quarter(b.raw[year], index) is None]
            keys.append(key)
        tables.append(
            _list_table(
                f"{TRENDS_PREFIX}{trend}",
                f"{label}, by quarter",
                keys,
                b,
                labels=dict(QUARTERS),
                chart={
                    "line": True,
                    "column": "",
                    "percent": trend in percent_parts,
                    "axis": label,
                    "rows": keys,
                    "target_of": year_key,
                },
            )
        )
    return Section(
        "trends",
        "Trends through the year",
        "Key figures quarter by quarter, this year and last year, counted as the year's figures are. A quarter "
        "that has not started yet says so.",
        tables,
    )


def _other(key: str) -> ValueOf:
    return lambda raw: raw["other"].get(key) if raw["other"] else None


def _other_activity(b: _Builder) -> Section:
    b.count("other.fostering_reviews_held", "Foster carer reviews held", _other("fostering_reviews_held"))
    b.count("other.fostering_reviews_in_time", "Foster carer reviews held in time", _other("fostering_reviews_in_time"))
    b.percent(
        "other.percent_fostering_in_time",
        "Foster carer reviews held in time (%)",
        "other.fostering_reviews_in_time",
        "other.fostering_reviews_held",
    )
    b.count(
        "other.independent_visitor_matches",
        "Children matched with an Independent Visitor",
        _other("independent_visitor_matches"),
    )
    b.count("other.advocacy_referrals", "Referrals for advocacy", _other("advocacy_referrals"))
    b.count("other.complaints_received", "Complaints received", _other("complaints_received"))
    b.count("other.complaints_stage_1", "Resolved at stage 1", _other("complaints_stage_1"))
    b.count("other.complaints_stage_2", "Reached stage 2", _other("complaints_stage_2"))
    b.count("other.complaints_stage_3", "Reached stage 3", _other("complaints_stage_3"))
    table = _list_table(
        "other.activity",
        "Other activity of the service",
        [
            "other.fostering_reviews_held",
            "other.fostering_reviews_in_time",
            "other.percent_fostering_in_time",
            "other.independent_visitor_matches",
            "other.advocacy_referrals",
            "other.complaints_received",
            "other.complaints_stage_1",
            "other.complaints_stage_2",
            "other.complaints_stage_3",
        ],
        b,
        note="Entered by the service manager; \u201cnot available\u201d means nothing was entered for that year.",
    )
    return Section("other", "Other activity", "Work of the service that the portal does not record itself.", [table])


def comparable_measures() -> list[tuple[str, str]]:
    """The figures a comparator can be entered for: rates and percentages, which compare
    across authorities of different sizes."""
    builder = _Builder(layout_only=True)
    _build_sections(builder)
    return [
        (key, figure.label)
        for key, figure in builder.figures.items()
        if figure.kind in (PERCENT, NUMBER) and not key.startswith(TRENDS_PREFIX)
    ]


def targetable_measures() -> list[tuple[str, str]]:
    """The figures a local target can be set for: every count, percentage and number of the year
    that a table of the report shows, named with its section because labels such as "Held in
    timescale (%)" recur. A quarter's figure is measured against its year's target, drawn on
    its chart, so the trends are left out."""
    builder = _Builder(layout_only=True)
    measures: dict[str, str] = {}
    for section in _build_sections(builder):
        for table in section.tables:
            for cells in table.cells.values():
                for key in cells.values():
                    figure = builder.figures[key]
                    if figure.kind in (COUNT, PERCENT, NUMBER) and not key.startswith(TRENDS_PREFIX):
                        measures.setdefault(key, f"{section.title}: {figure.label}")
    return list(measures.items())


def _build_sections(builder: _Builder) -> list[Section]:
    return [
        _service(builder),
        _children(builder),
        _lac_reviews(builder),
        _oversight(builder),
        _escalations(builder),
        _child_protection(builder),
        report_outcomes.outcomes_section(builder),
        _trends(builder),
        _views(builder),
        _other_activity(builder),
    ]


def build(
    report: AnnualReport,
    on: date,
    *,
    other_activity: dict[int, dict[str, Any]] | None = None,
    comparators: dict[str, dict[str, Any]] | None = None,
    targets: dict[str, dict[str, Any]] | None = None,
) -> Report:
    """The report for `report.year` as of `on`: both years' figures from the selectors, the
    comparators and local targets entered for this year and the narrative as it stands."""
    other_activity = other_activity or {}
    this_year, last_year = (
        {
            **stored_figures.year_figures(reporting_year(year), on).figures,
            report_outcomes.OUTCOMES: stored_figures.authority_outcome_figures(year, on).figures,
            "other": other_activity.get(year),
        }
        for year in (report.year, report.year - 1)
    )
    builder = _Builder(this_year, last_year)
    sections = _build_sections(builder)
    for measure, figure in (comparators or {}).items():
        if measure in builder.figures:
            builder.figures[measure].statistical_neighbours = figure.get("statistical_neighbours")
            builder.figures[measure].england = figure.get("england")
    for measure, target in (targets or {}).items():
        if measure in builder.figures:
            builder.figures[measure].target = target["value"]
            builder.figures[measure].target_direction = target["direction"]
    return Report(
        year=report.year,
        generated_on=on,
        sections=sections,
        figures=builder.figures,
        narrative={key: getattr(report, key) for key, _ in [*NARRATIVE_SECTIONS, *CHILDRENS_SECTIONS]},
        action_plan=[
            {
                "priority": item.priority,
                "measure": item.measure,
                "intended_impact": item.intended_impact,
                "action": item.action,
                "progress": item.progress,
                "progress_comment": item.progress_comment,
            }
            for item in report.action_plan.all()
        ],
        comparators_entered=any(
            f.statistical_neighbours is not None or f.england is not None for f in builder.figures.values()
        ),
        authority=settings.AUTHORITY_NAME,
        highlights=report.highlight_sentences,
    )
