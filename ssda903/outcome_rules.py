"""The DfE SSDA903 validation rules on the outcome tables (OC2, OC3, Missing, AD1,
PlacedAdoption, PrevPerm), ported from the DfE's published validator (csc-validator-be-903,
rule sets lac2023_24 to lac2026_27) to plain Python over a `ReturnData`.

Each rule keeps its DfE code and reads the rows as the validator does: a blank cell is missing,
dates are read with `read_date`, a birthday is the same day and month N years on (29 February
falls on 28 February). A rule that the validator runs only when a table was sent runs here only
when that table has rows. The comparisons with last year's return (348, 559-561, 584, 1001,
1002, 1010) run when `ReturnData.previous` holds it.

Where the validator differs from the DfE's stated rule through a slip (583 and 584 compare dates
as text, 347 looks for an accommodation code "T" that does not exist, 1001 drops episodes whose
row number in one year's file matches a short break's in the other's, 1016 counts ages in
years of 365.2425 days), the stated rule is followed. Rules that tell the authority to check something rather than say it is wrong (582,
583, 554, 1001, 1002) are queries.
"""

from __future__ import annotations

import datetime
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator

from children.codes import SHORT_BREAK_LEGAL_STATUSES as SHORT_BREAKS
from children.placement_rules import dfe_birthday
from outcomes import record_rules
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
from outcomes.record_rules import ADOPTED, LA_PERM_CODES, PLACED_FOR_ADOPTION
from outcomes.record_rules import read_permanence_date as read_permanence_date
from outcomes.years import looked_after_continuously

from .files import read_date
from .rules import Episode, Problem, ReturnData, _cell, rule, show

WHERE_HEALTH = "the child's health record for the year (OC2)"
WHERE_CARE_LEAVER = "the child's care leaver record for the year (OC3)"
WHERE_ADOPTION = "the child's adoption record (AD1)"
WHERE_PLACED = "the child's decisions to place for adoption (PlacedAdoption)"
WHERE_MISSING = "the child's missing and away from placement episodes"
WHERE_PREV_PERM = "the child's previous permanence (PrevPerm)"
WHERE_EPISODES = "the child's episodes of care"

OC2_FLAGS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
OC2_CORE = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")
INTERVENTIONS = ("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")
OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")
AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
FLAG_CODES = frozenset({"0", "1"})
SDQ_REASONS = frozenset(SdqReason.values)
IN_TOUCH_CODES = frozenset(InTouch.values)
ACTIVITY_CODES = frozenset(CareLeaverActivity.values)
ACCOMMODATION_CODES = frozenset(CareLeaverAccommodation.values)
MISSING_CODES = frozenset(MissingKind.values)
REASON_PLACED_CEASED_CODES = frozenset(ReasonPlacedCeased.values)
ADOPTERS_SEX_CODES = frozenset(AdoptersSex.values)
ADOPTERS_LS_CODES = frozenset(AdoptersLegalStatus.values)
PREV_PERM_CODES = frozenset(PreviousPermanenceOrder.values)


# ---------------------------------------------------------------------------------------------
# Reading rows


@functools.lru_cache(maxsize=1 << 16)
def _read_date(value: str) -> datetime.date | None:
    """read_date, remembered: the same few thousand dates recur across rows and rules."""
    return read_date(value)


def _date(row: dict, column: str) -> datetime.date | None:
    return _read_date(_cell(row, column))


def _given(row: dict, *columns: str) -> bool:
    """Whether any of the columns is filled in."""
    return any(_cell(row, column) for column in columns)


def _all_given(row: dict, *columns: str) -> bool:
    return all(_cell(row, column) for column in columns)


def _birthday(dob: datetime.date | None, years: int) -> datetime.date | None:
    """The birthday `years` on, as pandas' DateOffset gives it (29 February on 28 February)."""
    return None if dob is None else dfe_birthday(dob, years)


def _rows(data: ReturnData, table: str) -> Iterator[tuple[str, dict]]:
    for row in getattr(data, table):
        yield _cell(row, "CHILD"), row


def _episodes(data: ReturnData, child: str) -> list[Episode]:
    return data.episodes_by_child.get(child, [])


def _in_year(data: ReturnData, day: datetime.date | None) -> bool:
    return day is not None and data.start <= day <= data.end


def _memo(data: ReturnData, key: str, build):
    """A value worked out once per return (the rules share them)."""
    store = data.__dict__.setdefault("_outcome_memo", {})
    if key not in store:
        store[key] = build()
    return store[key]


def continuously_looked_after(data: ReturnData) -> frozenset[str]:
    """Children looked after for the whole year to 31 March (outcomes.years.looked_after_continuously)."""

    def build():
        return frozenset(
            child
            for child, episodes in data.episodes_by_child.items()
            if looked_after_continuously(((e.decom, e.dec, e["RNE"], e["LS"], e["REC"]) for e in episodes), data.year)
        )

    return _memo(data, "cla", build)


def _latest(episodes: Iterable[Episode]) -> Episode | None:
    """The first episode with the latest DECOM (undated ones ignored)."""
    best, best_day = None, datetime.date.min
    for episode in episodes:
        if episode.decom is not None and (best is None or episode.decom > best_day):
            best, best_day = episode, episode.decom
    return best


def _earliest(episodes: Iterable[Episode]) -> Episode | None:
    best, best_day = None, datetime.date.max
    for episode in episodes:
        if episode.decom is not None and (best is None or episode.decom < best_day):
            best, best_day = episode, episode.decom
    return best


# ---------------------------------------------------------------------------------------------
# Integrity: every child in the Header, with the same DOB, once where once is all there can be

TABLE_NAMES = {
    "oc2": ("OC2", WHERE_HEALTH),
    "oc3": ("OC3", WHERE_CARE_LEAVER),
    "ad1": ("AD1", WHERE_ADOPTION),
    "placed_adoption": ("PlacedAdoption", WHERE_PLACED),
    "missing": ("Missing", WHERE_MISSING),
    "prev_perm": ("PrevPerm", WHERE_PREV_PERM),
}


def _not_in_header(code: str, table: str):
    name, _where = TABLE_NAMES[table]

    def check(data):
        for child, _row in _rows(data, table):
            if child not in data.header_by_child:
                yield Problem(child, code, f"The child has a {name} row but no Header row.")

    check.__name__ = f"rule_{code.lower()}"
    return rule(code)(check)


rule_int01 = _not_in_header("INT01", "ad1")
rule_int02 = _not_in_header("INT02", "placed_adoption")
rule_int04 = _not_in_header("INT04", "missing")
rule_int05 = _not_in_header("INT05", "oc2")
rule_int06 = _not_in_header("INT06", "oc3")
rule_int07 = _not_in_header("INT07", "prev_perm")


def _dob_differs(code: str, table: str):
    name, _where = TABLE_NAMES[table]

    def check(data):
        for child, row in _rows(data, table):
            header = data.header_by_child.get(child)
            if header is None:
                continue
            dob, header_dob = _date(row, "DOB"), read_date(_cell(header, "DOB"))
            if dob and header_dob and dob != header_dob:
                yield Problem(
                    child, code, f"The {name} DOB {show(dob)} differs from the Header DOB {show(header_dob)}."
                )

    check.__name__ = f"rule_{code.lower()}"
    return rule(code)(check)


rule_int11 = _dob_differs("INT11", "ad1")
rule_int12 = _dob_differs("INT12", "placed_adoption")
rule_int13 = _dob_differs("INT13", "missing")
rule_int14 = _dob_differs("INT14", "oc2")
rule_int15 = _dob_differs("INT15", "oc3")
rule_int16 = _dob_differs("INT16", "prev_perm")


def _once_only(code: str, table: str):
    name, where = TABLE_NAMES[table]

    def check(data):
        for child, rows in data.rows_by_child(table).items():
            if len(rows) > 1:
                yield Problem(child, code, f"The child has {len(rows)} {name} rows; there must be one: see {where}.")

    check.__name__ = f"rule_{code.lower()}"
    return rule(code)(check)


rule_int31 = _once_only("INT31", "ad1")
rule_int33 = _once_only("INT33", "oc2")
rule_int34 = _once_only("INT34", "oc3")
rule_int35 = _once_only("INT35", "prev_perm")


@rule("1012")
def rule_1012_outcomes(data):
    for table in ("placed_adoption", "missing", "ad1", "prev_perm", "oc2"):
        name, where = TABLE_NAMES[table]
        for child in data.rows_by_child(table):
            if child not in data.episodes_by_child:
                yield Problem(child, "1012", f"The child has no episodes in the year but is in {name}: see {where}.")


# ---------------------------------------------------------------------------------------------
# Codes and dates within a row


def _code_rule(code: str, table: str, column: str, valid, *, blank_ok: bool = True):
    name, where = TABLE_NAMES[table]

    def check(data):
        for child, row in _rows(data, table):
            value = _cell(row, column)
            if (value or not blank_ok) and value not in valid:
                yield Problem(child, code, f"{name} {column} '{value}' is not a valid code: correct it in {where}.")

    check.__name__ = f"rule_{code.lower()}"
    return rule(code)(check)


rule_114 = _code_rule("114", "ad1", "FOSTER_CARE", FLAG_CODES)
rule_120 = _code_rule("120", "placed_adoption", "REASON_PLACED_CEASED", REASON_PLACED_CEASED_CODES)
rule_131 = _code_rule("131", "oc3", "IN_TOUCH", IN_TOUCH_CODES, blank_ok=False)
rule_132 = _code_rule("132", "oc3", "ACTIV", ACTIVITY_CODES, blank_ok=False)
rule_133 = _code_rule("133", "oc3", "ACCOM", ACCOMMODATION_CODES, blank_ok=False)
rule_175 = _code_rule("175", "ad1", "NB_ADOPTR", frozenset({"1", "2"}))
rule_176 = _code_rule("176", "ad1", "SEX_ADOPTR", ADOPTERS_SEX_CODES)
rule_177 = _code_rule("177", "ad1", "LS_ADOPTR", ADOPTERS_LS_CODES)
rule_196 = _code_rule("196", "oc2", "SDQ_REASON", SDQ_REASONS)
rule_631 = _code_rule("631", "prev_perm", "PREV_PERM", PREV_PERM_CODES)
rule_633 = _code_rule("633", "prev_perm", "LA_PERM", LA_PERM_CODES)
rule_1006 = _code_rule("1006", "missing", "MISSING", MISSING_CODES)


def _date_rule(code: str, table: str, column: str, *, blank_ok: bool = True):
    name, where = TABLE_NAMES[table]

    def check(data):
        for child, row in _rows(data, table):
            value = _cell(row, column)
            if (value or not blank_ok) and read_date(value) is None:
                what = f"'{value}' is not a valid DD/MM/YYYY date" if value else "is blank"
                yield Problem(child, code, f"{name} {column} {what}: correct it in {where}.")

    check.__name__ = f"rule_{code.lower()}"
    return rule(code)(check)


rule_112 = _date_rule("112", "ad1", "DATE_INT")
rule_113 = _date_rule("113", "ad1", "DATE_MATCH")
rule_115 = _date_rule("115", "placed_adoption", "DATE_PLACED")
rule_116 = _date_rule("116", "placed_adoption", "DATE_PLACED_CEASED")
rule_1004 = _date_rule("1004", "missing", "MIS_START", blank_ok=False)
rule_1005 = _date_rule("1005", "missing", "MIS_END")


ROW_TESTS: dict[str, list[tuple[str, Callable[..., str | None]]]] = {}
"""Each table's rules on one row at a time, (code, test(data, row) -> message or None): the
import checks each row of a file with them, to name the row."""
CLA_ROW_TESTS: list[tuple[str, Callable[..., str | None]]] = []
"""The OC2 rules on one row that need to know whether the child was looked after for the year:
(code, test(data, row, looked_after) -> message or None)."""


def _row_rule(code: str, table: str, *, query: bool = False):
    """A rule on one row at a time: the function returns the message, or None."""
    _name, where = TABLE_NAMES[table]

    def register(test):
        if not query:
            ROW_TESTS.setdefault(table, []).append((code, test))

        def check(data):
            for child, row in _rows(data, table):
                message = test(data, row)
                if message:
                    yield Problem(child, code, f"{message} Correct it in {where}.")

        check.__name__ = f"rule_{code.lower()}"
        rule(code, query=query)(check)
        return test

    return register


# ---------------------------------------------------------------------------------------------
# OC2: children looked after for 12 months at 31 March


@_row_rule("180", "oc2")
def _sdq_score_out_of_range(data, row):
    score = _cell(row, "SDQ_SCORE")
    return (
        f"SDQ_SCORE '{score}' is not a whole number from 0 to 40."
        if record_rules.sdq_score_out_of_range(score)
        else None
    )


@_row_rule("181", "oc2")
def _flags_not_0_or_1(data, row):
    wrong = [column for column in OC2_FLAGS if _cell(row, column) and _cell(row, column) not in FLAG_CODES]
    return f"{', '.join(wrong)} must be 0 or 1." if wrong else None


@_row_rule("182", "oc2")
def _health_items_half_done(data, row):
    if record_rules.health_items_half_done(
        _core_missing(row), *(_cell(row, c) for c in ("CONVICTED", "HEALTH_CHECK", *INTERVENTIONS))
    ):
        return (
            "Immunisations, teeth check, health assessment and substance misuse must all be "
            "recorded when any other health item is."
        )
    return None


@_row_rule("158", "oc2")
def _offered_when_received(data, row):
    if record_rules.intervention_offered_when_received(*(_cell(row, c) for c in INTERVENTIONS)):
        return "An intervention for substance misuse was received, so whether one was offered must be blank."
    return None


@_row_rule("159", "oc2")
def _offered_missing(data, row):
    if record_rules.intervention_offered_missing(*(_cell(row, c) for c in ("SUBSTANCE_MISUSE", *INTERVENTIONS))):
        return "No intervention for substance misuse was received: record whether one was offered."
    return None


@_row_rule("192", "oc2")
def _received_missing(data, row):
    if record_rules.intervention_received_missing(_cell(row, "SUBSTANCE_MISUSE"), _cell(row, "INTERVENTION_RECEIVED")):
        return "A substance misuse problem is recorded: record whether an intervention was received."
    return None


@_row_rule("193", "oc2")
def _intervention_without_misuse(data, row):
    if record_rules.intervention_without_misuse(*(_cell(row, c) for c in ("SUBSTANCE_MISUSE", *INTERVENTIONS))):
        return "No substance misuse problem is recorded, so the intervention items must be blank."
    return None


@_row_rule("197a", "oc2")
def _score_and_reason(data, row):
    if record_rules.sdq_score_and_reason(*_sdq(row)):
        return "There is an SDQ score, so the reason for no score must be blank."
    return None


def _core_missing(row) -> bool:
    return record_rules.core_health_missing(*(_cell(row, column) for column in OC2_CORE))


def _sdq(row) -> tuple[str, str]:
    return _cell(row, "SDQ_SCORE"), _cell(row, "SDQ_REASON")


@_row_rule("544", "oc2")
def _convicted_without_health(data, row):
    if record_rules.convicted_without_health(_core_missing(row), _cell(row, "CONVICTED")):
        return (
            "A conviction is recorded, so immunisations, teeth check, health assessment and substance misuse must be."
        )
    return None


@_row_rule("547", "oc2")
def _health_check_without_health(data, row):
    if record_rules.health_check_without_health(_core_missing(row), _cell(row, "HEALTH_CHECK")):
        return (
            "Health promotion is recorded, so immunisations, teeth check, health assessment and "
            "substance misuse must be."
        )
    return None


@_row_rule("188", "oc2")
def _sdq_under_4(data, row):
    dob = _date(row, "DOB")
    if dob and record_rules.sdq_too_young(dob, data.year, *_sdq(row)):
        return "The child is under 4 at 31 March, so SDQ score and reason must be blank."
    return None


@_row_rule("189", "oc2")
def _sdq_over_17(data, row):
    dob = _date(row, "DOB")
    if dob and record_rules.sdq_too_old(dob, data.year, *_sdq(row)):
        return "The child was 17 or over on 1 April, so SDQ score and reason must be blank."
    return None


def _cla_row_rule(code: str):
    """A row rule on OC2 that needs to know whether the child was looked after for the year
    (the validator runs it only when Episodes were sent)."""

    def register(test):
        CLA_ROW_TESTS.append((code, test))

        def check(data):
            if not data.episodes:
                return
            cla = continuously_looked_after(data)
            for child, row in _rows(data, "oc2"):
                message = test(data, row, child in cla)
                if message:
                    yield Problem(child, code, f"{message} Correct it in {WHERE_HEALTH}.")

        check.__name__ = f"rule_{code.lower()}"
        rule(code)(check)
        return test

    return register


@_cla_row_rule("157")
def _sdq1_for_4_to_16(data, row, cla):
    dob = _date(row, "DOB")
    if cla and dob and record_rules.sdq_age_reason_for_4_to_16(dob, data.year, *_sdq(row)):
        return "The child is 4 to 16 in the year, so SDQ1 (under 4 or over 17) cannot be the reason for no SDQ score."
    return None


@_cla_row_rule("185")
def _sdq_not_cla(data, row, cla):
    if _cell(row, "SDQ_SCORE") and not cla:
        return "The child was not looked after for the whole year to 31 March, so the SDQ score must be blank."
    return None


@_cla_row_rule("186")
def _sdq_missing(data, row, cla):
    dob = _date(row, "DOB")
    fourth, seventeenth = _birthday(dob, 4), _birthday(dob, 17)
    if (
        cla
        and fourth
        and seventeenth
        and fourth <= data.start
        and seventeenth > data.end
        and not _given(row, "SDQ_SCORE", "SDQ_REASON")
    ):
        return "The child is 4 to 16 and looked after for 12 months: record an SDQ score or the reason for none."
    return None


@_cla_row_rule("190")
def _oc2_not_cla(data, row, cla):
    if not cla and _given(row, *OC2_FLAGS):
        return (
            "The child was not looked after for the whole year to 31 March, so the 12-month "
            "health and conviction items must be blank."
        )
    return None


@_cla_row_rule("197B")
def _sdq_for_4_or_17(data, row, cla):
    dob = _date(row, "DOB")
    fourth, seventeenth = _birthday(dob, 4), _birthday(dob, 17)
    turns = (fourth and data.start <= fourth <= data.end) or (seventeenth and data.start <= seventeenth <= data.end)
    if turns and cla and not _given(row, "SDQ_SCORE", "SDQ_REASON"):
        return "The child turns 4 or 17 in the year: record an SDQ score or the reason for none."
    return None


@_cla_row_rule("198")
def _sdq_reason_not_cla(data, row, cla):
    if _cell(row, "SDQ_REASON") and not cla:
        return "The child was not looked after for the whole year to 31 March, so the SDQ reason must be blank."
    return None


@_cla_row_rule("543")
def _convicted_missing(data, row, cla):
    tenth = _birthday(_date(row, "DOB"), 10)
    if cla and tenth and data.end > tenth and not _cell(row, "CONVICTED"):
        return "The child is 10 or over and looked after for 12 months: record whether convicted."
    return None


@_cla_row_rule("545")
def _health_check_missing(data, row, cla):
    fifth = _birthday(_date(row, "DOB"), 5)
    if cla and fifth and data.end < fifth and not _cell(row, "HEALTH_CHECK"):
        return "The child is under 5 and looked after for 12 months: record the health check."
    return None


@_cla_row_rule("546")
def _health_check_over_5(data, row, cla):
    dob = _date(row, "DOB")
    if cla and dob and record_rules.health_check_at_5_or_over(dob, data.year, _cell(row, "HEALTH_CHECK")):
        return "The child is 5 or over at 31 March, so the health check must be blank."
    return None


@rule("191")
def rule_191(data):
    if not data.episodes:
        return
    cla = continuously_looked_after(data)
    for child, row in _rows(data, "oc2"):
        if child in cla and _core_missing(row):
            yield Problem(
                child,
                "191",
                "The child was looked after for 12 months to 31 March: immunisations, teeth check, "
                f"health assessment and substance misuse must be recorded in {WHERE_HEALTH}.",
            )
    if not data.oc2:
        return
    with_oc2 = data.rows_by_child("oc2")
    for child in sorted(cla - with_oc2.keys()):
        yield Problem(
            child,
            "191",
            f"The child was looked after for 12 months to 31 March but has no OC2 row: record {WHERE_HEALTH}.",
        )


# ---------------------------------------------------------------------------------------------
# OC3: care leavers


@_row_rule("153", "oc3")
def _oc3_half_done(data, row):
    if record_rules.care_leaver_half_done(*(_cell(row, column) for column in OC3_ITEMS)):
        return "In touch, activity and accommodation must all be recorded or all left blank."
    return None


@_row_rule("344", "oc3")
def _died_or_home_with_activity(data, row):
    in_touch = _cell(row, "IN_TOUCH")
    if any(
        record_rules.applicable_after_leaving_for_good(in_touch, _cell(row, column)) for column in ("ACTIV", "ACCOM")
    ):
        return f"IN_TOUCH is {_cell(row, 'IN_TOUCH')}, so activity and accommodation must be 0."
    return None


@_row_rule("345", "oc3")
def _in_touch_without_activity(data, row):
    in_touch = _cell(row, "IN_TOUCH")
    if any(record_rules.not_applicable_while_in_touch(in_touch, _cell(row, column)) for column in ("ACTIV", "ACCOM")):
        return "The authority is in touch with the young person, so activity and accommodation cannot be 0."
    return None


@_row_rule("391", "oc3")
def _too_young_for_oc3(data, row):
    seventeenth = _birthday(_date(row, "DOB"), 17)
    if seventeenth and seventeenth > data.end and _given(row, *OC3_ITEMS):
        return "The young person is not 17 by 31 March, so there is no care leaver information to record."
    return None


@rule("347")
def rule_347(data):
    for child, row in _rows(data, "oc3"):
        dob = _date(row, "DOB")
        if dob and record_rules.in_foyer_under_18(_cell(row, "ACCOM"), dob, data.year):
            yield Problem(
                child,
                "347",
                f"A care leaver under 18 cannot be accommodated in a foyer: correct ACCOM in {WHERE_CARE_LEAVER}.",
            )


@rule("3001")
def rule_3001(data):
    for child, row in _rows(data, "oc3"):
        dob = data.dob_by_child.get(child) if child in data.header_by_child else None
        if dob and record_rules.with_former_foster_carers_at_17(_cell(row, "ACCOM"), dob, data.year):
            yield Problem(
                child,
                "3001",
                "Around the 17th birthday the accommodation cannot be with former foster carers "
                f"(Z1, Z2): correct ACCOM in {WHERE_CARE_LEAVER}.",
            )


@rule("348")
def rule_348(data):
    if data.year < 2026 or data.previous is None:
        return
    last_year = data.previous.rows_by_child("oc3")
    for child, row in _rows(data, "oc3"):
        if _cell(row, "IN_TOUCH") != "DIED" and any(_cell(r, "IN_TOUCH") == "DIED" for r in last_year.get(child, [])):
            yield Problem(
                child,
                "348",
                f"Last year's return recorded that the young person died: correct IN_TOUCH in {WHERE_CARE_LEAVER}.",
            )


def _oc3_filled(data) -> Iterator[tuple[str, dict]]:
    for child, row in _rows(data, "oc3"):
        if _given(row, *OC3_ITEMS):
            yield child, row


@rule("1000")
def rule_1000(data):
    ceased = {}
    for year in (data, data.previous) if data.previous is not None else (data,):
        for child, row in _rows(year, "episodes"):
            ceased.setdefault(child, []).append(_cell(row, "REC"))
    for child, _row in _rows(data, "oc3"):
        if record_rules.died_in_care(ceased.get(child, [])):
            yield Problem(
                child,
                "1000",
                f"The child died in care (REC E2), so there is no care leaver information: remove {WHERE_CARE_LEAVER}.",
            )


def _both_years(data: ReturnData, child: str) -> list[Episode]:
    """The child's episodes in this and last year's returns, an episode in both once (the copy
    with the earliest DEC, an open copy last), ordered by DEC as the validator leaves them."""
    episodes = _episodes(data, child) + (data.previous.episodes_by_child.get(child, []) if data.previous else [])
    episodes = sorted(episodes, key=lambda e: (e.dec is None, e.dec or datetime.date.min))
    kept: dict[datetime.date | None, Episode] = {}
    for episode in episodes:
        kept.setdefault(episode.decom, episode)
    return list(kept.values())


def _care_after_14_and_16(data: ReturnData, child: str, episodes: list[Episode]) -> tuple[int, int] | None:
    """Days looked after from the 14th and from the 16th birthday (short breaks aside, the last
    open episode counted to 31 March), or None for a child the validator leaves out: no valid
    DOB, 20 or over at 31 March, or nothing but short breaks."""
    dob = data.dob_by_child.get(child)
    if dob is None or dfe_birthday(dob, 20) <= data.end:
        return None
    latest = _latest(episodes)
    fourteenth, sixteenth = dfe_birthday(dob, 14), dfe_birthday(dob, 16)
    after_14 = after_16 = 0
    counted = False
    for episode in episodes:
        if episode["LS"] in SHORT_BREAKS:
            continue
        counted = True
        ceased = episode.dec if episode.dec is not None or episode is not latest else data.end
        if ceased is None:
            continue
        after_14 += max(0, (ceased - max(episode.decom or fourteenth, fourteenth)).days)
        after_16 += max(0, (ceased - max(episode.decom or sixteenth, sixteenth)).days)
    return (after_14, after_16) if counted else None


@rule("1001", query=True)
def rule_1001(data):
    previous = data.previous
    if previous is None or not (data.episodes and data.oc3 and data.header and previous.episodes):
        return
    found = []
    for child, _row in _rows(data, "oc3"):
        episodes = _both_years(data, child)
        latest = _latest(episodes)
        totals = _care_after_14_and_16(data, child, episodes)
        adopted = latest is not None and latest["REC"] in ADOPTED
        found.append((child, adopted or totals is None or not (totals[0] >= 91 and totals[1] >= 1), totals))
    if all(totals is None for _, _, totals in found) and not any(
        _care_after_14_and_16(data, child, _both_years(data, child))
        for child in data.episodes_by_child.keys() | previous.episodes_by_child.keys()
    ):
        return  # the validator finds no episode to measure at all and reports nothing
    for child, breaks, _totals in found:
        if breaks:
            yield Problem(
                child,
                "1001",
                "The episodes in this and last year's returns do not show a relevant or former "
                "relevant child (13 weeks looked after from 14, including a day from 16), or show "
                f"the child adopted: check {WHERE_CARE_LEAVER}.",
            )


@rule("1002", query=True)
def rule_1002(data):
    if data.previous is None:
        return
    for child, _row in _rows(data, "oc3"):
        if child not in data.episodes_by_child and child not in data.previous.episodes_by_child:
            yield Problem(
                child,
                "1002",
                f"The child has no episodes this year or last, so should have no care leaver information: check {WHERE_CARE_LEAVER}.",
            )


@rule("1007")
def rule_1007(data):
    for child, row in _oc3_filled(data):
        dob = _date(row, "DOB")
        if dob is None or not (_birthday(dob, 17) <= data.end < _birthday(dob, 19)):
            continue
        birthday = _birthday(dob, data.end.year - dob.year)
        if birthday > data.end:
            birthday = _birthday(dob, data.end.year - dob.year - 1)
        if any(e.decom and e.dec and e.decom <= birthday < e.dec for e in _episodes(data, child)):
            yield Problem(
                child,
                "1007",
                f"The young person was still looked after on their birthday ({show(birthday)}), so "
                f"no care leaver information is due: remove it from {WHERE_CARE_LEAVER}.",
            )


@rule("1010")
def rule_1010(data):
    if data.previous is None:
        return
    open_last_year = set()
    for child, episodes in data.previous.episodes_by_child.items():
        dated = [e for e in episodes if e.decom]
        if dated and not dated[-1]["DEC"]:
            open_last_year.add(child)
    for child, _row in _rows(data, "oc3"):
        if child in open_last_year and child not in data.episodes_by_child:
            yield Problem(
                child,
                "1010",
                "The child's episode was open at the end of last year but there are no episodes "
                f"this year, yet care leaver information is recorded: check {WHERE_EPISODES}.",
            )


@rule("1011")
def rule_1011(data):
    for child, _row in _oc3_filled(data):
        latest = _latest(_episodes(data, child))
        if latest is not None and record_rules.care_transferred(latest["REC"]):
            yield Problem(
                child,
                "1011",
                "Care was transferred to another authority (REC E3) in the last episode, so there "
                f"is no care leaver information: remove it from {WHERE_CARE_LEAVER}.",
            )


@rule("1014")
def rule_1014(data):
    uasc = {_cell(row, "CHILD") for row in data.uasc}
    for child, _row in _oc3_filled(data):
        episodes = _episodes(data, child)
        if child not in uasc or not episodes:
            continue
        if not any(e.decom and e.decom <= data.end and (e.dec is None or e.dec >= data.start) for e in episodes):
            yield Problem(
                child,
                "1014",
                f"A care leaver not looked after in the year needs no UASC row: check {WHERE_CARE_LEAVER}.",
            )


@rule("1016")
def rule_1016(data):
    if data.year < 2024:
        return
    for child, row in _oc3_filled(data):
        dob = _date(row, "DOB")
        if dob is None:
            continue
        # Aged 17 or 18 on 31 March, as the DfE states the rule ("DOB at least 17 and under 19
        # years before the collection end"); its validator counts years of 365.2425 days, which
        # takes a child turning 18 on 31 March itself for a 17-year-old.
        if dfe_birthday(dob, 17) <= data.end < dfe_birthday(dob, 18):
            birthday = dfe_birthday(dob, 17)
        elif dfe_birthday(dob, 18) <= data.end < dfe_birthday(dob, 19):
            birthday = dfe_birthday(dob, 18)
        else:
            continue
        if any(e.dec and e.dec >= birthday for e in _episodes(data, child)):
            yield Problem(
                child,
                "1016",
                f"The young person ceased to be looked after after their birthday ({show(birthday)}), "
                f"so no care leaver information is due: remove it from {WHERE_CARE_LEAVER}.",
            )


@rule("165")
def rule_165(data):
    if not data.oc3:
        return
    oc3 = data.rows_by_child("oc3")
    for child, episodes in data.episodes_by_child.items():
        lasting = [e for e in episodes if e["LS"] not in SHORT_BREAKS]
        header = data.header_by_child.get(child)
        if not lasting or header is None:
            continue
        mother, sex = _cell(header, "MOTHER"), _cell(header, "SEX")
        in_year = any(
            e.decom is not None and e.decom <= data.end and (e.dec or data.end) >= data.start for e in lasting
        )
        has_oc3 = any(_given(row, *OC3_ITEMS) for row in oc3.get(child, []))
        if (
            (mother and mother not in FLAG_CODES)
            or (mother and sex == "1")
            or (not mother and sex == "2" and in_year)
            or (mother and sex == "2" and not in_year and has_oc3)
        ):
            yield Problem(
                child,
                "165",
                f"MOTHER '{mother}' does not fit the child's sex, episodes and care leaver "
                "information: correct Mother on the child's page (About the child).",
            )


@rule("628")
def rule_628(data):
    for child, _row in _oc3_filled(data):
        header = data.header_by_child.get(child)
        if header is not None and child not in data.episodes_by_child and _cell(header, "MOTHER"):
            yield Problem(
                child,
                "628",
                "The care leaver was not looked after in the year, so MOTHER must be blank in the Header.",
            )


@rule("215")
def rule_215(data):
    oc2 = data.rows_by_child("oc2")
    for child, _row in _oc3_filled(data):
        if any(_given(row, *OC2_FLAGS) for row in oc2.get(child, [])):
            yield Problem(
                child,
                "215",
                f"The child has care leaver information, so {WHERE_HEALTH} must have no 12-month items.",
            )


@rule("134")
def rule_134(data):
    oc3 = data.rows_by_child("oc3")
    for child, row in _rows(data, "ad1"):
        if _given(row, *AD1_ITEMS) and any(_given(r, *OC3_ITEMS) for r in oc3.get(child, [])):
            yield Problem(child, "134", f"A care leaver cannot have adoption information: check {WHERE_ADOPTION}.")


@rule("187")
def rule_187(data):
    if not (data.episodes and data.oc3 and data.ad1):
        return
    cla = continuously_looked_after(data)
    for child, row in _rows(data, "oc3"):
        if child in cla and _given(row, *OC3_ITEMS):
            yield Problem(
                child,
                "187",
                f"The child was looked after for the whole year to 31 March, so {WHERE_CARE_LEAVER} must be blank.",
            )
    for child, row in _rows(data, "ad1"):
        if child in cla and _given(row, *AD1_ITEMS):
            yield Problem(
                child,
                "187",
                f"The child was looked after for the whole year to 31 March, so {WHERE_ADOPTION} must be blank.",
            )


# ---------------------------------------------------------------------------------------------
# AD1: adoptions


@_row_rule("151", "ad1")
def _adoption_half_done(data, row):
    if _given(row, *AD1_ITEMS) and not _all_given(row, *AD1_ITEMS):
        return "All the adoption items (dates, foster care, adopters) must be recorded or all left blank."
    return None


@_row_rule("333", "ad1")
def _match_before_decision(data, row):
    if record_rules.matched_before_decision(_date(row, "DATE_MATCH"), _date(row, "DATE_INT")):
        return "The date the child should be placed for adoption (DATE_INT) must be on or before the matching date."
    return None


@_row_rule("511", "ad1")
def _two_adopters_not_a_couple(data, row):
    if record_rules.two_adopters_not_a_couple(_cell(row, "NB_ADOPTR"), _cell(row, "SEX_ADOPTR")):
        return "There are two adopters, so SEX_ADOPTR must be MM, FF or MF."
    return None


def _adopters_rule(code: str, legal_status: str, allowed: frozenset[str], who: str):
    """One of 514, 517 to 520 and 524: the adopters' sex that `legal_status` allows."""
    text = f"LS_ADOPTR {legal_status} means {who}, so SEX_ADOPTR must be {' or '.join(sorted(allowed))}."

    @_row_rule(code, "ad1")
    def test(data, row):
        broken = record_rules.sex_disagrees_with_legal_status(_cell(row, "LS_ADOPTR"), _cell(row, "SEX_ADOPTR"))
        return text if broken == code else None

    return test


for _legal_status, (_code, _allowed, _who) in record_rules.ADOPTERS_SEX_FOR_LEGAL_STATUS.items():
    _adopters_rule(_code, _legal_status, _allowed, _who)


def _ad1_with_episodes(data) -> Iterator[tuple[str, dict, list[Episode]]]:
    for child, row in _rows(data, "ad1"):
        episodes = _episodes(data, child)
        if episodes:
            yield child, row, episodes


@rule("331")
def rule_331(data):
    for child, row, episodes in _ad1_with_episodes(data):
        match = _date(row, "DATE_MATCH")
        if record_rules.matched_after_adoption_began(match, ((e.decom, e["REC"]) for e in episodes)):
            yield Problem(
                child,
                "331",
                f"The matching date {show(match)} is after the start of the episode that ended in "
                f"adoption: correct {WHERE_ADOPTION}.",
            )


@rule("334")
def rule_334(data):
    for child, row, episodes in _ad1_with_episodes(data):
        last_start = _latest(e for e in episodes if e["RNE"] == "S")
        decided = _date(row, "DATE_INT")
        if last_start is not None and decided and record_rules.decided_before_latest_care(decided, last_start.decom):
            yield Problem(
                child,
                "334",
                f"DATE_INT {show(decided)} is before the child started the latest period of care "
                f"({show(last_start.decom)}): correct {WHERE_ADOPTION}.",
            )


@rule("335")
def rule_335(data):
    for child, row, episodes in _ad1_with_episodes(data):
        foster = _cell(row, "FOSTER_CARE")
        for e in episodes:
            if record_rules.foster_care_disagrees_with_placement(foster, e["PLACE"], e["REC"]):
                yield Problem(
                    child,
                    "335",
                    f"FOSTER_CARE {foster} does not fit the placement {e['PLACE']} of the {e.label}: "
                    f"correct {WHERE_ADOPTION}.",
                )
                break


@rule("521")
def rule_521(data):
    for child, row, episodes in _ad1_with_episodes(data):
        decided = _date(row, "DATE_INT")
        placed_on = record_rules.decided_after_placed_for_adoption(decided, ((e.decom, e["PLACE"]) for e in episodes))
        if placed_on is not None:
            yield Problem(
                child,
                "521",
                f"DATE_INT {show(decided)} is after the child was placed for adoption on {show(placed_on)}: "
                f"correct {WHERE_ADOPTION}.",
            )


@rule("582", query=True)
def rule_582(data):
    for child, row, episodes in _ad1_with_episodes(data):
        match = _cell(row, "DATE_MATCH")
        if match and any(e["REC"] in ADOPTED and e["DEC"] == match for e in episodes):
            yield Problem(
                child,
                "582",
                f"The child was adopted on the day they were matched ({match}); matching is usually "
                f"earlier: check {WHERE_ADOPTION}.",
            )


def adopted_in_year(data) -> set[str]:
    """Children whose episode ceased E11 or E12 (adopted) in the year: the AD1 cohort."""
    return _memo(
        data,
        "adopted_in_year",
        lambda: {
            child
            for child, episodes in data.episodes_by_child.items()
            if any(e["REC"] in ADOPTED and _in_year(data, e.dec) for e in episodes)
        },
    )


@rule("601")
def rule_601(data):
    adopted = adopted_in_year(data)
    for child, row in _rows(data, "ad1"):
        if child in adopted and not _all_given(row, *AD1_ITEMS):
            yield Problem(
                child,
                "601",
                f"The child was adopted in the year: complete every item of {WHERE_ADOPTION}.",
            )


@rule("602")
def rule_602(data):
    adopted = adopted_in_year(data)
    for child, row in _rows(data, "ad1"):
        if child not in adopted and _given(row, *AD1_ITEMS):
            yield Problem(
                child,
                "602",
                f"The episodes do not show the child adopted in the year (REC E11 or E12): check "
                f"{WHERE_EPISODES} and {WHERE_ADOPTION}.",
            )


@rule("525")
def rule_525(data):
    ad1 = data.rows_by_child("ad1")
    for child, row in _rows(data, "placed_adoption"):
        if _cell(row, "DATE_PLACED_CEASED") and any(_given(r, *AD1_ITEMS) for r in ad1.get(child, [])):
            yield Problem(
                child,
                "525",
                f"The decision to place for adoption was reversed, so the child cannot be adopted: check {WHERE_ADOPTION}.",
            )


@rule("523")
def rule_523(data):
    ad1 = data.rows_by_child("ad1")
    for child, row in _rows(data, "placed_adoption"):
        placed = _date(row, "DATE_PLACED")
        if placed is None:
            continue
        for other in ad1.get(child, []):
            decided = _date(other, "DATE_INT")
            if decided and decided != placed:
                yield Problem(
                    child,
                    "523",
                    f"DATE_PLACED {show(placed)} differs from the AD1 DATE_INT {show(decided)}: correct "
                    f"{WHERE_PLACED} or {WHERE_ADOPTION}.",
                )
                break


# ---------------------------------------------------------------------------------------------
# PlacedAdoption: decisions that the child should be placed for adoption


@_row_rule("119", "placed_adoption")
def _ceased_half_done(data, row):
    if record_rules.reversal_half_done(_cell(row, "DATE_PLACED_CEASED"), _cell(row, "REASON_PLACED_CEASED")):
        return "A reversed decision needs both its date (DATE_PLACED_CEASED) and its reason."
    return None


@_row_rule("522", "placed_adoption")
def _ceased_before_placed(data, row):
    placed, ceased = _date(row, "DATE_PLACED"), _date(row, "DATE_PLACED_CEASED")
    if record_rules.reversed_before_decided(placed, ceased):
        return f"The decision was reversed ({show(ceased)}) before it was made ({show(placed)})."
    return None


@_row_rule("563", "placed_adoption")
def _ceased_without_placed(data, row):
    if _all_given(row, "REASON_PLACED_CEASED", "DATE_PLACED_CEASED") and not _cell(row, "DATE_PLACED"):
        return "A reversed decision needs the date it was made (DATE_PLACED)."
    return None


@rule("184")
def rule_184(data):
    for child, row in _rows(data, "placed_adoption"):
        placed, dob = _date(row, "DATE_PLACED"), _date(row, "DOB")
        if placed and record_rules.decided_before_birth(placed, dob):
            yield Problem(
                child,
                "184",
                f"DATE_PLACED {show(placed)} is before the child's DOB ({show(dob)}): correct {WHERE_PLACED}.",
            )


@rule("579")
def rule_579(data):
    for child, rows in data.rows_by_child("placed_adoption").items():
        ordered = sorted(
            rows, key=lambda r: (_date(r, "DATE_PLACED") is None, _date(r, "DATE_PLACED") or datetime.date.min)
        )
        for previous, row in itertools.pairwise(ordered):
            if record_rules.decisions_overlap(_date(previous, "DATE_PLACED_CEASED"), _date(row, "DATE_PLACED")):
                yield Problem(
                    child,
                    "579",
                    f"A decision to place for adoption ({_cell(row, 'DATE_PLACED') or '(blank)'}) "
                    f"overlaps an earlier one that was not reversed before it: correct {WHERE_PLACED}.",
                )


@rule("583", query=True)
def rule_583(data):
    for child, rows in data.rows_by_child("placed_adoption").items():
        if len(rows) < 2:
            continue
        latest = max(rows, key=lambda r: _date(r, "DATE_PLACED") or datetime.date.min)
        if any(row is not latest and not _cell(row, "DATE_PLACED_CEASED") for row in rows):
            yield Problem(
                child,
                "583",
                "There is more than one decision to place for adoption but an earlier one was "
                f"not reversed: check {WHERE_PLACED}.",
            )


@rule("117")
def rule_117(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        if child not in placed:
            continue
        last = _latest(e for e in episodes if e["REC"] != "X1")
        if last is None:
            continue
        for row in placed[child]:
            dates = [d for d in (_date(row, "DATE_PLACED"), _date(row, "DATE_PLACED_CEASED")) if d]
            if any(d > data.end or record_rules.dated_after_care_ended(d, last.dec) for d in dates):
                yield Problem(
                    child,
                    "117",
                    "A decision to place for adoption (or its reversal) is dated after the year's "
                    f"end or after the child left care: correct {WHERE_PLACED}.",
                )


@rule("118")
def rule_118(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        first = _earliest(e for e in episodes if e["LS"] not in SHORT_BREAKS)
        if first is None:
            continue
        for row in placed.get(child, []):
            ceased = _date(row, "DATE_PLACED_CEASED")
            if ceased and (ceased < first.decom or ceased < data.start):
                yield Problem(
                    child,
                    "118",
                    f"DATE_PLACED_CEASED {show(ceased)} is before the year or before the child "
                    f"started to be looked after: correct {WHERE_PLACED}.",
                )


@rule("1003")
def rule_1003(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        first = _earliest(e for e in episodes if e["RNE"] == "S")
        if first is None:
            continue
        for row in placed.get(child, []):
            date_placed = _date(row, "DATE_PLACED")
            if date_placed and record_rules.decided_before_care(date_placed, first.decom):
                yield Problem(
                    child,
                    "1003",
                    f"DATE_PLACED {show(date_placed)} is before the child started to be looked after "
                    f"({show(first.decom)}): correct {WHERE_PLACED}.",
                )


@rule("551")
def rule_551(data):
    if not data.placed_adoption:
        return
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        rows = placed.get(child, [])
        if any(e["PLACE"] in PLACED_FOR_ADOPTION for e in episodes) and (
            not rows or any(not _cell(r, "DATE_PLACED") for r in rows)
        ):
            yield Problem(
                child,
                "551",
                f"The child was placed for adoption but the date of the decision is missing: record it in {WHERE_PLACED}.",
            )


@rule("552")
def rule_552(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        first = _earliest(e for e in episodes if e["PLACE"] in PLACED_FOR_ADOPTION)
        decisions = [d for d in (_date(r, "DATE_PLACED") for r in placed.get(child, [])) if d]
        if (
            first is not None
            and decisions
            and record_rules.decided_after_placed_for_adoption(
                max(decisions), ((e.decom, e["PLACE"]) for e in episodes)
            )
        ):
            yield Problem(
                child,
                "552",
                f"The latest decision to place for adoption ({show(max(decisions))}) is after the "
                f"child was placed for adoption ({show(first.decom)}): correct {WHERE_PLACED}.",
            )


@rule("553")
def rule_553(data):
    if not data.placed_adoption:
        return
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        with_order = [e for e in episodes if e["LS"] == "E1"]
        if not with_order:
            continue
        rows = placed.get(child, [])
        if not rows or (
            any(not e["DEC"] for e in with_order)
            and any(_given(r, "DATE_PLACED_CEASED", "REASON_PLACED_CEASED") for r in rows)
        ):
            yield Problem(
                child,
                "553",
                "A placement order (LS E1) is recorded but the decision to place for adoption is "
                f"missing, or shown reversed while the order continues: check {WHERE_PLACED}.",
            )


@rule("554", query=True)
def rule_554(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        first = _earliest(e for e in episodes if e["LS"] == "E1")
        if first is None:
            continue
        if any((_date(r, "DATE_PLACED") or datetime.date.min) > first.decom for r in placed.get(child, [])):
            yield Problem(
                child,
                "554",
                f"The decision to place for adoption is dated after the placement order ({show(first.decom)}): "
                f"check {WHERE_PLACED}.",
            )


@rule("557")
def rule_557(data):
    if not data.placed_adoption:
        return
    order_codes = {"E1"} if data.year >= 2025 else {"D1", "E1"}
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        left = [
            e
            for e in episodes
            if (e["PLACE"] in PLACED_FOR_ADOPTION or e["LS"] in order_codes)
            and e["REC"]
            and e["REC"] not in ADOPTED
            and e["REC"] != "X1"
        ]
        rows = placed.get(child, [])
        if left and (not rows or any(not _all_given(r, "DATE_PLACED_CEASED", "REASON_PLACED_CEASED") for r in rows)):
            yield Problem(
                child,
                "557",
                "The child left care without being adopted after a decision to place for adoption: "
                f"record the date and reason the decision was reversed in {WHERE_PLACED}.",
            )


@rule("558")
def rule_558(data):
    placed = data.rows_by_child("placed_adoption")
    for child, episodes in data.episodes_by_child.items():
        rows = placed.get(child, [])
        adoptions = sum(e["REC"] in ADOPTED for e in episodes)
        if not rows or not adoptions:
            continue
        if all(_cell(r, "DATE_PLACED_CEASED") for r in rows) and adoptions * len(rows) > 1:
            yield Problem(
                child,
                "558",
                f"The child was adopted, so the latest decision to place for adoption cannot be reversed: check {WHERE_PLACED}.",
            )


def _last_years_placed(data) -> dict[str, list[dict]] | None:
    return data.previous.rows_by_child("placed_adoption") if data.previous is not None else None


@rule("559")
def rule_559(data):
    last_year = _last_years_placed(data)
    if last_year is None:
        return
    for child, row in _rows(data, "placed_adoption"):
        placed = _date(row, "DATE_PLACED")
        before = last_year.get(child, [])
        if placed and placed < data.start and (not before or any(not _date(r, "DATE_PLACED") for r in before)):
            yield Problem(
                child,
                "559",
                f"DATE_PLACED {show(placed)} is before this year but last year's return has no such "
                f"decision: check {WHERE_PLACED}.",
            )


@rule("560")
def rule_560(data):
    last_year = _last_years_placed(data)
    if last_year is None:
        return
    for child, row in _rows(data, "placed_adoption"):
        for before in last_year.get(child, []):
            if (
                _cell(before, "DATE_PLACED")
                and not _cell(before, "DATE_PLACED_CEASED")
                and _cell(row, "DATE_PLACED") != _cell(before, "DATE_PLACED")
            ):
                yield Problem(
                    child,
                    "560",
                    f"DATE_PLACED {_cell(row, 'DATE_PLACED') or '(blank)'} differs from last year's "
                    f"{_cell(before, 'DATE_PLACED')}, which was not reversed: correct {WHERE_PLACED}.",
                )
                break


@rule("561")
def rule_561(data):
    last_year = _last_years_placed(data)
    if last_year is None:
        return
    for child, row in _rows(data, "placed_adoption"):
        for before in last_year.get(child, []):
            if (
                _cell(row, "DATE_PLACED")
                and _cell(row, "DATE_PLACED") == _cell(before, "DATE_PLACED")
                and _given(before, "REASON_PLACED_CEASED", "DATE_PLACED_CEASED")
            ):
                yield Problem(
                    child,
                    "561",
                    f"DATE_PLACED {_cell(row, 'DATE_PLACED') or '(blank)'} is a decision last year's "
                    f"return shows reversed: correct {WHERE_PLACED}.",
                )
                break


@rule("584")
def rule_584(data):
    last_year = _last_years_placed(data)
    if last_year is None:
        return
    for child, row in _rows(data, "placed_adoption"):
        reversed_before = [
            r for r in last_year.get(child, []) if _given(r, "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")
        ]
        placed = _date(row, "DATE_PLACED")
        for before in reversed_before:
            then = _date(before, "DATE_PLACED")
            if placed is None or (then is not None and placed <= then):
                yield Problem(
                    child,
                    "584",
                    "Last year's decision to place for adoption was reversed, so this year's must be "
                    f"a new, later one: correct DATE_PLACED in {WHERE_PLACED}.",
                )
                break


# ---------------------------------------------------------------------------------------------
# Missing: missing and away from placement without authorisation


@_row_rule("564", "missing")
def _missing_without_start(data, row):
    if _cell(row, "MISSING") in MISSING_CODES and not _cell(row, "MIS_START"):
        return "The episode has no start date (MIS_START)."
    return None


@_row_rule("565", "missing")
def _start_without_kind(data, row):
    if _cell(row, "MIS_START") and not _cell(row, "MISSING"):
        return "The episode has a start date but not whether the child was missing (M) or away (A)."
    return None


@_row_rule("566", "missing")
def _end_without_kind(data, row):
    if _cell(row, "MIS_END") and not _cell(row, "MISSING"):
        return "The episode has an end date but not whether the child was missing (M) or away (A)."
    return None


@_row_rule("567", "missing")
def _ends_before_start(data, row):
    start, end = _date(row, "MIS_START"), _date(row, "MIS_END")
    if start and record_rules.missing_ends_before_start(start, end):
        return f"The episode ends ({show(end)}) before it starts ({show(start)})."
    return None


@_row_rule("570", "missing")
def _starts_after_year(data, row):
    start = _date(row, "MIS_START")
    if start and start > data.end:
        return f"The episode starts ({show(start)}) after the end of the collection year."
    return None


@_row_rule("571", "missing")
def _ends_outside_year(data, row):
    end = _date(row, "MIS_END")
    if end and not _in_year(data, end):
        return f"The episode ends ({show(end)}) outside the collection year."
    return None


@_row_rule("586", "missing")
def _before_birth(data, row):
    start, dob = _date(row, "MIS_START"), _date(row, "DOB")
    if start and dob and record_rules.missing_before_birth(start, dob):
        return f"The episode starts ({show(start)}) on or before the child's date of birth."
    return None


@rule("574")
def rule_574(data):
    for child, rows in data.rows_by_child("missing").items():
        if len(rows) < 2:
            continue

        def order(row):
            return record_rules.missing_order(_date(row, "MIS_START"), _date(row, "MIS_END"))

        for previous, row in itertools.pairwise(sorted(rows, key=order)):
            if record_rules.missing_overlaps(_date(previous, "MIS_END"), _date(row, "MIS_START")):
                yield Problem(
                    child,
                    "574",
                    f"The missing episode starting {_cell(row, 'MIS_START') or '(blank)'} overlaps one "
                    f"still open or not yet ended: correct {WHERE_MISSING}.",
                )


@rule("575")
def rule_575(data):
    for child, row in _rows(data, "missing"):
        start = _date(row, "MIS_START")
        if start is None or _cell(row, "MIS_END"):
            continue
        ended = record_rules.placement_ended_while_missing(
            start, None, ((e.decom, e.dec) for e in _episodes(data, child))
        )
        if ended is not None:
            yield Problem(
                child,
                "575",
                f"The placement the child went missing from ended ({show(ended)}), so the "
                f"missing episode starting {show(start)} needs an end date: correct {WHERE_MISSING}.",
            )


def _periods(data, child) -> list[tuple[datetime.date, datetime.date | None]]:
    """(start, end) of each period of care as the validator draws them for rules 577 and 578: a
    new period wherever an episode starts after the previous one ceased."""
    periods: list[list] = []
    previous = None
    for episode in _episodes(data, child):
        if episode.decom is None:
            continue
        if previous is None or (previous.dec is not None and episode.decom > previous.dec):
            periods.append([episode.decom, episode.dec])
        else:
            periods[-1][1] = episode.dec
        previous = episode
    return [(start, end) for start, end in periods]


def _outside_period(start, end, period) -> bool:
    """Rule 577: a missing episode left open after its period of care ended or started before
    it, or ending outside it."""
    began, ceased = period
    if end is None:
        return ceased is not None or start < began
    return (ceased is not None and end > ceased) or end < began


@rule("577")
def rule_577(data):
    for child, row in _rows(data, "missing"):
        start, end = _date(row, "MIS_START"), _date(row, "MIS_END")
        periods = _periods(data, child)
        if start is None or not periods:
            continue

        if all(_outside_period(start, end, period) for period in periods):
            yield Problem(
                child,
                "577",
                f"The missing episode starting {show(start)} is open or ends outside the child's "
                f"period of care: record its end in {WHERE_MISSING}.",
            )


@rule("578")
def rule_578(data):
    for child, row in _rows(data, "missing"):
        start = _date(row, "MIS_START")
        periods = _periods(data, child)
        if start is None or not periods:
            continue
        if all(start < began or (ceased is not None and start > ceased) for began, ceased in periods):
            yield Problem(
                child,
                "578",
                f"The missing episode starts ({show(start)}) outside the child's periods of care: "
                f"correct {WHERE_MISSING}.",
            )


@rule("581")
def rule_581(data):
    for child, row in _rows(data, "missing"):
        episodes = _episodes(data, child)
        if not episodes:
            continue
        if record_rules.missing_outside_care(_date(row, "MIS_START"), ((e.decom, e.dec) for e in episodes)):
            yield Problem(
                child,
                "581",
                f"The missing episode starting {_cell(row, 'MIS_START') or '(blank)'} is not within "
                f"any episode of care: correct {WHERE_MISSING}.",
            )


# ---------------------------------------------------------------------------------------------
# PrevPerm: permanence before this period of care


@_row_rule("635", "prev_perm")
def _order_details_without_code(data, row):
    if record_rules.permanence_details_without_order(*(_cell(row, c) for c in ("PREV_PERM", "LA_PERM", "DATE_PERM"))):
        return "There is a date or authority for a previous permanence order but no PREV_PERM code."
    return None


def started_care_in_year(data) -> list[str]:
    """Children with an episode starting a period of care (RNE S) in the year: the PrevPerm cohort."""
    return _memo(
        data,
        "started_care_in_year",
        lambda: [
            child
            for child, episodes in data.episodes_by_child.items()
            if any(e["RNE"] == "S" and e.decom and e.decom >= data.start for e in episodes)
        ],
    )


@rule("630")
def rule_630(data):
    if not data.prev_perm:
        return
    permanence = data.rows_by_child("prev_perm")
    for child in started_care_in_year(data):
        rows = permanence.get(child, [])
        if not rows or any(
            not _cell(r, "PREV_PERM") or (_cell(r, "PREV_PERM") != "Z1" and not _all_given(r, "LA_PERM", "DATE_PERM"))
            for r in rows
        ):
            yield Problem(
                child,
                "630",
                "The child started to be looked after in the year: record previous permanence "
                f"(and, unless Z1, its date and authority) in {WHERE_PREV_PERM}.",
            )


@rule("632")
def rule_632(data):
    permanence = data.rows_by_child("prev_perm")
    for child, episodes in data.episodes_by_child.items():
        first = _earliest(episodes)
        if first is None:
            continue
        for row in permanence.get(child, []):
            value = _cell(row, "DATE_PERM")
            if record_rules.permanence_date_refused(value, first.decom):
                yield Problem(
                    child,
                    "632",
                    f"DATE_PERM '{value}' is not a valid date (DD/MM/YYYY, ZZ where not known) before "
                    f"the child started to be looked after: correct {WHERE_PREV_PERM}.",
                )


@rule("634")
def rule_634(data):
    for child, row in _rows(data, "prev_perm"):
        latest = _latest(_episodes(data, child))
        if latest is not None and _given(row, "PREV_PERM", "DATE_PERM", "LA_PERM") and latest.decom < data.start:
            yield Problem(
                child,
                "634",
                f"The child did not start to be looked after in the year, so {WHERE_PREV_PERM} must be blank.",
            )
