"""The DfE SSDA903 validation rules (DATA_DICTIONARY.md section 3) that data entered through the
portal can break, run over the rows of an export exactly as they would be written to the CSVs.

Every rule is a function of a `ReturnData` (the Header, Episodes, Reviews and UASC rows of one
collection year, all values strings as in the files) that yields `Problem`s carrying the rule's
DfE code. `check_return` runs them all. Errors stop the export (the DfE would reject the file);
the one query rule here (232) is returned separately and does not.

The rules that compare the return with last year's (202-204, 502, 503, 562) run when
`ReturnData.previous` holds it (ssda903.models.StoredReturn), and are skipped otherwise. Rules
on columns the portal does not hold (postcodes, URN, distance, local authority, location) are
not implemented here.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from children.codes import (
    CARE_ENDED_FOR_GOOD_REASONS,
    PLACEMENT_CHANGE_REASONS_FOR_NEW_EPISODE,
    SHORT_BREAK_LEGAL_STATUSES,
    CategoryOfNeed,
    Ethnicity,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    ReasonEpisodeCeased,
    ReasonForNewEpisode,
    ReasonForPlacementChange,
    Sex,
)
from children.placement_rules import TEMPORARY_PLACEMENTS, dfe_birthday
from children.selectors import age_on
from outcomes.years import collection_end, collection_start, year_label
from reviews.selectors import participation_code_problem

from .files import read_date

# ---------------------------------------------------------------------------------------------
# Code lists (DATA_DICTIONARY.md section 2), by collection year where they change.
# A collection year is named by the year it ends in: 2025 = 1 April 2024 to 31 March 2025 (2024/25).

SEX_UP_TO_2024 = frozenset({"1", "2"})
SEX_FROM_2025 = frozenset(Sex.values)
ETHNIC_CODES = frozenset(Ethnicity.values)
RNE_CODES = frozenset(ReasonForNewEpisode.values)
CONTINUATION_RNE = RNE_CODES - {ReasonForNewEpisode.S}
PLACEMENT_CHANGE_RNE = PLACEMENT_CHANGE_REASONS_FOR_NEW_EPISODE
LS_CODES = frozenset(LegalStatus.values)
SHORT_BREAK_LS = SHORT_BREAK_LEGAL_STATUSES
CIN_CODES = frozenset(CategoryOfNeed.values)
# children.codes holds every placement code of any year; by year: K3 is new in 2024/25, and from
# 2025/26 H5, P2 and Z1 are no longer codes and Z11 to Z14 are new.
PLACE_FROM_2026 = frozenset(PlacementType.values) - {"H5", "P2", "Z1"}
# K3 (supported accommodation) is valid from 2024/25. The DfE's published validator for 2024/25
# lists it as "k3" in rule 146's code list, a slip (the data is upper-cased), so its 146 flags every
# K3 that year. Its own 2024/25 rules say otherwise: 371 (new that year) requires a child in K3 to
# be 16 or over and 221 asks a K3 placement's URN, which only make sense for a valid code; and the
# 2025/26 list has "K3". The DfE's code list for 2024/25 (DATA_DICTIONARY.md 2.6) adds K3, so K3
# is valid here that year: the portal reports no 146 for it, and the export's check with the DfE's
# tool does not refuse a return for its 146 on K3 (ssda903.dfe_check.validator_slips).
PLACE_2025 = frozenset(PlacementType.values) - {"Z11", "Z12", "Z13", "Z14"}
PLACE_UP_TO_2024 = PLACE_2025 - {"K3"}
TEMPORARY_PLACE = TEMPORARY_PLACEMENTS
PROVIDER_CODES = frozenset(PlacementProvider.values)
NO_PROVIDER_UP_TO_2025 = frozenset({"T0", "T1", "T2", "T3", "T4", "Z1"})
NO_PROVIDER_FROM_2026 = frozenset({"T0", "T1", "T2", "T3", "Z11", "Z12", "Z13", "Z14"})
REC_CODES = frozenset(ReasonEpisodeCeased.values)
REC_NOTHING_CAN_FOLLOW = CARE_ENDED_FOR_GOOD_REASONS  # died; 18 or over (age assessment; stayed on)
PLACE_CHANGE_REASONS = frozenset(ReasonForPlacementChange.values)
REVIEW_CODES = frozenset({f"PN{n}" for n in range(8)})
UPN_UNKNOWN = frozenset({f"UN{n}" for n in range(1, 6)})
UPN_PATTERN = re.compile(r"^[A-HJ-NPQR-Z](\d{12}|\d{11}[A-Z])$")
EARLIEST_DECOM = datetime.date(1991, 10, 14)
# Longest stays for the short legal statuses (rules 361-363), in days.
SHORT_LEGAL_STATUS_DAYS = {"L1": 3, "L2": 21, "L3": 7}
SHORT_LEGAL_STATUS_RULES = {
    "L1": ("361", "police protection (L1) for more than 72 hours"),
    "L2": ("362", "an emergency protection order (L2) for more than 21 days"),
    "L3": ("363", "a child assessment order (L3) for more than 7 days"),
}


def sex_codes(year: int) -> frozenset[str]:
    return SEX_FROM_2025 if year >= 2025 else SEX_UP_TO_2024


def female_code(year: int) -> str:
    return "F" if year >= 2025 else "2"


def placement_codes(year: int) -> frozenset[str]:
    if year >= 2026:
        return PLACE_FROM_2026
    if year == 2025:
        return PLACE_2025
    return PLACE_UP_TO_2024


def placements_without_provider(year: int) -> frozenset[str]:
    return NO_PROVIDER_FROM_2026 if year >= 2026 else NO_PROVIDER_UP_TO_2025


# ---------------------------------------------------------------------------------------------
# Dates, read as the DfE reads them (ssda903.files.read_date)


def show(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "(blank)"


# ---------------------------------------------------------------------------------------------
# Problems and the rows of a return


@dataclass(frozen=True, order=True)
class Problem:
    child: str
    rule: str
    message: str

    def __str__(self):
        return f"{self.child or '(no CHILD)'}: rule {self.rule}: {self.message}"


@dataclass(frozen=True)
class Episode:
    index: int  # position in the Episodes rows, to keep equal dates in a stable order
    row: dict
    decom: datetime.date | None
    dec: datetime.date | None

    def __getitem__(self, column):
        return (self.row.get(column) or "").strip()

    @property
    def label(self):
        return f"episode starting {self['DECOM'] or '(blank)'}"


class ReturnData:
    """The rows of one collection year's return (lists of dicts of strings, as in the CSVs)."""

    def __init__(
        self,
        year: int,
        *,
        header=(),
        episodes=(),
        reviews=(),
        uasc=(),
        oc2=(),
        oc3=(),
        ad1=(),
        placed_adoption=(),
        prev_perm=(),
        missing=(),
        previous=None,
    ):
        self.year = year
        self.previous: ReturnData | None = previous  # last year's return, when the portal holds it
        self.start = collection_start(year)
        self.end = collection_end(year)
        self.header = list(header)
        self.episodes = list(episodes)
        self.reviews = list(reviews)
        self.uasc = list(uasc)
        self.oc2 = list(oc2)
        self.oc3 = list(oc3)
        self.ad1 = list(ad1)
        self.placed_adoption = list(placed_adoption)
        self.prev_perm = list(prev_perm)
        self.missing = list(missing)
        self._grouped: dict[str, dict[str, list[dict]]] = {}

    def rows_by_child(self, table: str) -> dict[str, list[dict]]:
        """A table's rows grouped by CHILD in file order, built once, so that rules across
        tables look a child up instead of scanning."""
        if table not in self._grouped:
            grouped: dict[str, list[dict]] = {}
            for row in getattr(self, table):
                grouped.setdefault(_cell(row, "CHILD"), []).append(row)
            self._grouped[table] = grouped
        return self._grouped[table]

    @cached_property
    def header_by_child(self) -> dict[str, dict]:
        rows: dict[str, dict] = {}
        for row in self.header:
            rows.setdefault(_cell(row, "CHILD"), row)
        return rows

    @cached_property
    def dob_by_child(self) -> dict[str, datetime.date | None]:
        return {child: read_date(_cell(row, "DOB")) for child, row in self.header_by_child.items()}

    @cached_property
    def episodes_by_child(self) -> dict[str, list[Episode]]:
        """Each child's episodes in date order (undated ones last, in file order)."""
        grouped: dict[str, list[Episode]] = {}
        for index, row in enumerate(self.episodes):
            episode = Episode(index, row, read_date(_cell(row, "DECOM")), read_date(_cell(row, "DEC")))
            grouped.setdefault(_cell(row, "CHILD"), []).append(episode)
        for episodes in grouped.values():
            episodes.sort(key=lambda e: (e.decom is None, e.decom or datetime.date.min, e.index))
        return grouped

    def dated_pairs(self) -> Iterator[tuple[str, Episode, Episode]]:
        """(child, previous, episode) for consecutive episodes that both have a valid DECOM."""
        for child, episodes in self.episodes_by_child.items():
            dated = [e for e in episodes if e.decom]
            for previous, episode in itertools.pairwise(dated):
                yield child, previous, episode

    def continuing_pairs(self) -> Iterator[tuple[str, Episode, Episode]]:
        """(child, previous, episode) where the episode continues the previous one's period of
        care: the previous one ceased with X1 the day this one started."""
        for child, previous, episode in self.dated_pairs():
            if previous["REC"] == "X1" and previous.dec == episode.decom:
                yield child, previous, episode

    def periods_of_care(self) -> Iterator[tuple[str, list[Episode]]]:
        """Runs of contiguous episodes (each ceasing X1 the day the next starts)."""
        for child, episodes in self.episodes_by_child.items():
            dated = [e for e in episodes if e.decom]
            period: list[Episode] = []
            for episode in dated:
                if period and not (period[-1]["REC"] == "X1" and period[-1].dec == episode.decom):
                    yield child, period
                    period = []
                period.append(episode)
            if period:
                yield child, period


def _cell(row: dict, column: str) -> str:
    return (row.get(column) or "").strip()


Rule = Callable[[ReturnData], Iterable[Problem]]
RULES: list[tuple[str, Rule]] = []
QUERY_RULES: list[tuple[str, Rule]] = []


def rule(code: str, *, query: bool = False):
    def register(function: Rule) -> Rule:
        (QUERY_RULES if query else RULES).append((code, function))
        return function

    return register


# ---------------------------------------------------------------------------------------------
# Header


@rule("101")
def rule_101(data):
    valid = sex_codes(data.year)
    for row in data.header:
        if _cell(row, "SEX") not in valid:
            yield Problem(
                _cell(row, "CHILD"),
                "101",
                f"SEX '{_cell(row, 'SEX')}' is not valid in {year_label(data.year)} "
                f"(valid: {', '.join(sorted(valid))}).",
            )


@rule("102")
def rule_102(data):
    for row in data.header:
        if read_date(_cell(row, "DOB")) is None:
            yield Problem(_cell(row, "CHILD"), "102", f"DOB '{_cell(row, 'DOB')}' is not a valid DD/MM/YYYY date.")


@rule("103")
def rule_103(data):
    for row in data.header:
        if _cell(row, "ETHNIC") not in ETHNIC_CODES:
            yield Problem(
                _cell(row, "CHILD"), "103", f"ETHNIC '{_cell(row, 'ETHNIC')}' is missing or not a valid code."
            )


def is_valid_upn(upn: str) -> bool:
    """Rule 168: a UPN (a letter other than I, O or S, 11 digits, then a digit or a letter) or
    one of the codes for a UPN not known, UN1 to UN5."""
    return upn in UPN_UNKNOWN or UPN_PATTERN.match(upn) is not None


@rule("168")
def rule_168(data):
    for row in data.header:
        upn = _cell(row, "UPN")
        if not is_valid_upn(upn):
            yield Problem(
                _cell(row, "CHILD"), "168", f"UPN '{upn}' is not a valid UPN (a letter then 12 characters) or UN1-UN5."
            )


def past_upn_un1_age(date_of_birth: datetime.date, year: int) -> bool:
    """Rule 209: a child four or older on 31 August of the year before the collection year starts
    is of school age for the DfE, so cannot have UPN UN1 (not yet of school age)."""
    reference = datetime.date(year - 2, 8, 31)
    return reference >= dfe_birthday(date_of_birth, 4)


@rule("209")
def rule_209(data):
    for row in data.header:
        dob = read_date(_cell(row, "DOB"))
        if _cell(row, "UPN") == "UN1" and dob is not None and past_upn_un1_age(dob, data.year):
            yield Problem(
                _cell(row, "CHILD"),
                "209",
                "UPN is UN1 (not yet of school age), but the child was four or older on 31 August "
                f"{data.year - 2}: record the child's UPN, or leave it blank for UN5 (not available).",
            )


@rule("232", query=True)
def rule_232(data):
    if data.year < 2025:
        return
    for row in data.header:
        if _cell(row, "SEX") == "U":
            yield Problem(_cell(row, "CHILD"), "232", "SEX is recorded as U (unknown): the DfE will query it.")


@rule("301")
def rule_301(data):
    for row in data.header:
        dob = read_date(_cell(row, "DOB"))
        if dob and dob > data.end:
            yield Problem(
                _cell(row, "CHILD"),
                "301",
                f"DOB {show(dob)} is after the end of the collection year ({show(data.end)}).",
            )


@rule("351")
def rule_351(data):
    for row in data.header:
        dob = read_date(_cell(row, "DOB"))
        if dob and age_on(dob, data.start - datetime.timedelta(days=1)) >= 25:
            yield Problem(
                _cell(row, "CHILD"),
                "351",
                f"The child was over 25 at the start of the collection year (DOB {show(dob)}).",
            )


@rule("444")
def rule_444(data):
    if data.year < 2026:
        return
    seen: dict[str, str] = {}
    for row in data.header:
        upn = _cell(row, "UPN")
        if not upn or upn in UPN_UNKNOWN:
            continue
        child = _cell(row, "CHILD")
        if upn in seen and seen[upn] != child:
            yield Problem(child, "444", f"UPN {upn} is also given for child {seen[upn]}.")
        seen.setdefault(upn, child)


# MOTHER: the DfE needs it for every girl looked after other than on short breaks alone.
WHERE_MOTHER_IS_RECORDED = "record whether she is a mother on her page in the portal (Mother, under About the child)."


def _girls_without_mother(data) -> Iterator[tuple[str, list[Episode]]]:
    """(child, episodes) of each girl in the Header whose MOTHER is blank."""
    female = female_code(data.year)
    for child, episodes in data.episodes_by_child.items():
        row = data.header_by_child.get(child)
        if row is not None and _cell(row, "SEX") == female and not _cell(row, "MOTHER"):
            yield child, episodes


@rule("393")
def rule_393(data):
    for child, episodes in _girls_without_mother(data):
        if any(episode["LS"] not in SHORT_BREAK_LS for episode in episodes):
            yield Problem(
                child,
                "393",
                "MOTHER is blank for a girl looked after in the year (not only on short "
                f"breaks): {WHERE_MOTHER_IS_RECORDED}",
            )


@rule("607")
def rule_607(data):
    for child, episodes in _girls_without_mother(data):
        ceased = next(
            (
                episode
                for episode in episodes
                if episode.dec
                and data.start <= episode.dec <= data.end
                and episode["REC"]
                and episode["REC"] != "X1"
                and episode["LS"] not in SHORT_BREAK_LS
            ),
            None,
        )
        if ceased is not None:
            yield Problem(
                child,
                "607",
                f"MOTHER is blank for a girl who ceased to be looked after on "
                f"{show(ceased.dec)}: {WHERE_MOTHER_IS_RECORDED}",
            )


# ---------------------------------------------------------------------------------------------
# Episodes: cells


@rule("INT03")
def rule_int03(data):
    for child in data.episodes_by_child:
        if child not in data.header_by_child:
            yield Problem(child, "INT03", "The child has episodes but no Header row.")


def _each_episode(data) -> Iterator[tuple[str, Episode]]:
    for child, episodes in data.episodes_by_child.items():
        for episode in episodes:
            yield child, episode


@rule("141")
def rule_141(data):
    for child, episode in _each_episode(data):
        if episode.decom is None:
            yield Problem(child, "141", f"DECOM '{episode['DECOM']}' is not a valid DD/MM/YYYY date.")


@rule("147")
def rule_147(data):
    for child, episode in _each_episode(data):
        if episode["DEC"] and episode.dec is None:
            yield Problem(
                child, "147", f"In the {episode.label}, DEC '{episode['DEC']}' is not a valid DD/MM/YYYY date."
            )


def _code_rule(code, column, valid_for_year, *, blank_ok=False):
    def check(data):
        valid = valid_for_year(data.year)
        for child, episode in _each_episode(data):
            value = episode[column]
            if blank_ok and not value:
                continue
            if value not in valid:
                yield Problem(
                    child,
                    code,
                    f"In the {episode.label}, {column} '{value}' is not a valid code in {year_label(data.year)}.",
                )

    check.__name__ = f"rule_{code}"
    return rule(code)(check)


rule_143 = _code_rule("143", "RNE", lambda year: RNE_CODES)
rule_144 = _code_rule("144", "LS", lambda year: LS_CODES)
rule_145 = _code_rule("145", "CIN", lambda year: CIN_CODES)
rule_146 = _code_rule("146", "PLACE", placement_codes)
rule_149 = _code_rule("149", "REC", lambda year: REC_CODES, blank_ok=True)
rule_1009 = _code_rule("1009", "REASON_PLACE_CHANGE", lambda year: PLACE_CHANGE_REASONS, blank_ok=True)


@rule("178")
def rule_178(data):
    no_provider = placements_without_provider(data.year)
    for child, episode in _each_episode(data):
        provider = episode["PLACE_PROVIDER"]
        if provider and provider not in PROVIDER_CODES:
            yield Problem(child, "178", f"In the {episode.label}, PLACE_PROVIDER '{provider}' is not a valid code.")
        elif provider and episode["PLACE"] in no_provider:
            yield Problem(
                child, "178", f"In the {episode.label}, PLACE_PROVIDER must be blank for placement {episode['PLACE']}."
            )


@rule("148")
def rule_148(data):
    for child, episode in _each_episode(data):
        if bool(episode["DEC"]) != bool(episode["REC"]):
            yield Problem(child, "148", f"In the {episode.label}, DEC and REC must both be filled or both blank.")


@rule("550")
def rule_550(data):
    for child, episode in _each_episode(data):
        if episode["PLACE_PROVIDER"] == "PR0" and episode["PLACE"] != "P1":
            yield Problem(
                child,
                "550",
                f"In the {episode.label}, provider PR0 is used with placement "
                f"{episode['PLACE']}; it is only valid with P1.",
            )


# ---------------------------------------------------------------------------------------------
# Episodes: dates


@rule("356")
def rule_356(data):
    for child, episode in _each_episode(data):
        if episode.decom and episode.dec and episode.dec < episode.decom:
            yield Problem(child, "356", f"The {episode.label} ceases ({show(episode.dec)}) before it starts.")


@rule("355")
def rule_355(data):
    for child, episode in _each_episode(data):
        if episode.decom and episode.dec and episode.dec == episode.decom:
            yield Problem(child, "355", f"The {episode.label} starts and ends on the same day (less than 24 hours).")


@rule("354")
def rule_354(data):
    for child, episode in _each_episode(data):
        if episode.dec and episode.dec > data.end:
            yield Problem(
                child,
                "354",
                f"The {episode.label} ceases ({show(episode.dec)}) after the end of the "
                f"collection year ({show(data.end)}).",
            )


@rule("353")
def rule_353(data):
    for child, episode in _each_episode(data):
        if episode.decom and episode.decom < EARLIEST_DECOM:
            yield Problem(child, "353", f"The {episode.label} starts before 14/10/1991.")


@rule("302")
def rule_302(data):
    for child, episodes in data.episodes_by_child.items():
        dob = data.dob_by_child.get(child)
        first = next((e for e in episodes if e.decom), None)
        if dob and first and first.decom < dob:
            yield Problem(
                child, "302", f"The first episode starts ({show(first.decom)}) before the child was born ({show(dob)})."
            )


@rule("352")
def rule_352(data):
    for child, episode in _each_episode(data):
        dob = data.dob_by_child.get(child)
        if dob and episode.decom and episode["RNE"] == "S" and age_on(dob, episode.decom) >= 18:
            yield Problem(child, "352", f"The child was 18 or over when starting to be looked after ({episode.label}).")


@rule("142")
def rule_142(data):
    for child, episodes in data.episodes_by_child.items():
        for episode in episodes[:-1]:
            if not episode["DEC"] and not episode["REC"]:
                yield Problem(child, "142", f"The {episode.label} is left open but is not the child's latest episode.")


@rule("501")
def rule_501(data):
    for child, previous, episode in data.dated_pairs():
        if previous.dec and episode.decom < previous.dec:
            yield Problem(
                child, "501", f"The {episode.label} starts before the previous episode ceased ({show(previous.dec)})."
            )


# ---------------------------------------------------------------------------------------------
# Episodes: continuity and reasons


@rule("357")
def rule_357(data):
    for child, episodes in data.episodes_by_child.items():
        first = next((e for e in episodes if e.decom), None)
        if first and first.decom >= data.start and first["RNE"] != "S":
            yield Problem(
                child,
                "357",
                f"The child's first episode ({first.label}) starts in the year, so its RNE "
                f"must be S, not '{first['RNE']}'.",
            )


@rule("388")
def rule_388(data):
    for child, episodes in data.episodes_by_child.items():
        dated = [e for e in episodes if e.decom]
        for position, episode in enumerate(dated):
            following = dated[position + 1] if position + 1 < len(dated) else None
            next_same_day = following is not None and episode.dec is not None and following.decom == episode.dec
            if episode["REC"] == "X1" and not next_same_day:
                yield Problem(
                    child, "388", f"The {episode.label} ceased with X1 but no episode starts the day it ceased."
                )
            elif episode["REC"] and episode["REC"] != "X1" and next_same_day:
                yield Problem(
                    child,
                    "388",
                    f"The {episode.label} ceased with {episode['REC']} but the next episode "
                    "starts the same day: it should cease with X1.",
                )


@rule("431")
def rule_431(data):
    for child, previous, episode in data.dated_pairs():
        if episode["RNE"] == "S" and previous.dec == episode.decom:
            yield Problem(child, "431", f"The {episode.label} has RNE S but the previous episode ceased the same day.")


@rule("432")
def rule_432(data):
    for child, previous, episode in data.dated_pairs():
        if previous["REC"] and previous["REC"] != "X1" and episode["RNE"] != "S":
            yield Problem(
                child,
                "432",
                f"The previous episode ended care ({previous['REC']}), so the "
                f"{episode.label} must have RNE S, not '{episode['RNE']}'.",
            )


@rule("433")
def rule_433(data):
    for child, previous, episode in data.dated_pairs():
        if episode["RNE"] in CONTINUATION_RNE and previous.dec != episode.decom:
            yield Problem(
                child,
                "433",
                f"The {episode.label} continues the previous one (RNE {episode['RNE']}) but "
                f"the previous episode ceased on {show(previous.dec)}.",
            )


def _consecutive_pairs(data) -> Iterator[tuple[str, Episode, Episode]]:
    """(child, previous, episode) for each of a child's episodes after the first, in DECOM order,
    as rules 434-436 pair them (with or without a gap between)."""
    for child, episodes in data.episodes_by_child.items():
        for previous, episode in itertools.pairwise(episodes):
            yield child, previous, episode


PLACEMENT_COLUMNS = ("PLACE", "PL_POST", "URN", "PLACE_PROVIDER")


@rule("434")
def rule_434(data):
    for child, previous, episode in _consecutive_pairs(data):
        if episode["RNE"] == "L" and (
            episode["LS"] == previous["LS"] or any(episode[c] != previous[c] for c in PLACEMENT_COLUMNS)
        ):
            yield Problem(
                child,
                "434",
                f"The {episode.label} has RNE L (legal status change only), but the legal status did not change "
                "or the placement did (its type, postcode, URN or provider): correct the reason or the episode.",
            )


@rule("435")
def rule_435(data):
    for child, previous, episode in _consecutive_pairs(data):
        # As the DfE's: a blank PL_POST or URN never counts as the same placement.
        same_placement = all(episode[c] and episode[c] == previous[c] for c in PLACEMENT_COLUMNS)
        if episode["RNE"] in {"P", "T"} and (episode["LS"] != previous["LS"] or same_placement):
            yield Problem(
                child,
                "435",
                f"The {episode.label} has RNE {episode['RNE']} (placement change only), but the legal status "
                f"changed ({previous['LS']} to {episode['LS']}) or the placement (type, postcode, URN, provider) "
                "did not: correct the reason or the episode.",
            )


@rule("436")
def rule_436(data):
    for child, previous, episode in _consecutive_pairs(data):
        same_placement = all(episode[c] == previous[c] for c in PLACEMENT_COLUMNS)
        if episode["RNE"] in {"B", "U"} and (episode["LS"] == previous["LS"] or same_placement):
            yield Problem(
                child,
                "436",
                f"The {episode.label} has RNE {episode['RNE']} (legal status and placement change), but the "
                "legal status or the placement (type, postcode, URN, provider) did not change: correct the "
                "reason or the episode.",
            )


@rule("437")
def rule_437(data):
    for child, episodes in data.episodes_by_child.items():
        dated = [e for e in episodes if e.decom]
        for episode in dated[:-1]:
            if episode["REC"] in REC_NOTHING_CAN_FOLLOW:
                yield Problem(
                    child, "437", f"The {episode.label} ceased with {episode['REC']} but later episodes follow."
                )


@rule("380")
def rule_380(data):
    for child, period in data.periods_of_care():
        if period[0]["PLACE"] in TEMPORARY_PLACE and period[0]["RNE"] == "S":
            yield Problem(
                child,
                "380",
                f"The period of care starting {period[0]['DECOM']} starts with a temporary "
                f"placement ({period[0]['PLACE']}).",
            )


@rule("381")
def rule_381(data):
    for child, period in data.periods_of_care():
        last = period[-1]
        if last["REC"] and last["REC"] != "X1" and last["PLACE"] in TEMPORARY_PLACE:
            yield Problem(
                child, "381", f"The period of care ends with a temporary placement ({last.label}, {last['PLACE']})."
            )


@rule("383")
def rule_383(data):
    for child, period in data.periods_of_care():
        normal, temporary = None, []
        for episode in period:
            if episode["PLACE"] in TEMPORARY_PLACE:
                temporary.append(episode)
                continue
            if (
                normal is not None
                and temporary
                and ((episode["PLACE"], episode["PLACE_PROVIDER"]) != (normal["PLACE"], normal["PLACE_PROVIDER"]))
            ):
                yield Problem(
                    child,
                    "383",
                    f"After the temporary placement ({temporary[0].label}, "
                    f"{temporary[0]['PLACE']}) the child does not return to the placement "
                    f"before it ({normal['PLACE']}) but moves to {episode['PLACE']}.",
                )
            normal, temporary = episode, []


def _short_status_rule(status):
    code, text = SHORT_LEGAL_STATUS_RULES[status]
    limit = SHORT_LEGAL_STATUS_DAYS[status]

    def check(data):
        for child, episode in _each_episode(data):
            if episode["LS"] != status or episode.decom is None:
                continue
            ceased = episode.dec or data.end
            if (ceased - episode.decom).days > limit:
                yield Problem(child, code, f"The {episode.label} records {text}.")

    check.__name__ = f"rule_{code}"
    return rule(code)(check)


rule_361 = _short_status_rule("L1")
rule_362 = _short_status_rule("L2")
rule_363 = _short_status_rule("L3")


def keeps_category_of_need(period_cin: str, cin: str) -> bool:
    """Rule 504: an episode that continues a period of care keeps the category of need the
    period started with. A blank CIN breaks rule 145, not this one."""
    return not (period_cin and cin) or cin == period_cin


@rule("504")
def rule_504(data):
    for child, period in data.periods_of_care():
        for episode in period[1:]:
            if not keeps_category_of_need(period[0]["CIN"], episode["CIN"]):
                yield Problem(
                    child,
                    "504",
                    f"In the {episode.label}, CIN {episode['CIN']} differs from the start of "
                    f"the period of care ({period[0]['CIN']}).",
                )


def changes_placement(episode_place: str, following_place: str, following_rne: str) -> bool:
    """Rules 225 and 226: an episode continued by one that changes the placement (RNE P, T, B or U)
    records why, unless either is a temporary placement (T0-T4): the DfE wants no reason for a
    move to or from one."""
    return (
        following_rne in PLACEMENT_CHANGE_RNE
        and episode_place not in TEMPORARY_PLACE
        and following_place not in TEMPORARY_PLACE
    )


def _next_is_placement_change(data) -> dict[int, bool]:
    """For each episode (by index) whether the next episode continues it with a placement change."""
    changes = {}
    for _child, previous, episode in data.continuing_pairs():
        changes[previous.index] = changes_placement(previous["PLACE"], episode["PLACE"], episode["RNE"])
    return changes


@rule("225")
def rule_225(data):
    changes = _next_is_placement_change(data)
    for child, episode in _each_episode(data):
        if changes.get(episode.index) and not episode["REASON_PLACE_CHANGE"]:
            yield Problem(
                child, "225", f"The placement changes when the {episode.label} ceases: REASON_PLACE_CHANGE is required."
            )


@rule("226")
def rule_226(data):
    changes = _next_is_placement_change(data)
    for child, episode in _each_episode(data):
        if episode["REASON_PLACE_CHANGE"] and not changes.get(episode.index):
            yield Problem(
                child,
                "226",
                f"The {episode.label} has a REASON_PLACE_CHANGE but is not followed by a change of placement "
                "(the next episode starting that day with RNE P, T, B or U, neither being a temporary placement "
                "T0-T4).",
            )


# ---------------------------------------------------------------------------------------------
# Against last year's return (DATA_DICTIONARY.md 3b, 3c): run only when the portal holds it.

# SEX was 1/2 before 2024/25 and M/F from then: the same child, recorded the same, matches.
SAME_SEX = {"1": "M", "2": "F"}


def _header_change(code, column, what):
    def check(data):
        if data.previous is None:
            return
        before = data.previous.header_by_child
        for child, row in data.header_by_child.items():
            if child not in before:
                continue
            now, then = _cell(row, column), _cell(before[child], column)
            if column == "SEX":
                now, then = SAME_SEX.get(now, now), SAME_SEX.get(then, then)
            if now != then:
                yield Problem(
                    child,
                    code,
                    f"{what} is {_cell(row, column) or '(blank)'} but was "
                    f"{_cell(before[child], column) or '(blank)'} in last year's return.",
                )

    check.__name__ = f"rule_{code}"
    return rule(code)(check)


rule_202 = _header_change("202", "SEX", "SEX")
rule_203 = _header_change("203", "DOB", "DOB")
rule_204 = _header_change("204", "ETHNIC", "ETHNIC")


def _open_at_last_year_end(data) -> dict[str, Episode]:
    """Each child's episode left open in last year's return."""
    return {
        child: episodes[-1]
        for child, episodes in data.previous.episodes_by_child.items()
        if episodes and episodes[-1].decom and not episodes[-1]["DEC"]
    }


# The columns of the first episode that must carry on from last year's open episode, of those
# the portal holds (rule 503 also compares URN, distance, local authority and location).
CONTINUED_COLUMNS = ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER")


@rule("502")
def rule_502(data):
    if data.previous is None:
        return
    for child, open_episode in _open_at_last_year_end(data).items():
        episodes = [e for e in data.episodes_by_child.get(child, []) if e.decom]
        if episodes and episodes[0].decom != open_episode.decom:
            yield Problem(
                child,
                "502",
                f"Last year's return ends with an episode open from {open_episode['DECOM']}, "
                f"but this year's first episode starts {episodes[0]['DECOM']}.",
            )


@rule("503")
def rule_503(data):
    if data.previous is None:
        return
    for child, open_episode in _open_at_last_year_end(data).items():
        episodes = [e for e in data.episodes_by_child.get(child, []) if e.decom]
        if not episodes or episodes[0].decom != open_episode.decom:
            continue  # rule 502
        for column in CONTINUED_COLUMNS:
            if column in ("PLACE", "PLACE_PROVIDER") and open_episode["PLACE"] not in placement_codes(data.year):
                continue  # the placement code lists changed between the years: the code was mapped
            if episodes[0][column] != open_episode[column]:
                yield Problem(
                    child,
                    "503",
                    f"The episode starting {open_episode['DECOM']} has {column} "
                    f"{episodes[0][column] or '(blank)'}, but {open_episode[column] or '(blank)'}"
                    " in last year's return.",
                )


@rule("562")
def rule_562(data):
    if data.previous is None:
        return
    open_last_year = _open_at_last_year_end(data)
    for child, episodes in data.episodes_by_child.items():
        for episode in episodes:
            if episode.decom and episode.decom < data.start:
                match = open_last_year.get(child)
                if match is None or match.decom != episode.decom:
                    yield Problem(
                        child,
                        "562",
                        f"The {episode.label} began before {show(data.start)}, but last "
                        "year's return has no episode open at its end that starts that day.",
                    )


# ---------------------------------------------------------------------------------------------
# Reviews


@rule("INT08")
def rule_int08(data):
    for row in data.reviews:
        if _cell(row, "CHILD") not in data.header_by_child:
            yield Problem(
                _cell(row, "CHILD"), "INT08", f"Review {_cell(row, 'REVIEW')}: the child is not in the Header."
            )


@rule("INT17")
def rule_int17(data):
    for row in data.reviews:
        child = _cell(row, "CHILD")
        if child in data.header_by_child and _cell(row, "DOB") != _cell(data.header_by_child[child], "DOB"):
            yield Problem(
                child,
                "INT17",
                f"Review {_cell(row, 'REVIEW')}: DOB {_cell(row, 'DOB')} differs from the "
                f"Header DOB {_cell(data.header_by_child[child], 'DOB')}.",
            )


@rule("1012")
def rule_1012(data):
    for row in data.reviews:
        child = _cell(row, "CHILD")
        if child not in data.episodes_by_child:
            yield Problem(child, "1012", f"Review {_cell(row, 'REVIEW')}: the child has no episodes in the year.")


@rule("166")
def rule_166(data):
    for row in data.reviews:
        if read_date(_cell(row, "REVIEW")) is None:
            yield Problem(
                _cell(row, "CHILD"), "166", f"REVIEW '{_cell(row, 'REVIEW')}' is not a valid DD/MM/YYYY date."
            )


@rule("167")
def rule_167(data):
    for row in data.reviews:
        if _cell(row, "REVIEW") and _cell(row, "REVIEW_CODE") not in REVIEW_CODES:
            yield Problem(
                _cell(row, "CHILD"),
                "167",
                f"Review {_cell(row, 'REVIEW')}: REVIEW_CODE '{_cell(row, 'REVIEW_CODE')}' is not PN0-PN7.",
            )


@rule("399")
def rule_399(data):
    short_breaks_only = {
        child
        for child, episodes in data.episodes_by_child.items()
        if episodes and all(e["LS"] in SHORT_BREAK_LS for e in episodes)
    }
    reported = set()
    for row in data.header:
        child = _cell(row, "CHILD")
        if child in short_breaks_only and (_cell(row, "MOTHER") or _cell(row, "MC_DOB")):
            reported.add(child)
            yield Problem(
                child, "399", "The child is looked after only under short breaks (V3/V4): MOTHER must be blank."
            )
    for row in data.reviews:
        child = _cell(row, "CHILD")
        if child in short_breaks_only and child not in reported:
            reported.add(child)
            yield Problem(
                child, "399", "The child is looked after only under short breaks (V3/V4): there must be no reviews."
            )


def _review_age_rule(code):
    def check(data):
        for row in data.reviews:
            child = _cell(row, "CHILD")
            dob = data.dob_by_child.get(child) or read_date(_cell(row, "DOB"))
            review = read_date(_cell(row, "REVIEW"))
            review_code = _cell(row, "REVIEW_CODE")
            if not dob or not review or review_code not in REVIEW_CODES:
                continue  # rules 102, 166 and 167
            problem = participation_code_problem(age_on(dob, review), review_code)
            if problem is not None and problem[0] == code:
                yield Problem(child, code, f"Review {show(review)}: {problem[1]}")

    check.__name__ = f"rule_{code}"
    return rule(code)(check)


rule_440 = _review_age_rule("440")
rule_441 = _review_age_rule("441")


# ---------------------------------------------------------------------------------------------


def check_return(data: ReturnData) -> tuple[list[Problem], list[Problem]]:
    """(errors, queries), each sorted by child, rule and message."""
    errors = sorted({problem for _, check in RULES for problem in check(data)})
    queries = sorted({problem for _, check in QUERY_RULES for problem in check(data)})
    return errors, queries


# The rules on postcodes, URN and placement location, and on the outcome tables (OC2, OC3,
# Missing, AD1, PlacedAdoption, PrevPerm), on what an episode's placement may go with and on the
# UASC table, register themselves with `rule` when imported; they need everything above.
from . import episode_rules, location_rules, outcome_rules  # noqa: E402, F401
