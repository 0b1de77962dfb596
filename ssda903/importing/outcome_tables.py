"""Check stage for the six outcome tables of the return (OC2, OC3, AD1, PlacedAdoption, PrevPerm,
Missing): each row's values read against the code lists of outcomes.codes (OutcomeRows), then
the rows checked with the DfE's rules on one row (ssda903.outcome_rules.ROW_TESTS) and across
rows and files (check_outcome_tables). Every problem is a RowError naming the file, row, CHILD,
column, value and the DfE rule."""

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from outcomes.codes import (
    AdoptersLegalStatus,
    AdoptersSex,
    CareLeaverAccommodation,
    CareLeaverActivity,
    InTouch,
    MissingKind,
    PreviousPermanenceOrder,
    ReasonPlacedCeased,
    SdqReason,
)
from outcomes.years import looked_after_continuously

from ..files import TABLE_LABELS, format_date, read_date
from ..outcome_rules import CLA_ROW_TESTS, LA_PERM_CODES, ROW_TESTS, read_permanence_date
from ..rules import ReturnData
from .read import ReturnFile

if TYPE_CHECKING:
    from .check import EpisodeRow, RowChecker, _AcrossFiles

OUTCOME_TABLES = ("oc2", "oc3", "ad1", "placed_adoption", "prev_perm", "missing")
FLAGS = frozenset({"0", "1"})
ORDER_DATE = re.compile(r"([0-9]{2}|ZZ)/([0-9]{2}|ZZ)/[0-9]{4}")


class Column(NamedTuple):
    """One column of an outcome table: the model field it fills, how its value is read, the DfE
    rule a wrong value breaks, and the rule when it must not be blank (else it may be)."""

    name: str
    field: str
    read: str  # "code", "flag", "date", "sdq", "adopters", "order_date"
    rule: str
    required_rule: str = ""
    codes: frozenset[str] = frozenset()


def _code(name: str, field: str, rule: str, codes: Any, required_rule: str = "") -> Column:
    return Column(name, field, "code", rule, required_rule, frozenset(codes))


OC2_FLAG_FIELDS = {
    "CONVICTED": "convicted",
    "HEALTH_CHECK": "health_check",
    "IMMUNISATIONS": "immunisations",
    "TEETH_CHECK": "teeth_check",
    "HEALTH_ASSESSMENT": "health_assessment",
    "SUBSTANCE_MISUSE": "substance_misuse",
    "INTERVENTION_RECEIVED": "intervention_received",
    "INTERVENTION_OFFERED": "intervention_offered",
}
COLUMNS: dict[str, tuple[Column, ...]] = {
    "oc2": (
        Column("SDQ_SCORE", "sdq_score", "sdq", "180"),
        _code("SDQ_REASON", "sdq_reason", "196", SdqReason.values),
        *(Column(name, field, "flag", "181") for name, field in OC2_FLAG_FIELDS.items()),
    ),
    "oc3": (
        _code("IN_TOUCH", "in_touch", "131", InTouch.values, "131"),
        _code("ACTIV", "activity", "132", CareLeaverActivity.values, "132"),
        _code("ACCOM", "accommodation", "133", CareLeaverAccommodation.values, "133"),
    ),
    "ad1": (
        Column("DATE_INT", "decided_on", "date", "112"),
        Column("DATE_MATCH", "matched_on", "date", "113"),
        Column("FOSTER_CARE", "by_former_foster_carers", "flag", "114"),
        Column("NB_ADOPTR", "number_of_adopters", "adopters", "175"),
        _code("SEX_ADOPTR", "adopters_sex", "176", AdoptersSex.values),
        _code("LS_ADOPTR", "adopters_legal_status", "177", AdoptersLegalStatus.values),
    ),
    "placed_adoption": (
        Column("DATE_PLACED", "decided_on", "date", "115", "563"),
        Column("DATE_PLACED_CEASED", "ceased_on", "date", "116"),
        _code("REASON_PLACED_CEASED", "reason_ceased", "120", ReasonPlacedCeased.values),
    ),
    "prev_perm": (
        _code("PREV_PERM", "order", "631", PreviousPermanenceOrder.values),
        _code("LA_PERM", "arranged_by", "633", LA_PERM_CODES),
        Column("DATE_PERM", "order_date", "order_date", "632"),
    ),
    "missing": (
        _code("MISSING", "kind", "1006", MissingKind.values, "565"),
        Column("MIS_START", "start_date", "date", "1004", "1004"),
        Column("MIS_END", "end_date", "date", "1005"),
    ),
}
FIELDS = {table: tuple(column.field for column in columns) for table, columns in COLUMNS.items()}
"""The model fields each table's rows fill, in the order of OutcomeRow.record."""

ROW_TEST_COLUMNS = {
    "182": "IMMUNISATIONS",
    "158": "INTERVENTION_OFFERED",
    "159": "INTERVENTION_OFFERED",
    "192": "INTERVENTION_RECEIVED",
    "193": "INTERVENTION_RECEIVED",
    "197a": "SDQ_REASON",
    "544": "CONVICTED",
    "547": "HEALTH_CHECK",
    "188": "SDQ_SCORE",
    "189": "SDQ_SCORE",
    "157": "SDQ_REASON",
    "185": "SDQ_SCORE",
    "186": "SDQ_SCORE",
    "190": "IMMUNISATIONS",
    "197B": "SDQ_SCORE",
    "198": "SDQ_REASON",
    "543": "CONVICTED",
    "545": "HEALTH_CHECK",
    "546": "HEALTH_CHECK",
    "153": "IN_TOUCH",
    "344": "ACTIV",
    "345": "ACTIV",
    "391": "IN_TOUCH",
    "151": "DATE_INT",
    "333": "DATE_MATCH",
    "119": "DATE_PLACED_CEASED",
    "522": "DATE_PLACED_CEASED",
    "563": "DATE_PLACED",
    "564": "MIS_START",
    "565": "MISSING",
    "566": "MISSING",
    "567": "MIS_END",
    "570": "MIS_START",
    "571": "MIS_END",
    "586": "MIS_START",
    "635": "PREV_PERM",
    **dict.fromkeys(("511", "514", "517", "518", "519", "520", "524"), "SEX_ADOPTR"),
}
"""The cell each DfE rule on one row points at."""
VALUE_RULES = frozenset({"180", "181"})  # checked as each value is read
HEADER_RULES = {
    "oc2": "INT05",
    "oc3": "INT06",
    "ad1": "INT01",
    "placed_adoption": "INT02",
    "prev_perm": "INT07",
    "missing": "INT04",
}
DOB_RULES = {
    "oc2": "INT14",
    "oc3": "INT15",
    "ad1": "INT11",
    "placed_adoption": "INT12",
    "prev_perm": "INT16",
    "missing": "INT13",
}
WITH_EPISODES = frozenset({"oc2", "ad1", "placed_adoption", "prev_perm", "missing"})
"""The tables whose children must have episodes in the return (the DfE's rule 1012)."""
ONE_ROW_RULES = {"oc2": "INT33", "oc3": "INT34", "ad1": "INT31", "prev_perm": "INT35"}


class OutcomeRow(NamedTuple):
    """A row of an outcome table: `record` holds the values of the table's FIELDS (a value that
    is wrong is None or ""), `values` the cells as read, for the DfE's rules on one row."""

    table: str
    file: str
    row: int
    child: str
    dob: date | None
    record: tuple
    values: dict
    readable: bool  # every value could be read

    def field(self, name: str) -> Any:
        return self.record[FIELDS[self.table].index(name)]


@dataclass
class OutcomeTables:
    """The outcome tables once every check has passed: each table's rows by child."""

    rows: dict[str, dict[str, list[OutcomeRow]]]

    def of(self, table: str) -> dict[str, list[OutcomeRow]]:
        return self.rows.get(table, {})


class OutcomeRows:
    """Reads each row of an outcome table for a RowChecker, adding its problems to the checker's."""

    def __init__(self, checker: "RowChecker"):
        self.checker = checker

    def rows_of(self, returned: ReturnFile) -> list[tuple]:
        return [self.row(returned.table, returned.name, number, values) for number, values in returned.rows]

    def row(self, table: str, file: str, row: int, values: dict) -> OutcomeRow:
        checker = self.checker
        errors_before = len(checker.errors)
        child = checker.child(file, row, values)
        dob = checker.not_future(file, row, child, "DOB", checker.day(file, row, child, values, "DOB"))
        record = tuple(self.value(column, file, row, child, values) for column in COLUMNS[table])
        return OutcomeRow(table, file, row, child, dob, record, values, len(checker.errors) == errors_before)

    def value(self, column: Column, file: str, row: int, child: str, values: dict) -> Any:
        value = values.get(column.name, "")
        error = self.checker.error
        if not value:
            if column.required_rule:
                error(file, row, child, column.name, value, f"{column.name} is missing (rule {column.required_rule}).")
            return None if column.read in ("flag", "date", "sdq", "adopters") else ""
        wrong = f"{value} is not a valid {column.name} code (rule {column.rule})."
        if column.read == "code":
            if value in column.codes:
                return value
        elif column.read == "flag":
            if value in FLAGS:
                return value == "1"
            wrong = f"{column.name} must be 1, 0 or blank (rule {column.rule})."
        elif column.read == "adopters":
            if value in ("1", "2"):
                return int(value)
            wrong = f"{column.name} must be 1 or 2 (rule {column.rule})."
        elif column.read == "sdq":
            if value.isdigit() and int(value) <= 40:
                return int(value)
            wrong = f"{column.name} must be a whole number from 0 to 40 (rule {column.rule})."
        elif column.read == "order_date":
            latest = read_permanence_date(value) if ORDER_DATE.fullmatch(value) else None
            if latest is not None and latest <= self.checker.today:
                return value
            wrong = (
                f"{column.name} must be a date written DD/MM/YYYY, with ZZ for a day or month not known "
                f"(rule {column.rule})."
                if latest is None
                else f"{column.name} is in the future."
            )
        else:
            day = read_date(value)
            if day is not None and day > self.checker.today:
                wrong = f"{column.name} is in the future."
            elif day is not None:
                return day
            else:
                wrong = f"{column.name} must be a real date written DD/MM/YYYY, for example 15/12/2022 (rule {column.rule})."
        error(file, row, child, column.name, value, wrong)
        return None if column.read in ("flag", "date", "sdq", "adopters") else ""


def latest_outcome_date(tables: Mapping[str, Sequence[Any]]) -> date | None:
    """The latest date of the outcome tables that record events (AD1, PlacedAdoption, Missing),
    which tells the collection year with the episodes and reviews."""
    days = [
        value
        for table in ("ad1", "placed_adoption", "missing")
        for record in tables.get(table, [])
        for value in record.record
        if isinstance(value, date)
    ]
    return max(days, default=None)


def check_outcome_tables(
    checker: "RowChecker",
    across: "_AcrossFiles",
    tables: Mapping[str, Sequence[Any]],
    episodes_by_child: Mapping[str, Sequence["EpisodeRow"]],
    year_start: date | None,
) -> OutcomeTables:
    """The outcome tables' rows checked against the Header, the DfE's rules on one row and each
    other (one row per child where the DfE wants one, no overlapping decisions or missing
    episodes), grouped by child."""
    given = {table: tables[table] for table in OUTCOME_TABLES if tables.get(table)}
    if given and year_start is None:
        for table, rows in given.items():
            checker.error(
                rows[0].file,
                None,
                "",
                "",
                "",
                f"The {TABLE_LABELS[table]} rows belong to a collection year, which the Episodes file tells: "
                "give the year's episodes with them.",
            )
        return OutcomeTables({})
    data = ReturnData(year_start.year + 1) if year_start is not None else None
    looked_after: dict[str, bool] = {}

    def looked_after_all_year(child: str) -> bool:
        if child not in looked_after:
            assert data is not None
            looked_after[child] = looked_after_continuously(
                (
                    (e.start_date, e.end_date, e.reason_for_new_episode, e.legal_status, e.reason_episode_ceased)
                    for e in episodes_by_child.get(child, [])
                ),
                data.year,
            )
        return looked_after[child]

    grouped: dict[str, dict[str, list[OutcomeRow]]] = {}
    for table, rows in given.items():
        assert data is not None
        by_child: defaultdict[str, list[OutcomeRow]] = defaultdict(list)
        for record in rows:
            if not record.child:
                continue
            known = across.header_of(record, HEADER_RULES[table])
            if known is None:
                continue
            across.same_dob_as_header(record, known, DOB_RULES[table])
            if table in WITH_EPISODES and record.child not in episodes_by_child:
                checker.error(
                    record.file,
                    record.row,
                    record.child,
                    "CHILD",
                    record.child,
                    f"This child has no episodes in the Episodes file, so cannot be in the {TABLE_LABELS[table]} file "
                    "(rule 1012).",
                )
                continue
            if table in ONE_ROW_RULES and by_child.get(record.child):
                checker.error(
                    record.file,
                    record.row,
                    record.child,
                    "CHILD",
                    record.child,
                    f"This child is already in row {by_child[record.child][0].row} of the {TABLE_LABELS[table]} file: "
                    f"one row per child (rule {ONE_ROW_RULES[table]}).",
                )
                continue
            by_child[record.child].append(record)
            if record.readable:
                _row_tests(checker, data, record, looked_after_all_year)
                if table == "missing":
                    _check_looked_after(checker, record, episodes_by_child[record.child])
        if table == "placed_adoption":
            _check_in_turn(checker, by_child, "decided_on", "ceased_on", "579", "decision to place for adoption")
        elif table == "missing":
            _check_in_turn(checker, by_child, "start_date", "end_date", "574", "missing or away episode")
        grouped[table] = dict(by_child)
    return OutcomeTables(grouped)


def _row_tests(
    checker: "RowChecker", data: ReturnData, record: OutcomeRow, looked_after_all_year: Callable[[str], bool]
) -> None:
    tests: list[tuple[str, Callable[..., str | None], tuple]] = [
        (code, test, ()) for code, test in ROW_TESTS.get(record.table, []) if code not in VALUE_RULES
    ]
    if record.table == "oc2":
        tests += [(code, test, (looked_after_all_year(record.child),)) for code, test in CLA_ROW_TESTS]
    for code, test, more in tests:
        message = test(data, record.values, *more)
        if message:
            column = ROW_TEST_COLUMNS.get(code, "")
            checker.error(
                record.file,
                record.row,
                record.child,
                column,
                record.values.get(column, ""),
                f"{message.removesuffix('.')} (rule {code}).",
            )


def _check_looked_after(checker: "RowChecker", record: OutcomeRow, episodes: Sequence["EpisodeRow"]) -> None:
    """A missing or away episode starts while the child is looked after: within one of the
    child's episodes in the file (the DfE's rule 581), once their dates can be read."""
    start = record.field("start_date")
    if not all(e.dates_ok for e in episodes) or any(
        e.start_date <= start and (e.end_date is None or start <= e.end_date) for e in episodes
    ):
        return
    checker.error(
        record.file,
        record.row,
        record.child,
        "MIS_START",
        format_date(start),
        "No episode in the Episodes file covers this day: a missing or away episode starts while the child is "
        "looked after (rule 581).",
    )


def _check_in_turn(
    checker: "RowChecker",
    by_child: Mapping[str, list[OutcomeRow]],
    start_field: str,
    end_field: str,
    rule: str,
    what: str,
) -> None:
    """A child's dated records one after another: none starting on the day another does, none
    starting while an earlier one is still open or before it ended (the DfE's rule `rule`)."""
    for child, rows in by_child.items():
        dated = sorted((r for r in rows if r.field(start_field) is not None), key=lambda r: r.field(start_field))
        for previous, record in zip(dated, dated[1:], strict=False):
            start, previous_end = record.field(start_field), previous.field(end_field)
            column = COLUMNS[record.table][FIELDS[record.table].index(start_field)].name
            if start == previous.field(start_field):
                problem = f"Another {what} of this child starts the same day, in row {previous.row}."
            elif previous_end is None:
                problem = (
                    f"The {what} in row {previous.row} (from {format_date(previous.field(start_field))}) has no end, "
                    f"so no later one can start (rule {rule})."
                )
            elif start < previous_end:
                problem = (
                    f"This {what} starts before the one in row {previous.row} ended ({format_date(previous_end)}): "
                    f"they cannot overlap (rule {rule})."
                )
            else:
                continue
            checker.error(record.file, record.row, child, column, format_date(start), problem)
