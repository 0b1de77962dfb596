"""Check stage: every row of the return checked on its own against the code lists and the core
rules of ../shared/DATA_DICTIONARY.md (sections 1-3) and made a typed row (RowChecker), then
the rows checked across rows and files (check_across). Nothing here reads or writes the
portal's records: every problem is a RowError."""

from collections import defaultdict, namedtuple
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError

from children.codes import (
    CONTINUING_EPISODE_REASON,
    PLACEMENT_TYPES_WITHOUT_PROVIDER,
    CategoryOfNeed,
    Ethnicity,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    ReasonEpisodeCeased,
    ReasonForNewEpisode,
    ReasonForPlacementChange,
)
from children.models import Child
from children.placement_location import check_placement_details
from children.placement_rules import dfe_birthday, placement_problems
from children.selectors import age_on, follow_on_breaks
from children.validators import validate_local_child_id
from reviews import timescales
from reviews.cycles import LacCycle, cycle_on, lac_cycles
from reviews.models import ParticipationCode
from reviews.selectors import participation_code_problem

from ..files import format_date, read_date
from ..rules import EARLIEST_DECOM, changes_placement, is_valid_upn, keeps_category_of_need
from . import RowError
from .outcome_tables import OutcomeRow, OutcomeRows, OutcomeTables, check_outcome_tables, latest_outcome_date
from .read import Progress, ReturnFile, report_progress

SEX_CODES = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}
CHILD_ID_MAX_LENGTH = cast(int, Child._meta.get_field("local_child_id").max_length)
CODES = {
    "ETHNIC": frozenset(Ethnicity.values),
    "RNE": frozenset(ReasonForNewEpisode.values),
    "LS": frozenset(LegalStatus.values),
    "CIN": frozenset(CategoryOfNeed.values),
    "PLACE": frozenset(PlacementType.values),
    "PLACE_PROVIDER": frozenset(PlacementProvider.values),
    "REC": frozenset(ReasonEpisodeCeased.values),
    "REASON_PLACE_CHANGE": frozenset(ReasonForPlacementChange.values),
    "REVIEW_CODE": frozenset(ParticipationCode.values),
}
CODE_RULES = {
    "ETHNIC": "103",
    "RNE": "143",
    "LS": "144",
    "CIN": "145",
    "PLACE": "146",
    "PLACE_PROVIDER": "178",
    "REC": "149",
    "REASON_PLACE_CHANGE": "1009",
    "REVIEW_CODE": "167",
}
PLACEMENT_DETAIL_COLUMNS = {"home_postcode": "HOME_POST", "placement_postcode": "PL_POST", "provider_urn": "URN"}
EPISODE_COLUMNS = {
    "placement_type": "PLACE",
    "legal_status": "LS",
    "placement_provider": "PLACE_PROVIDER",
    "reason_episode_ceased": "REC",
}
DATE_RULES = {"DOB": "102", "DECOM": "141", "DEC": "147", "REVIEW": "166", "MC_DOB": "", "DUC": ""}


# Typed rows: compact records kept after each file is read (the raw rows are dropped straight
# away). A value that is wrong is None or "" (its problem is a RowError).
HeaderRow = namedtuple("HeaderRow", "file row child sex dob ethnicity upn is_mother first_child_born")
EpisodeRow = namedtuple(
    "EpisodeRow",
    "file row child start_date reason_for_new_episode legal_status category_of_need placement_type "
    "placement_provider end_date reason_episode_ceased reason_for_placement_change home_postcode placement_postcode "
    "provider_urn dates_ok",
)
ReviewRow = namedtuple("ReviewRow", "file row child dob held_on code")
UascRow = namedtuple("UascRow", "file row child sex dob duc")
Values = dict[Any, Any]


@dataclass
class CheckedReturn:
    """The return once every check has passed, by child."""

    header: dict[str, HeaderRow] = field(default_factory=dict)
    episodes_by_child: dict[str, list[EpisodeRow]] = field(default_factory=dict)
    reviews_by_child: dict[str, dict[date, ReviewRow]] = field(default_factory=dict)
    uasc: dict[str, UascRow] = field(default_factory=dict)
    has_uasc_file: bool = False
    outcomes: OutcomeTables = field(default_factory=lambda: OutcomeTables({}))
    year_start: date | None = None  # the collection year's first day: the reporting year of the latest date
    files: dict[str, Any] = field(default_factory=dict)  # table -> the file as given


class RowChecker:
    """Checks each row on its own and makes it a typed row (a value that is wrong is left out:
    None or ""), collecting every problem in `errors`."""

    def __init__(self, today: date):
        self.today = today
        self.errors: list[RowError] = []

    def error(self, file: str, row: int | None, child: str, column: str, value: object, message: str) -> None:
        self.errors.append(RowError(file, row, child, column, "" if value is None else str(value), message))

    def rows_of(self, returned: ReturnFile) -> list[tuple]:
        """The file's rows, typed (a Reviews row with neither date nor code is left out)."""
        read_row = {
            "header": self.header_row,
            "episodes": self.episode_row,
            "reviews": self.review_row,
            "uasc": self.uasc_row,
        }.get(returned.table)
        if read_row is None:
            return OutcomeRows(self).rows_of(returned)
        name = returned.name
        return [record for number, values in returned.rows if (record := read_row(name, number, values)) is not None]

    # --- single values -----------------------------------------------------------------------

    def day(
        self, file: str, row: int, child: str, values: Values, column: str, *, required: bool = True
    ) -> date | None:
        value = values.get(column, "")
        rule = f" (rule {DATE_RULES[column]})." if DATE_RULES.get(column) else "."
        if not value:
            if required:
                self.error(
                    file, row, child, column, value, f"{column} is missing: give a date written DD/MM/YYYY{rule}"
                )
            return None
        day = read_date(value)
        if day is None:
            hint = ""
            if len(value) == 10 and value[4] == "-" and value[7] == "-":
                hint = f" ISO dates such as {value} are not accepted."
            self.error(
                file,
                row,
                child,
                column,
                value,
                f"{column} must be a real date written DD/MM/YYYY, for example 15/12/2022{rule}{hint}",
            )
        return day

    def code(self, file: str, row: int, child: str, values: Values, column: str, *, required: bool = True) -> str:
        value = values.get(column, "")
        if not value:
            if required:
                self.error(file, row, child, column, value, f"{column} is missing (rule {CODE_RULES[column]}).")
            return ""
        if value not in CODES[column]:
            self.error(
                file, row, child, column, value, f"{value} is not a valid {column} code (rule {CODE_RULES[column]})."
            )
            return ""
        return value

    def child(self, file: str, row: int, values: Values) -> str:
        child = values.get("CHILD", "")
        if not child:
            self.error(file, row, "", "CHILD", child, "CHILD is missing: every row needs the child's ID.")
        elif len(child) > CHILD_ID_MAX_LENGTH:
            self.error(file, row, child, "CHILD", child, f"CHILD is longer than {CHILD_ID_MAX_LENGTH} characters.")
        else:
            try:
                validate_local_child_id(child)
            except ValidationError as error:
                self.error(file, row, child, "CHILD", child, f"CHILD: {error.messages[0]}")
        if None in values:
            self.error(
                file, row, child, "", ", ".join(values[None]), "This row has more cells than the file has columns."
            )
        return child

    def sex(self, file: str, row: int, child: str, values: Values) -> str:
        value = values.get("SEX", "")
        if value not in SEX_CODES:
            self.error(file, row, child, "SEX", value, "SEX must be M, F or U (or 1 or 2 before 2024/25) (rule 101).")
            return ""
        return SEX_CODES[value]

    def not_future(self, file: str, row: int, child: str, column: str, value: date | None) -> date | None:
        if value is not None and value > self.today:
            self.error(file, row, child, column, format_date(value), f"{column} is in the future.")
            return None
        return value

    # --- rows --------------------------------------------------------------------------------

    def header_row(self, file: str, row: int, values: Values) -> HeaderRow:
        child = self.child(file, row, values)
        sex = self.sex(file, row, child, values)
        dob = self.not_future(file, row, child, "DOB", self.day(file, row, child, values, "DOB"))
        ethnicity = self.code(file, row, child, values, "ETHNIC")
        upn = values.get("UPN", "")
        if not upn:
            self.error(
                file, row, child, "UPN", upn, "UPN is missing: give the UPN or an unknown code UN1 to UN5 (rule 168)."
            )
        elif not is_valid_upn(upn):
            self.error(
                file,
                row,
                child,
                "UPN",
                upn,
                "UPN must be 13 characters (a letter other than I, O or S, 11 digits, then a digit or letter) "
                "or UN1 to UN5 (rule 168).",
            )
            upn = ""
        mother = values.get("MOTHER", "")
        if mother not in ("", "0", "1"):
            self.error(file, row, child, "MOTHER", mother, "MOTHER must be 1, 0 or blank.")
            mother = ""
        elif mother and sex == "M":
            self.error(file, row, child, "MOTHER", mother, "MOTHER must be blank for a boy (rule 165).")
        first_child_born = self.not_future(
            file, row, child, "MC_DOB", self.day(file, row, child, values, "MC_DOB", required=False)
        )
        if mother == "1" and not values.get("MC_DOB"):
            self.error(
                file,
                row,
                child,
                "MC_DOB",
                "",
                "MOTHER is 1, so MC_DOB is needed: give the date of birth of her first child (rule 611).",
            )
        elif first_child_born is not None and mother != "1":
            self.error(
                file,
                row,
                child,
                "MC_DOB",
                values["MC_DOB"],
                f"MC_DOB is only for a child who is a mother, but MOTHER is {mother or 'blank'}: "
                "give MOTHER 1 or leave MC_DOB blank (rule 612).",
            )
        elif first_child_born is not None and dob is not None and first_child_born < dob:
            self.error(
                file,
                row,
                child,
                "MC_DOB",
                values["MC_DOB"],
                f"MC_DOB is before the child's own date of birth ({format_date(dob)}).",
            )
        is_mother = {"1": True, "0": False}.get(mother)
        return HeaderRow(file, row, child, sex, dob, ethnicity, upn, is_mother, first_child_born)

    def episode_row(self, file: str, row: int, values: Values) -> EpisodeRow:
        child = self.child(file, row, values)
        start = self.not_future(file, row, child, "DECOM", self.day(file, row, child, values, "DECOM"))
        end = self.not_future(file, row, child, "DEC", self.day(file, row, child, values, "DEC", required=False))
        dates_ok = start is not None and (end is not None or not values.get("DEC"))
        if start is not None and start < EARLIEST_DECOM:
            self.error(
                file, row, child, "DECOM", values["DECOM"], "An episode cannot start before 14/10/1991 (rule 353)."
            )
            dates_ok = False
        rne = self.code(file, row, child, values, "RNE")
        ls = self.code(file, row, child, values, "LS")
        cin = self.code(file, row, child, values, "CIN")
        place = self.code(file, row, child, values, "PLACE")
        provider = self.code(file, row, child, values, "PLACE_PROVIDER", required=False)
        rec = self.code(file, row, child, values, "REC", required=False)
        reason_change = self.code(file, row, child, values, "REASON_PLACE_CHANGE", required=False)
        if bool(values.get("DEC")) != bool(values.get("REC")):
            column = "REC" if values.get("DEC") else "DEC"
            self.error(
                file,
                row,
                child,
                column,
                values.get(column, ""),
                "DEC and REC must both be filled in or both be blank (rule 148).",
            )
            dates_ok = False
        if start is not None and end is not None:
            if end < start:
                self.error(
                    file,
                    row,
                    child,
                    "DEC",
                    values["DEC"],
                    f"DEC is before DECOM ({values['DECOM']}): an episode cannot end before it starts (rule 356).",
                )
                dates_ok = False
            elif end == start:
                self.error(
                    file,
                    row,
                    child,
                    "DEC",
                    values["DEC"],
                    "The episode starts and ends on the same day; an episode lasts at least a day (rule 355).",
                )
                dates_ok = False
        if provider and place in PLACEMENT_TYPES_WITHOUT_PROVIDER:
            self.error(
                file,
                row,
                child,
                "PLACE_PROVIDER",
                provider,
                f"PLACE_PROVIDER must be blank for placement type {place} (rule 178).",
            )
        elif provider == PlacementProvider.PR0 and place and place != PlacementType.P1:
            self.error(
                file,
                row,
                child,
                "PLACE_PROVIDER",
                provider,
                "PLACE_PROVIDER PR0 (parents) is only valid with PLACE P1 (rule 550).",
            )
        for problem in placement_problems(
            placement_type=place, legal_status=ls, placement_provider=provider, reason_episode_ceased=rec
        ):
            column = EPISODE_COLUMNS[problem.field]
            self.error(file, row, child, column, values.get(column, ""), f"{problem.message} (rule {problem.rule})")
        details = check_placement_details(
            values.get("HOME_POST", ""),
            values.get("PL_POST", ""),
            values.get("URN", ""),
            legal_status=ls,
            placement_type=place,
            is_uasc=False,  # rule 406 needs the UASC file: the export checks it (ssda903.location_rules)
        )
        for name, (rule, message) in details.problems.items():
            column = PLACEMENT_DETAIL_COLUMNS[name]
            self.error(file, row, child, column, values.get(column, ""), f"{column}: {message} (rule {rule})")
        return EpisodeRow(
            file,
            row,
            child,
            start,
            rne,
            ls,
            cin,
            place,
            provider,
            end,
            rec,
            reason_change,
            details.home_postcode,
            details.placement_postcode,
            details.provider_urn,
            dates_ok,
        )

    def review_row(self, file: str, row: int, values: Values) -> ReviewRow | None:
        if not values.get("REVIEW") and not values.get("REVIEW_CODE") and values.get("CHILD"):
            return None  # rule 167 tolerates a child listed with neither
        child = self.child(file, row, values)
        dob = self.day(file, row, child, values, "DOB")
        held_on = self.not_future(file, row, child, "REVIEW", self.day(file, row, child, values, "REVIEW"))
        code = self.code(file, row, child, values, "REVIEW_CODE")
        return ReviewRow(file, row, child, dob, held_on, code)

    def uasc_row(self, file: str, row: int, values: Values) -> UascRow:
        child = self.child(file, row, values)
        sex = self.sex(file, row, child, values)
        dob = self.day(file, row, child, values, "DOB")
        duc = self.day(file, row, child, values, "DUC", required=False)
        if dob is None or duc != dfe_birthday(dob, 18):  # the 18th birthday of a child still UASC may be ahead
            duc = self.not_future(file, row, child, "DUC", duc)
        return UascRow(file, row, child, sex, dob, duc)

    # --- across rows and files ----------------------------------------------------------------

    def episodes_of(
        self, child_id: str, header: HeaderRow | None, episodes: Iterable[EpisodeRow], year_start: date | None = None
    ) -> None:
        """Rules 142, 302, 352, 357, 388, 431-433, 437, 501, 504 for one child's episodes. As
        the DfE's, rule 357 (the first episode is S) applies only to a first episode starting
        in the collection year (from `year_start`): a return lists the episodes open during the
        year, so a child looked after since before it can start with a continuation."""
        if not all(e.dates_ok for e in episodes):
            return  # the dates are wrong already; ordering them would only add confusing errors
        episodes = sorted(episodes, key=lambda e: (e.start_date, e.row))
        dob = header.dob if header else None
        previous = None
        period_cin = ""
        for episode in episodes:
            file, row = episode.file, episode.row
            starts_period = True
            if dob is not None and episode.start_date < dob:
                self.error(
                    file,
                    row,
                    child_id,
                    "DECOM",
                    format_date(episode.start_date),
                    f"The episode starts before the child's date of birth ({format_date(dob)}) (rule 302).",
                )
            if previous is None:
                continues_earlier = year_start is not None and episode.start_date < year_start
                if continues_earlier:
                    starts_period = episode.reason_for_new_episode == ReasonForNewEpisode.S
                elif episode.reason_for_new_episode and episode.reason_for_new_episode != ReasonForNewEpisode.S:
                    self.error(
                        file,
                        row,
                        child_id,
                        "RNE",
                        episode.reason_for_new_episode,
                        "The child's first episode must have RNE S (started to be looked after) (rule 357).",
                    )
            elif episode.start_date == previous.start_date:
                self.error(
                    file,
                    row,
                    child_id,
                    "DECOM",
                    format_date(episode.start_date),
                    f"Another episode (row {previous.row}) starts on the same day.",
                )
                continue
            elif "142" in (breaks := follow_on_breaks(previous, episode)):
                self.error(
                    previous.file,
                    previous.row,
                    child_id,
                    "DEC",
                    "",
                    f"This episode has no DEC, but a later episode starts on {format_date(episode.start_date)}: "
                    "only the child's latest episode can be open (rule 142).",
                )
            elif "501" in breaks:
                self.error(
                    file,
                    row,
                    child_id,
                    "DECOM",
                    format_date(episode.start_date),
                    f"This episode starts before the previous episode (row {previous.row}, "
                    f"{format_date(previous.start_date)} to {format_date(previous.end_date)}) ended: episodes cannot overlap (rule 501).",
                )
            elif episode.start_date == previous.end_date:
                if "431" in breaks:
                    self.error(
                        file,
                        row,
                        child_id,
                        "RNE",
                        episode.reason_for_new_episode,
                        f"The previous episode (row {previous.row}) ended on {format_date(previous.end_date)}, the day this "
                        "one starts, so this episode continues the period of care: RNE cannot be S (rule 431).",
                    )
                elif "388" in breaks:
                    self.error(
                        previous.file,
                        previous.row,
                        child_id,
                        "REC",
                        previous.reason_episode_ceased,
                        f"The next episode (row {row}) starts on {format_date(previous.end_date)}, the day this one ended, "
                        "so REC must be X1 (rule 388).",
                    )
                else:
                    starts_period = False
                    if not keeps_category_of_need(period_cin, episode.category_of_need):
                        self.error(
                            file,
                            row,
                            child_id,
                            "CIN",
                            episode.category_of_need,
                            f"CIN must stay {period_cin} for the whole period of care (rule 504).",
                        )
            else:  # a gap: this episode starts a new period of care
                if "388" in breaks:
                    self.error(
                        previous.file,
                        previous.row,
                        child_id,
                        "REC",
                        previous.reason_episode_ceased,
                        f"REC is X1 but the next episode starts on {format_date(episode.start_date)}, not on "
                        f"{format_date(previous.end_date)} when this one ended (rule 388).",
                    )
                elif "437" in breaks:
                    self.error(
                        previous.file,
                        previous.row,
                        child_id,
                        "REC",
                        previous.reason_episode_ceased,
                        f"REC {previous.reason_episode_ceased} means the child died or is 18 or over, "
                        "but a later episode follows (rule 437).",
                    )
                if "433" in breaks and episode.reason_for_new_episode:  # a blank RNE has its own error
                    self.error(
                        file,
                        row,
                        child_id,
                        "RNE",
                        episode.reason_for_new_episode,
                        f"No episode ended on {format_date(episode.start_date)}, the day this one starts, so it begins a "
                        "new period of care and RNE must be S (rules 432, 433).",
                    )
            if previous is None or starts_period:
                period_cin = episode.category_of_need
            if dob is not None and episode.end_date is not None:  # as the DfE's, on ceased episodes (374)
                for problem in placement_problems(
                    placement_type=episode.placement_type, date_of_birth=dob, start_date=episode.start_date
                ):
                    self.error(
                        file, row, child_id, "PLACE", episode.placement_type, f"{problem.message} (rule {problem.rule})"
                    )
            if starts_period and dob is not None and age_on(dob, episode.start_date) >= 18:
                self.error(
                    file,
                    row,
                    child_id,
                    "DECOM",
                    format_date(episode.start_date),
                    "The child was 18 or over when starting to be looked after (rule 352).",
                )
            previous = episode
        last = episodes[-1] if episodes else None
        if last is not None and last.reason_episode_ceased == CONTINUING_EPISODE_REASON and last is previous:
            self.error(
                last.file,
                last.row,
                child_id,
                "REC",
                last.reason_episode_ceased,
                f"REC is X1 but no episode starts on {format_date(last.end_date)}, the day this one ended (rule 388).",
            )
        self.placement_change_reasons(child_id, episodes, year_start)

    def placement_change_reasons(self, child_id: str, episodes: list[EpisodeRow], year_start: date | None) -> None:
        """Rules 225 and 226, as the export checks them: REASON_PLACE_CHANGE exactly on an episode
        that the next continues with a change of placement. Checked for the episodes the DfE
        checks in this return (those open on or after the start of its collection year)."""
        for episode, following in zip(episodes, [*episodes[1:], None]):
            if year_start is not None and episode.end_date is not None and episode.end_date < year_start:
                continue
            changes = (
                following is not None
                and episode.end_date == following.start_date
                and episode.reason_episode_ceased == CONTINUING_EPISODE_REASON
                and changes_placement(
                    episode.placement_type, following.placement_type, following.reason_for_new_episode
                )
            )
            if changes and following is not None and not episode.reason_for_placement_change:
                self.error(
                    episode.file,
                    episode.row,
                    child_id,
                    "REASON_PLACE_CHANGE",
                    "",
                    f"The next episode (row {following.row}) changes the placement (RNE "
                    f"{following.reason_for_new_episode}): REASON_PLACE_CHANGE is required (rule 225).",
                )
            elif episode.reason_for_placement_change and not changes:
                self.error(
                    episode.file,
                    episode.row,
                    child_id,
                    "REASON_PLACE_CHANGE",
                    episode.reason_for_placement_change,
                    "REASON_PLACE_CHANGE is only for an episode whose placement changes when it ceases "
                    "(the next episode starts that day with RNE P, T, B or U) (rule 226); a move to or from "
                    "a temporary placement (T0-T4) has none.",
                )


def check_across(
    checker: RowChecker,
    tables: Mapping[str, list[Any]],
    files: Mapping[str, Any] | None = None,
    progress: Progress = None,
) -> CheckedReturn:
    """Check the typed rows of each table across rows and files (duplicates, children missing
    from the Header, each child's episodes in order, reviews and UASC rows against the Header
    and the episodes). Problems are added to the checker's errors."""
    header_rows = tables.get("header", [])
    episode_rows = tables.get("episodes", [])
    review_rows = tables.get("reviews", [])
    across = _AcrossFiles(checker, header_rows)
    episodes_by_child: defaultdict[str, list[EpisodeRow]] = defaultdict(list)
    for record in episode_rows:
        if record.child:
            across.header_of(record, "INT03")
            episodes_by_child[record.child].append(record)
    year_start = _collection_year_start(episode_rows, review_rows, latest_outcome_date(tables))
    total = len(episodes_by_child)
    for done, (child_id, records) in enumerate(episodes_by_child.items()):
        if done % 5000 == 0:
            report_progress(progress, done, total, "checking episodes")
        checker.episodes_of(child_id, across.header.get(child_id), records, year_start)
    report_progress(progress, total, total, "checking episodes")
    return CheckedReturn(
        header=across.header,
        episodes_by_child=dict(episodes_by_child),
        reviews_by_child=across.reviews(review_rows, episodes_by_child),
        uasc=across.uasc(tables.get("uasc", [])),
        has_uasc_file="uasc" in tables,
        outcomes=check_outcome_tables(checker, across, tables, episodes_by_child, year_start),
        year_start=year_start,
        files=dict(files or {}),
    )


def _collection_year_start(
    episode_rows: list[EpisodeRow], review_rows: list[ReviewRow], latest_outcome: date | None = None
) -> date | None:
    """The collection year: the reporting year (from 1 April) of the latest date in the return."""
    latest = max((d for e in episode_rows for d in (e.start_date, e.end_date) if d is not None), default=None)
    latest = max(
        [d for d in [latest, latest_outcome, *(r.held_on for r in review_rows)] if d is not None], default=None
    )
    return timescales.reporting_year_start(latest) if latest else None


class _AcrossFiles:
    """The Header's rows by child, and the checks of other files' rows against them."""

    def __init__(self, checker: RowChecker, header_rows: list[HeaderRow]):
        self.checker = checker
        self.header_given = bool(header_rows)
        self.header: dict[str, HeaderRow] = {}
        for record in header_rows:
            if not record.child:
                continue
            if record.child in self.header:
                checker.error(
                    record.file,
                    record.row,
                    record.child,
                    "CHILD",
                    record.child,
                    f"CHILD {record.child} is already in row {self.header[record.child].row} of the Header: "
                    "one row per child.",
                )
            else:
                self.header[record.child] = record

    def header_of(self, record: EpisodeRow | ReviewRow | UascRow | OutcomeRow, rule: str = "") -> HeaderRow | None:
        """The record's child's Header row, or None: an error when a Header file was read
        (without one, the missing file is the error)."""
        known = self.header.get(record.child)
        if known is None and self.header_given:
            self.checker.error(
                record.file,
                record.row,
                record.child,
                "CHILD",
                record.child,
                "This child is not in the Header file" + (f" (rule {rule})." if rule else "."),
            )
        return known

    def same_dob_as_header(self, record: ReviewRow | UascRow | OutcomeRow, known: HeaderRow, rule: str = "") -> None:
        if record.dob is not None and known.dob is not None and record.dob != known.dob:
            self.checker.error(
                record.file,
                record.row,
                record.child,
                "DOB",
                format_date(record.dob),
                f"DOB differs from the Header's ({format_date(known.dob)})" + (f" (rule {rule})." if rule else "."),
            )

    def reviews(
        self, review_rows: list[ReviewRow], episodes_by_child: Mapping[str, list[EpisodeRow]]
    ) -> dict[str, dict[date, ReviewRow]]:
        """Each child's reviews by date, checked against the Header and the child's episodes."""
        checker = self.checker
        file_cycles: dict[str, list[LacCycle] | None] = {}

        def cycles_of(child_id: str) -> list[LacCycle] | None:
            if child_id not in file_cycles:
                records = episodes_by_child.get(child_id, [])
                file_cycles[child_id] = lac_cycles(records) if records and all(e.dates_ok for e in records) else None
            return file_cycles[child_id]

        reviews_by_child: defaultdict[str, dict[date, ReviewRow]] = defaultdict(dict)
        for record in review_rows:
            child_id, file, row = record.child, record.file, record.row
            if not child_id:
                continue
            known = self.header_of(record, "INT08")
            if known is None:
                continue
            self.same_dob_as_header(record, known, "INT17")
            if child_id not in episodes_by_child:
                checker.error(
                    file,
                    row,
                    child_id,
                    "CHILD",
                    child_id,
                    "This child has no episodes in the Episodes file, so cannot have LAC reviews (rule 1012).",
                )
                continue
            if record.held_on is None:
                continue
            if record.held_on in reviews_by_child[child_id]:
                checker.error(
                    file,
                    row,
                    child_id,
                    "REVIEW",
                    format_date(record.held_on),
                    f"Another review of this child on the same day is in row "
                    f"{reviews_by_child[child_id][record.held_on].row}.",
                )
                continue
            reviews_by_child[child_id][record.held_on] = record
            dob = known.dob
            if dob is not None and record.code:
                if record.held_on < dob:
                    checker.error(
                        file,
                        row,
                        child_id,
                        "REVIEW",
                        format_date(record.held_on),
                        "The review is before the child's date of birth.",
                    )
                elif problem := participation_code_problem(
                    age_on(dob, record.held_on), record.code, code_name="REVIEW_CODE"
                ):
                    rule, message = problem
                    checker.error(
                        file, row, child_id, "REVIEW_CODE", record.code, f"{message.removesuffix('.')} (rule {rule})."
                    )
            cycles = cycles_of(child_id)
            if cycles is not None:
                cycle = cycle_on(cycles, record.held_on)
                if cycle is None or (cycle.end is not None and record.held_on > cycle.end):
                    checker.error(
                        file,
                        row,
                        child_id,
                        "REVIEW",
                        format_date(record.held_on),
                        "The child was not looked after on the day of this review (no episode covers it).",
                    )
        return dict(reviews_by_child)

    def uasc(self, uasc_rows: list[UascRow]) -> dict[str, UascRow]:
        """Each UASC child's row, checked against the Header."""
        checker = self.checker
        uasc: dict[str, UascRow] = {}
        for record in uasc_rows:
            child_id, file, row = record.child, record.file, record.row
            if not child_id:
                continue
            known = self.header_of(record)
            if known is None:
                continue
            if child_id in uasc:
                checker.error(
                    file,
                    row,
                    child_id,
                    "CHILD",
                    child_id,
                    f"This child is already in row {uasc[child_id].row} of the UASC file.",
                )
                continue
            uasc[child_id] = record
            if record.sex and known.sex and record.sex != known.sex:
                checker.error(file, row, child_id, "SEX", record.sex, f"SEX differs from the Header's ({known.sex}).")
            self.same_dob_as_header(record, known)
            if record.duc is not None and known.dob is not None and record.duc < known.dob:
                checker.error(
                    file, row, child_id, "DUC", format_date(record.duc), "DUC is before the child's date of birth."
                )
        return uasc
