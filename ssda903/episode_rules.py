"""The DfE rules on what one episode's placement may go with (374, 408, 516, 529, every year from
2023/24) and on the UASC table against last year's (205A-D), ported from its published validator.

The episode rules ask children.placement_rules, as the episode pages and the import do. As the
DfE's validator does, rule 374 is checked on ceased episodes only (its check drops rows without
DEC): an open P3 episode of a child under 14 is refused when it is entered, and reported here
once it ceases.

For the 205 rules the DfE's tool counts a child as UASC in a year when the child is in that year's
UASC table and Header (it marks the Header so); they run when this year's and last year's returns
both have a UASC table.
"""

from __future__ import annotations

from collections.abc import Iterator

from children.placement_rules import dfe_birthday, placement_problems

from .files import read_date
from .rules import Problem, ReturnData, _cell, _each_episode, rule, show


def _placement_rule(code: str):
    def check(data: ReturnData) -> Iterator[Problem]:
        for child, episode in _each_episode(data):
            found = placement_problems(
                placement_type=episode["PLACE"],
                legal_status=episode["LS"],
                placement_provider=episode["PLACE_PROVIDER"],
                reason_episode_ceased=episode["REC"],
                date_of_birth=data.dob_by_child.get(child) if episode.dec else None,
                start_date=episode.decom,
            )
            for problem in found:
                if problem.rule == code:
                    yield Problem(child, code, f"In the {episode.label}: {problem.message}")

    check.__name__ = f"rule_{code}"
    return rule(code)(check)


rule_374 = _placement_rule("374")
rule_408 = _placement_rule("408")
rule_516 = _placement_rule("516")
rule_529 = _placement_rule("529")


def _uasc_rows(data: ReturnData) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for row in data.uasc:
        rows.setdefault(_cell(row, "CHILD"), row)
    return rows


def _uasc_in_both_years(data: ReturnData):
    """(child, this year's UASC row, last year's or None, UASC this year, UASC last year) for each
    child in this year's UASC table, when both years have one; None when they do not."""
    if data.previous is None or not data.uasc or not data.previous.uasc:
        return None
    last_year = _uasc_rows(data.previous)
    return [
        (
            child,
            row,
            last_year.get(child),
            child in data.header_by_child,
            child in last_year and child in data.previous.header_by_child,
        )
        for child, row in _uasc_rows(data).items()
    ]


@rule("205A")
def rule_205a(data):
    for child, row, last, uasc_now, uasc_then in _uasc_in_both_years(data) or ():
        if uasc_now or not uasc_then:
            continue
        ceased_then = read_date(_cell(last, "DUC"))
        if _cell(row, "DUC") or not (ceased_then and data.previous.start <= ceased_then <= data.previous.end):
            yield Problem(
                child,
                "205A",
                "The child was UASC last year but is not in this year's Header: last year's DUC should fall in "
                "last year and this year's DUC be blank.",
            )


@rule("205B")
def rule_205b(data):
    for child, row, last, uasc_now, uasc_then in _uasc_in_both_years(data) or ():
        if not (uasc_now and uasc_then):
            continue
        ceased, ceased_then = read_date(_cell(row, "DUC")), read_date(_cell(last, "DUC"))
        then_dob = read_date(_cell(last, "DOB"))
        eighteenth = dfe_birthday(then_dob, 18) if then_dob else None
        ceased_this_year = ceased is not None and data.start <= ceased <= data.end
        if ceased_then is None or ceased_then != eighteenth or not (ceased_this_year or ceased == ceased_then):
            yield Problem(
                child,
                "205B",
                f"The child is UASC this year and last: DUC should be their 18th birthday ({show(eighteenth)}) "
                f"in both years, or fall in this year, but it is {show(ceased)} (last year {show(ceased_then)}).",
            )


@rule("205C")
def rule_205c(data):
    for child, row, last, uasc_now, uasc_then in _uasc_in_both_years(data) or ():
        ducs = [read_date(_cell(row, "DUC")), read_date(_cell(last, "DUC")) if last is not None else None]
        if not (uasc_now or uasc_then) and any(ducs):
            yield Problem(
                child, "205C", "The child is UASC in neither year's Header, yet a DUC is given: remove the UASC row."
            )


@rule("205D")
def rule_205d(data):
    if data.previous is None or not data.uasc or not data.previous.uasc:
        return
    last_year = _uasc_rows(data.previous)
    for child in _uasc_rows(data):
        if child in data.header_by_child and child in data.previous.header_by_child and child not in last_year:
            yield Problem(
                child,
                "205D",
                "The child is UASC this year but was in last year's return without being UASC: a child's UASC "
                "status does not start while they are looked after.",
            )
