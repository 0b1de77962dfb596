"""Importing an authority's SSDA903 return (Header, Episodes and optionally Reviews and UASC).

The one service behind `manage.py import_903` and the upload page:

    result = import_return({"header.csv": data, "episodes.csv": data, ...}, by=user)

All or nothing. Every file is read and every row checked against the code lists and the core
rules of ../shared/DATA_DICTIONARY.md (sections 1-3) before anything is written; if any row is
wrong, nothing is written and `result.errors` lists every problem (file, row, CHILD, column,
value, what is wrong). Otherwise one transaction:

- creates children new to the portal (matched on CHILD = local_child_id, ignoring case) and
  updates SEX, DOB, ETHNIC, UPN, MOTHER and MC_DOB of known ones (a blank MOTHER: not recorded);
  names are never touched (the 903 has none: new children are shown as "Child <CHILD>" until
  someone enters their names). With a UASC file, it says which of the file's children are UASC
  (is_uasc, uasc_ceased_on = DUC); without one, known children keep their flag. A value stays
  as the portal has it when the return, written from the portal, would say what the file says
  (a UPN not recorded is written as UN1/UN5, a first child born after the child's last day in
  the return as MOTHER 0, MOTHER blank for short breaks only, a DUC after 31 March blank), and
  a child in the Header of a later year's return the portal holds (StoredReturn) keeps all of
  them: an older return never overwrites newer details.
- replaces, for each child with rows in Episodes, only what the return covers. A return for
  the collection year 1 April Y to 31 March Y+1 lists every episode open at some point in the
  year, an episode still open on 31 March without DEC. So the file speaks for the time from
  the child's first episode in it to 31 March Y+1, and in the portal:
    * episodes that ended on or before the day the file's first starts (earlier history, e.g.
      from earlier returns) are kept;
    * episodes starting after 31 March Y+1 (later history, e.g. from later returns or entered
      since) are kept;
    * every other episode is replaced by the file's;
    * the file's episode without DEC was open on 31 March, not necessarily still open: where
      the portal has an episode open on 31 March that ended later, that DEC, REC and
      REASON_PLACE_CHANGE are kept on it; and for a child in a later year's return the portal
      holds, that return's account of the episode (the same DECOM) is kept whole.
  If the file's last episode cannot be followed by the portal's first kept later one (the file
  has the child still looked after on 31 March but the portal has the care ending in the year
  and a new period after it, say), the import is refused with an error on that row.
  Children not in the Header, and a child in the Header with no rows in Episodes, keep their
  episodes; episodes the same as the file's are not rewritten (HOME_POST, PL_POST and URN are
  read but not stored: the portal has no such fields). As the DfE's, rule 357 (first episode is
  S) applies only to a first episode starting in the collection year, taken as the reporting
  year (from 1 April) of the latest date in the return; a child in care since before it may
  start with a continuation, and its LAC cycle then counts from the earliest episode known.
- adds the held LAC reviews the portal does not have yet (matched on child and date), with
  their participation codes and, as scheduling would have given them, their number in the
  cycle, the cycle start and the due date (reviews.cycles), so "in timescale" means
  something for the history. Reviews already in the portal are never changed or deleted,
  whatever their year.
- brings the next LAC review of every child in the file in line with the record, set-based
  (the same result as reviews.services.schedule_lac_review, computed for all children at once).
  Child protection conferences do not depend on the 903 and are left alone.
- writes ONE audit event summarising the import (AuditAction.CREATE, object type
  "ssda903.import", counts in `detail`). Importing a return the portal itself wrote, the same
  files again, or an older year's return after a later one changes no row, and still writes
  that one event, with "changed": false, so the audit log shows who tried it. A dry run counts
  what would change (episodes added and replaced, per child) and writes nothing.

Everything is done with a fixed number of queries per few thousand rows (bulk reads in chunks,
bulk_create / bulk_update), never a query per row.
"""

import csv
import gc
import io
import time
from collections import Counter, defaultdict, namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import F
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event
from children.codes import (
    CONTINUING_EPISODE_REASON,
    PLACEMENT_TYPES_WITHOUT_PROVIDER,
    SHORT_BREAK_LEGAL_STATUSES,
    CategoryOfNeed,
    Ethnicity,
    LegalStatus,
    PlacementProvider,
    PlacementType,
    ReasonEpisodeCeased,
    ReasonForNewEpisode,
    ReasonForPlacementChange,
)
from children.models import CareEpisode, Child
from children.selectors import age_on, follow_on_breaks
from children.validators import validate_local_child_id
from iro_portal.spreadsheets import SpreadsheetWriter
from reviews import timescales
from reviews.cycles import current_lac_cycle, cycle_on, lac_cycles, next_lac_review
from reviews.models import (
    OUTSTANDING_STATUSES,
    ParticipationCode,
    Review,
    ReviewKind,
    ReviewStatus,
)
from reviews.selectors import participation_code_problem

from .exporter import mother_cells, uasc_duc, unknown_upn
from .files import TABLE_LABELS, FileError, format_date, parse_date, read_csv, text_of
from .models import ReturnSource, StoredReturn
from .rules import PLACEMENT_CHANGE_RNE, collection_end
from .services import store_return

CHUNK = 2000
UPDATE_CHUNK = 500
EARLIEST_EPISODE = date(1991, 10, 14)  # rule 353
SEX_CODES = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}
UNKNOWN_UPNS = {"UN1", "UN2", "UN3", "UN4", "UN5"}
NEW_CHILD_GIVEN_NAME = "Child"
CHILD_ID_MAX_LENGTH = Child._meta.get_field("local_child_id").max_length


@dataclass
class RowError:
    file: str
    row: int | None  # line in the CSV as a spreadsheet shows it (the column names are row 1)
    child: str
    column: str
    value: str
    message: str


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)
    children_created: int = 0
    children_updated: int = 0
    episodes: int = 0  # episodes written (children whose episodes differed from the file)
    episodes_added: int = 0  # of those, episodes the portal did not have
    episodes_removed: int = 0  # the portal's episodes the file's replace
    # (CHILD, episodes added, the portal's episodes replaced, the portal's kept) for each child
    # whose episodes in the portal the file replaces.
    children_episodes_replaced: list = field(default_factory=list)
    reviews_added: int = 0
    unchanged_children: int = 0
    dry_run: bool = False
    children_in_file: int = 0
    next_reviews_scheduled: int = 0  # outstanding LAC reviews created, moved or cancelled
    # CHILD ids whose next LAC review date rests on reviews assumed held (timescales.lac_reviews_assumed).
    next_reviews_estimated: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def changed(self):
        return bool(
            self.children_created
            or self.children_updated
            or self.episodes
            or self.reviews_added
            or self.next_reviews_scheduled
        )


def errors_csv(errors):
    """The errors as a CSV for download: file, row, CHILD, column, value, problem."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(["file", "row", "CHILD", "column", "value", "problem"])
    for error in errors:
        writer.writerow(
            [error.file, "" if error.row is None else error.row, error.child, error.column, error.value, error.message]
        )
    return out.getvalue()


# Compact records kept after each file is read (the raw rows are dropped straight away).
HeaderRow = namedtuple("HeaderRow", "file row child sex dob ethnicity upn is_mother first_child_born")
EpisodeRow = namedtuple(
    "EpisodeRow",
    "file row child start_date reason_for_new_episode legal_status category_of_need placement_type "
    "placement_provider end_date reason_episode_ceased reason_for_placement_change dates_ok",
)
ReviewRow = namedtuple("ReviewRow", "file row child dob held_on code")
UascRow = namedtuple("UascRow", "file row child sex dob duc")

EPISODE_FIELDS = (
    "start_date",
    "reason_for_new_episode",
    "legal_status",
    "category_of_need",
    "placement_type",
    "placement_provider",
    "end_date",
    "reason_episode_ceased",
    "reason_for_placement_change",
)
StoredEpisode = namedtuple("StoredEpisode", EPISODE_FIELDS)  # type: ignore[misc]  # its fields are the query's, named once above
REVIEW_SCHEDULE_FIELDS = (
    "status",
    "cancelled_reason",
    "due_date",
    "number",
    "cycle_start",
    "brought_forward_by_move",
    "protection_plan",
    "version",
    "updated_at",
)
CHILD_INSERT_FIELDS = (
    "local_child_id",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "ethnicity",
    "upn",
    "is_uasc",
    "uasc_ceased_on",
    "lac_reviews_recorded_from",
    "is_mother",
    "first_child_date_of_birth",
)
CHILD_FIELDS = (
    "sex",
    "date_of_birth",
    "ethnicity",
    "upn",
    "lac_reviews_recorded_from",
    "is_mother",
    "first_child_date_of_birth",
)
UASC_FIELDS = ("is_uasc", "uasc_ceased_on")

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
DATE_RULES = {"DOB": "102", "DECOM": "141", "DEC": "147", "REVIEW": "166", "MC_DOB": "", "DUC": ""}


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _recorded_from(records, stored, year_start, portal_care_from=None):
    """Child.lac_reviews_recorded_from after importing a return of the collection year from
    `year_start`: it has the year's reviews, but none for a series of short breaks (rule 399),
    so the portal holds the child's reviews from the earliest return's year on, or, while the
    child is on short breaks, from the end of the latest. A child whose care the portal itself
    recorded (no date yet, and episodes in the portal from no later than the file's first:
    `portal_care_from`) keeps no date: the portal holds all its reviews."""
    if not records or year_start is None:
        return stored
    if stored is None and portal_care_from is not None and portal_care_from <= min(e.start_date for e in records):
        return None
    if lac_cycles(records)[-1].short_breaks:
        end = date(year_start.year + 1, year_start.month, year_start.day)
        return end if stored is None else max(stored, end)
    return year_start if stored is None else min(stored, year_start)


class _Checker:
    def __init__(self, today):
        self.today = today
        self.errors = []

    def error(self, file, row, child, column, value, message):
        self.errors.append(RowError(file, row, child, column, "" if value is None else str(value), message))

    # --- single values -----------------------------------------------------------------------

    def date(self, file, row, child, values, column, *, required=True):
        value = values.get(column, "")
        if not value:
            if required:
                rule = DATE_RULES.get(column)
                self.error(
                    file,
                    row,
                    child,
                    column,
                    value,
                    f"{column} is missing: give a date written DD/MM/YYYY" + (f" (rule {rule})." if rule else "."),
                )
            return None
        try:
            return parse_date(value)
        except ValueError:
            hint = ""
            if len(value) == 10 and value[4] == "-" and value[7] == "-":
                hint = f" ISO dates such as {value} are not accepted."
            rule = DATE_RULES.get(column)
            self.error(
                file,
                row,
                child,
                column,
                value,
                f"{column} must be a real date written DD/MM/YYYY, for example 15/12/2022"
                + (f" (rule {rule})." if rule else ".")
                + hint,
            )
            return None

    def code(self, file, row, child, values, column, *, required=True):
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

    def child(self, file, row, values):
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

    def sex(self, file, row, child, values):
        value = values.get("SEX", "")
        if value not in SEX_CODES:
            self.error(file, row, child, "SEX", value, "SEX must be M, F or U (or 1 or 2 before 2024/25) (rule 101).")
            return ""
        return SEX_CODES[value]

    def not_future(self, file, row, child, column, value):
        if value is not None and value > self.today:
            self.error(file, row, child, column, format_date(value), f"{column} is in the future.")
            return None
        return value

    # --- rows --------------------------------------------------------------------------------

    def header_row(self, file, row, values):
        child = self.child(file, row, values)
        sex = self.sex(file, row, child, values)
        dob = self.not_future(file, row, child, "DOB", self.date(file, row, child, values, "DOB"))
        ethnicity = self.code(file, row, child, values, "ETHNIC")
        upn = values.get("UPN", "")
        if not upn:
            self.error(
                file, row, child, "UPN", upn, "UPN is missing: give the UPN or an unknown code UN1 to UN5 (rule 168)."
            )
        elif not (
            upn in UNKNOWN_UPNS or (len(upn) == 13 and upn[0].isalpha() and upn[1:12].isdigit() and upn[12].isalnum())
        ):
            self.error(
                file,
                row,
                child,
                "UPN",
                upn,
                "UPN must be 13 characters (a letter, 11 digits, then a digit or letter) or UN1 to UN5 (rule 168).",
            )
            upn = ""
        mother = values.get("MOTHER", "")
        if mother not in ("", "0", "1"):
            self.error(file, row, child, "MOTHER", mother, "MOTHER must be 1, 0 or blank.")
            mother = ""
        elif mother and sex == "M":
            self.error(file, row, child, "MOTHER", mother, "MOTHER must be blank for a boy (rule 165).")
        first_child_born = self.not_future(
            file, row, child, "MC_DOB", self.date(file, row, child, values, "MC_DOB", required=False)
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

    def episode_row(self, file, row, values):
        child = self.child(file, row, values)
        start = self.not_future(file, row, child, "DECOM", self.date(file, row, child, values, "DECOM"))
        end = self.not_future(file, row, child, "DEC", self.date(file, row, child, values, "DEC", required=False))
        dates_ok = start is not None and (end is not None or not values.get("DEC"))
        if start is not None and start < EARLIEST_EPISODE:
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
        return EpisodeRow(file, row, child, start, rne, ls, cin, place, provider, end, rec, reason_change, dates_ok)

    def review_row(self, file, row, values):
        if not values.get("REVIEW") and not values.get("REVIEW_CODE") and values.get("CHILD"):
            return None  # rule 167 tolerates a child listed with neither
        child = self.child(file, row, values)
        dob = self.date(file, row, child, values, "DOB")
        held_on = self.not_future(file, row, child, "REVIEW", self.date(file, row, child, values, "REVIEW"))
        code = self.code(file, row, child, values, "REVIEW_CODE")
        return ReviewRow(file, row, child, dob, held_on, code)

    def uasc_row(self, file, row, values):
        child = self.child(file, row, values)
        sex = self.sex(file, row, child, values)
        dob = self.date(file, row, child, values, "DOB")
        duc = self.not_future(file, row, child, "DUC", self.date(file, row, child, values, "DUC", required=False))
        return UascRow(file, row, child, sex, dob, duc)

    # --- across rows and files ----------------------------------------------------------------

    def episodes_of(self, child_id, header, episodes, year_start=None):
        """Rules 142, 302, 352, 357, 388, 431-433, 437, 501, 504 for one child's episodes. As
        the DfE's, rule 357 (the first episode is S) applies only to a first episode starting
        in the collection year (from `year_start`): a return lists the episodes open during the
        year, so a child looked after since before it can start with a continuation."""
        if not all(e.dates_ok for e in episodes):
            return  # the dates are wrong already; ordering them would only add confusing errors
        episodes = sorted(episodes, key=lambda e: (e.start_date, e.row))
        dob = header.dob if header else None
        previous = None
        period_cin = None
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
                    if period_cin and episode.category_of_need and episode.category_of_need != period_cin:
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

    def placement_change_reasons(self, child_id, episodes, year_start):
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
                and following.reason_for_new_episode in PLACEMENT_CHANGE_RNE
            )
            if changes and not episode.reason_for_placement_change:
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
                    "(the next episode starts that day with RNE P, T, B or U) (rule 226).",
                )


def _episode_key(episode):
    return tuple(getattr(episode, name) for name in EPISODE_FIELDS)


def _episodes_after_import(stored, records, year_end, *, in_later_return=False):
    """A child's episodes once the file's `records` replace what they cover of `stored` (the
    portal's, by start date), for a return whose collection year ends on `year_end`; see the
    module docstring. `in_later_return`: the child is in a later year's return the portal
    holds. Returns (episodes, following): `following` is the first episode kept after the
    year, or None."""
    first = records[0].start_date
    before = [e for e in stored if e.end_date is not None and e.end_date <= first]
    after = [e for e in stored if e.start_date > year_end]
    last = records[-1]
    if last.end_date is None:  # open on 31 March, not necessarily still open
        spanning = next(
            (e for e in stored if e.start_date <= year_end and (e.end_date is None or e.end_date > year_end)), None
        )
        if in_later_return and spanning is not None and spanning.start_date == last.start_date:
            last = spanning  # the later return's account of the episode stands
        elif spanning is not None and spanning.end_date is not None:
            last = last._replace(
                end_date=spanning.end_date,
                reason_episode_ceased=spanning.reason_episode_ceased,
                reason_for_placement_change=spanning.reason_for_placement_change,
            )
    return before + records[:-1] + [last] + after, (after[0] if after else None)


def _conflict_message(last, following, year_end):
    if last.end_date is None:
        said = f"This episode has no DEC: the return has the child looked after on {format_date(year_end)}"
    else:
        said = (
            f"The return has the child's care ending on {format_date(last.end_date)} (REC {last.reason_episode_ceased})"
        )
    return (
        f"{said}, but the portal has the child's next episode starting on {format_date(following.start_date)} with RNE "
        f"{following.reason_for_new_episode}, which cannot follow it. A return does not change the care after "
        "its year: correct the child's episodes in the portal or the file, then import again."
    )


def _details_wanted(record, records, have, recorded_from, year, year_end):
    """CHILD_FIELDS from the Header row, except where the return, written from the portal, would
    say what the file says: the portal may know more than the year showed (a UPN not recorded is
    written as its unknown code, a first child born after the year as MOTHER 0, MOTHER is blank
    for short breaks only)."""
    sex, dob, ethnicity, upn, _, is_mother, born = have
    if year is None or not (upn == "" and record.upn == unknown_upn(dob, year)):
        upn = record.upn
    if records and year is not None:
        last = max(records, key=lambda e: e.start_date)
        portal_cells = mother_cells(
            is_mother,
            born,
            looked_after_until=last.end_date or year_end,
            short_breaks_only=all(e.legal_status in SHORT_BREAK_LEGAL_STATUSES for e in records),
        )
    else:
        portal_cells = None
    if portal_cells != mother_cells(
        record.is_mother, record.first_child_born, short_breaks_only=False, looked_after_until=date.max
    ):
        is_mother, born = record.is_mother, record.first_child_born
    return (record.sex, record.dob, record.ethnicity, upn, recorded_from, is_mother, born)


def _uasc_wanted(row, have, year):
    """(is_uasc, uasc_ceased_on) from the child's UASC row (None: no row), unless the portal's
    would be written as the same row: a DUC after the year is blank in its return."""
    if year is not None and uasc_duc(*have, year) == (None if row is None else format_date(row.duc)):
        return have
    return (row is not None, row.duc if row is not None else None)


def _children_in_later_returns(collection_year):
    """CHILD ids (upper case) in the Headers of the returns the portal holds for later years."""
    later = set()
    for tables in StoredReturn.objects.filter(year__gt=collection_year).values_list("tables", flat=True):
        if tables.get("header"):
            later.update(values.get("CHILD", "") for _, values in read_csv(tables["header"])[1])
    return later


def _progress(progress, done, total, stage):
    if progress is not None:
        progress(done, total, stage)


# PostgreSQL advisory lock key ("903"): held by the import that is writing.
IMPORT_LOCK_KEY = 903


@contextmanager
def _one_import_at_a_time(dry_run):
    """An import compares the files with the portal's records, then writes the difference: a
    second import comparing at the same time would miss what the first is about to write. On
    PostgreSQL the second waits for the first and then compares with its result."""
    connection = connections[router.db_for_write(Child)]
    if dry_run or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_KEY])


def import_return(files, *, by=None, dry_run=False, progress=None, today=None, request=None):
    """Validate and import an SSDA903 return; see the module docstring. `files` maps each file's
    name to its content (bytes, str or a file object); tables are recognised by their columns.
    `progress(done, total, stage)` is called as each stage advances."""
    # Millions of small acyclic objects: the cyclic garbage collector would scan them again and
    # again (time growing with the square of the file size), and has nothing to free here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _one_import_at_a_time(dry_run):
            return _import_return(files, by=by, dry_run=dry_run, progress=progress, today=today, request=request)
    except IntegrityError as error:
        # Only a change made in the portal while the import ran can get past the checks; the
        # transaction has rolled back, so nothing was written.
        return ImportResult(
            dry_run=dry_run,
            errors=[
                RowError(
                    "",
                    None,
                    "",
                    "",
                    "",
                    (
                        "The portal's records changed while the import was running (someone saved a child, episode or "
                        f"review at the same time), so nothing was imported. Run the import again. ({error.__class__.__name__})"
                    ),
                )
            ],
        )
    finally:
        if collecting:
            gc.enable()


def _import_return(files, *, by, dry_run, progress, today, request):
    today = today or timezone.localdate()
    checker = _Checker(today)
    result = ImportResult(dry_run=dry_run)

    # 1. Read every file into compact records, checking each row on its own.
    tables = {}
    texts = {}  # table -> the file as given, kept as the year's return (StoredReturn)
    row_readers = {
        "header": checker.header_row,
        "episodes": checker.episode_row,
        "reviews": checker.review_row,
        "uasc": checker.uasc_row,
    }
    file_order = {name: index for index, name in enumerate(files)}
    for index, (name, data) in enumerate(files.items()):
        _progress(progress, index, len(files), "reading")
        try:
            table, rows = read_csv(data, name)
        except FileError as error:
            checker.error(name, 1 if error.column else None, "", error.column, "", error.message)
            continue
        if table in tables:
            checker.error(
                name,
                None,
                "",
                "",
                "",
                f"This is a second {TABLE_LABELS[table]} file (the first is {tables[table][0]}): give one of each.",
            )
            continue
        read_row = row_readers[table]
        records = [record for number, values in rows if (record := read_row(name, number, values)) is not None]
        del rows
        tables[table] = (name, records)
        texts[table] = data
    _progress(progress, len(files), len(files), "reading")
    for table in ("header", "episodes"):
        if table not in tables and not any(e.row is None or e.row == 1 for e in checker.errors):
            checker.error(
                "",
                None,
                "",
                "",
                "",
                f"No {TABLE_LABELS[table]} file was given: the import needs a "
                f"{TABLE_LABELS[table]} and an Episodes file, and may have Reviews and UASC files.",
            )
    header_rows = tables.get("header", ("", []))[1]
    episode_rows = tables.get("episodes", ("", []))[1]
    review_rows = tables.get("reviews", ("", []))[1]
    uasc_rows = tables.get("uasc", ("", []))[1]
    has_uasc_file = "uasc" in tables

    # 2. Check across rows and files.
    header = {}
    for record in header_rows:
        if not record.child:
            continue
        if record.child in header:
            checker.error(
                record.file,
                record.row,
                record.child,
                "CHILD",
                record.child,
                f"CHILD {record.child} is already in row {header[record.child].row} of the Header: one row per child.",
            )
        else:
            header[record.child] = record

    def header_of(record, rule=""):
        """The record's child's Header row, or None: an error when a Header file was read
        (without one, the missing file is the error)."""
        known = header.get(record.child)
        if known is None and header_rows:
            checker.error(
                record.file,
                record.row,
                record.child,
                "CHILD",
                record.child,
                "This child is not in the Header file" + (f" (rule {rule})." if rule else "."),
            )
        return known

    episodes_by_child = defaultdict(list)
    for record in episode_rows:
        if not record.child:
            continue
        header_of(record, "INT03")
        episodes_by_child[record.child].append(record)
    # The collection year: the reporting year (from 1 April) of the latest date in the return.
    latest = max((d for e in episode_rows for d in (e.start_date, e.end_date) if d is not None), default=None)
    latest = max([d for d in [latest, *(r.held_on for r in review_rows)] if d is not None], default=None)
    year_start = timescales.reporting_year_start(latest) if latest else None
    total = len(episodes_by_child)
    for done, (child_id, records) in enumerate(episodes_by_child.items()):
        if done % 5000 == 0:
            _progress(progress, done, total, "checking episodes")
        checker.episodes_of(child_id, header.get(child_id), records, year_start)
    _progress(progress, total, total, "checking episodes")
    file_cycles = {}

    def cycles_of(child_id):
        if child_id not in file_cycles:
            records = episodes_by_child.get(child_id, [])
            file_cycles[child_id] = lac_cycles(records) if records and all(e.dates_ok for e in records) else None
        return file_cycles[child_id]

    reviews_by_child = defaultdict(dict)
    for record in review_rows:
        child_id, file, row = record.child, record.file, record.row
        if not child_id:
            continue
        known = header_of(record, "INT08")
        if known is None:
            continue
        if record.dob is not None and known.dob is not None and record.dob != known.dob:
            checker.error(
                file,
                row,
                child_id,
                "DOB",
                format_date(record.dob),
                f"DOB differs from the Header's ({format_date(known.dob)}) (rule INT17).",
            )
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
                f"Another review of this child on the same day is in row {reviews_by_child[child_id][record.held_on].row}.",
            )
            continue
        reviews_by_child[child_id][record.held_on] = record
        dob = known.dob
        if dob is not None and record.code:
            age = age_on(dob, record.held_on)
            if record.held_on < dob:
                checker.error(
                    file,
                    row,
                    child_id,
                    "REVIEW",
                    format_date(record.held_on),
                    "The review is before the child's date of birth.",
                )
            elif problem := participation_code_problem(age, record.code, code_name="REVIEW_CODE"):
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
    uasc = {}
    for record in uasc_rows:
        child_id, file, row = record.child, record.file, record.row
        if not child_id:
            continue
        known = header_of(record)
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
        if record.dob is not None and known.dob is not None and record.dob != known.dob:
            checker.error(
                file,
                row,
                child_id,
                "DOB",
                format_date(record.dob),
                f"DOB differs from the Header's ({format_date(known.dob)}).",
            )
        if record.duc is not None and known.dob is not None and record.duc < known.dob:
            checker.error(
                file, row, child_id, "DUC", format_date(record.duc), "DUC is before the child's date of birth."
            )

    if checker.errors:
        result.errors = sorted(checker.errors, key=lambda e: (file_order.get(e.file, -1), e.row or 0))
        return result

    # 3. Work out what changes, reading the portal's records in bulk.
    _progress(progress, 0, 1, "comparing with the portal")
    result.children_in_file = len(header)
    collection_year = year_start.year + 1 if year_start is not None else None
    year_end = collection_end(collection_year) if collection_year else None
    existing = {}
    for child_id, local_id, *header_values, is_uasc, ceased in Child.objects.values_list(
        "pk",
        "local_child_id",
        *CHILD_FIELDS,
        "is_uasc",
        "uasc_ceased_on",
    ).iterator(chunk_size=CHUNK):
        existing[local_id.upper()] = (child_id, local_id, tuple(header_values), (is_uasc, ceased))
    known_pks = {existing[local_id][0]: local_id for local_id in header if local_id in existing}
    stored_episodes = defaultdict(list)
    stored_held = defaultdict(set)
    stored_outstanding = {}
    for chunk in _chunks(known_pks):
        for child_pk, *values in (
            CareEpisode.objects.filter(child_id__in=chunk)
            .order_by("child_id", "start_date")
            .values_list("child_id", *EPISODE_FIELDS)
        ):
            stored_episodes[child_pk].append(StoredEpisode(*values))
        for child_pk, held_on in Review.objects.filter(
            child_id__in=chunk, kind=ReviewKind.LAC, status=ReviewStatus.HELD
        ).values_list("child_id", "held_on"):
            stored_held[child_pk].add(held_on)
        for review in Review.objects.filter(
            child_id__in=chunk, kind=ReviewKind.LAC, status__in=OUTSTANDING_STATUSES
        ).only(*REVIEW_SCHEDULE_FIELDS, "child_id"):
            stored_outstanding[review.child_id] = review
    in_later_returns = _children_in_later_returns(collection_year) if collection_year and known_pks else set()

    new_children, changed_children = [], []
    recorded_from = {}
    for local_id, record in header.items():
        records = episodes_by_child.get(local_id)
        if local_id not in existing:
            recorded_from[local_id] = _recorded_from(records, None, year_start)
            duc = uasc[local_id].duc if local_id in uasc else None
            new_children.append(
                (
                    local_id,
                    NEW_CHILD_GIVEN_NAME,
                    local_id,
                    record.sex,
                    record.dob,
                    record.ethnicity,
                    record.upn,
                    local_id in uasc,
                    duc,
                    recorded_from[local_id],
                    record.is_mother,
                    record.first_child_born,
                )
            )  # CHILD_INSERT_FIELDS
            continue
        pk, _, have, have_uasc = existing[local_id]
        stored = stored_episodes.get(pk)
        recorded_from[local_id] = _recorded_from(records, have[4], year_start, stored[0].start_date if stored else None)
        if local_id in in_later_returns:  # a later return's details stand
            wanted, wanted_uasc = have[:4] + (recorded_from[local_id],) + have[5:], have_uasc
        else:
            wanted = _details_wanted(record, records, have, recorded_from[local_id], collection_year, year_end)
            wanted_uasc = _uasc_wanted(uasc.get(local_id), have_uasc, collection_year) if has_uasc_file else have_uasc
        if wanted != have or wanted_uasc != have_uasc:
            changed_children.append(
                Child(
                    pk=pk,
                    **dict(zip(CHILD_FIELDS, wanted)),
                    is_uasc=wanted_uasc[0],
                    uasc_ceased_on=wanted_uasc[1],
                    version=F("version") + 1,
                )
            )

    # Per child: the episodes it will have, whether they change, the held reviews to add and
    # the next LAC review it should have.
    replaced = []  # local ids whose episodes are rewritten
    final_episodes = {}
    for local_id in header:
        pk = existing[local_id][0] if local_id in existing else None
        records = episodes_by_child.get(local_id)
        if records is None:
            final_episodes[local_id] = stored_episodes.get(pk, [])
            continue
        records = sorted(records, key=lambda e: e.start_date)
        stored = stored_episodes.get(pk, [])
        final, following = _episodes_after_import(
            stored, records, year_end, in_later_return=local_id in in_later_returns
        )
        final_episodes[local_id] = final
        stored_keys, final_keys = [_episode_key(e) for e in stored], [_episode_key(e) for e in final]
        if pk is not None and stored_keys == final_keys:
            continue
        replaced.append(local_id)
        if following is not None and follow_on_breaks(final[final.index(following) - 1], following):
            last = records[-1]
            checker.error(
                last.file,
                last.row,
                local_id,
                "DEC",
                format_date(last.end_date),
                _conflict_message(last, following, year_end),
            )
        same = sum((Counter(stored_keys) & Counter(final_keys)).values())
        added, removed = len(final_keys) - same, len(stored_keys) - same
        result.episodes_added += added
        result.episodes_removed += removed
        if removed:
            result.children_episodes_replaced.append((local_id, added, removed, len(stored_keys) - removed))
    if checker.errors:
        result.errors = sorted(checker.errors, key=lambda e: (file_order.get(e.file, -1), e.row or 0))
        return result
    result.episodes = sum(len(final_episodes[local_id]) for local_id in replaced)
    moves_on = settings.UNPLANNED_MOVE_TRIGGERS_REVIEW
    new_reviews = []  # (local id, held_on, code, number, cycle_start, due_date)
    next_due = {}  # local id -> (due_date, number, cycle_start, brought_forward_by_move) or None
    for local_id in header:
        pk = existing[local_id][0] if local_id in existing else None
        episodes = final_episodes[local_id]
        held_here = stored_held.get(pk, set())
        to_add = {day: record for day, record in reviews_by_child.get(local_id, {}).items() if day not in held_here}
        all_held = sorted(held_here | set(to_add))
        cycles = lac_cycles(episodes) if (to_add and episodes) else []
        if to_add:
            by_cycle = defaultdict(list)
            for day in all_held:
                cycle = cycle_on(cycles, day)
                if cycle is not None:
                    by_cycle[id(cycle)].append(day)
            for cycle in cycles:
                held_in_cycle = by_cycle.get(id(cycle), [])
                held_in_cycle = cycle.reviews_assumed(recorded_from[local_id], held_in_cycle) + held_in_cycle
                for number, day in enumerate(held_in_cycle, start=1):
                    if day not in to_add:
                        continue
                    due = next_lac_review(cycle, held_in_cycle[: number - 1], count_moves=moves_on, moves_before=day)
                    new_reviews.append((local_id, day, to_add[day].code, due.number, cycle.start, due.due_date))
        cycle = current_lac_cycle(episodes, on=today) if episodes else None
        if cycle is None:
            next_due[local_id] = None
            continue
        held = [day for day in all_held if day >= cycle.start]
        assumed = cycle.reviews_assumed(recorded_from[local_id], held)
        if assumed and len(held) < 2:
            result.next_reviews_estimated.append(local_id)
        due = next_lac_review(cycle, assumed + held, count_moves=moves_on)
        next_due[local_id] = (due.due_date, due.number, cycle.start, due.brought_forward_by_move)
    result.reviews_added = len(new_reviews)

    now = timezone.now()
    schedule_updates, schedule_creates = [], []  # (review) / (local id, wanted)
    for local_id, wanted in next_due.items():
        pk = existing[local_id][0] if local_id in existing else None
        review = stored_outstanding.get(pk) if pk else None
        if wanted is None:
            if review is not None:
                review.status = ReviewStatus.CANCELLED
                review.cancelled_reason = "The child ceased to be looked after."
                review.version += 1
                review.updated_at = now
                schedule_updates.append(review)
            continue
        due, number, cycle_start, move = wanted
        if review is None:
            schedule_creates.append((local_id, wanted))
        elif (
            review.due_date,
            review.number,
            review.cycle_start,
            review.brought_forward_by_move,
            review.protection_plan_id,
        ) != (due, number, cycle_start, move, None):
            review.due_date, review.number, review.cycle_start = due, number, cycle_start
            review.brought_forward_by_move, review.protection_plan_id = move, None
            review.version += 1
            review.updated_at = now
            schedule_updates.append(review)
    result.next_reviews_scheduled = len(schedule_updates) + len(schedule_creates)
    result.children_created = len(new_children)
    result.children_updated = len(changed_children)
    touched = {c[0] for c in new_children} | {known_pks[c.pk] for c in changed_children}
    touched |= set(replaced) | {review[0] for review in new_reviews}
    result.unchanged_children = len(header) - len(touched)
    _progress(progress, 1, 1, "comparing with the portal")
    if dry_run:
        return result

    # 4. Write, all in one transaction.
    total = (
        len(new_children) + len(changed_children) + result.episodes + len(new_reviews) + result.next_reviews_scheduled
    ) or 1
    written = 0
    stage = "writing"

    def advance(count):
        nonlocal written
        written += count
        _progress(progress, written, total, stage)

    with transaction.atomic():
        _insert(Child, CHILD_INSERT_FIELDS, new_children, on_batch=advance)
        for batch in _batches(changed_children, UPDATE_CHUNK):
            Child.objects.bulk_update(batch, CHILD_FIELDS + UASC_FIELDS + ("version",))
            advance(len(batch))
        pks = {local_id: value[0] for local_id, value in existing.items()}
        for chunk in _chunks([c[0] for c in new_children]):
            pks.update(Child.objects.filter(local_child_id__in=chunk).values_list("local_child_id", "pk"))
        replaced_pks = [pks[local_id] for local_id in replaced if local_id in existing]
        for chunk in _chunks(replaced_pks):
            CareEpisode.objects.filter(child_id__in=chunk).delete()
        _insert(
            CareEpisode,
            ("child_id",) + EPISODE_FIELDS,
            (
                (pks[local_id],) + tuple(getattr(record, name) for name in EPISODE_FIELDS)
                for local_id in replaced
                for record in final_episodes[local_id]
            ),
            on_batch=advance,
        )
        _insert(
            Review,
            ("child_id", "kind", "status", "held_on", "participation_code", "number", "cycle_start", "due_date"),
            (
                (pks[local_id], ReviewKind.LAC.value, ReviewStatus.HELD.value, day, code, number, cycle_start, due)
                for local_id, day, code, number, cycle_start, due in new_reviews
            ),
            on_batch=advance,
        )
        for batch in _batches(schedule_updates, UPDATE_CHUNK):
            Review.objects.bulk_update(batch, REVIEW_SCHEDULE_FIELDS)
            advance(len(batch))
        _insert(
            Review,
            ("child_id", "kind", "status", "due_date", "number", "cycle_start", "brought_forward_by_move"),
            (
                (pks[local_id], ReviewKind.LAC.value, ReviewStatus.DUE.value, due, number, cycle_start, move)
                for local_id, (due, number, cycle_start, move) in schedule_creates
            ),
            on_batch=advance,
        )
        _end_in_contact_plans([pks[local_id] for local_id in replaced if next_due.get(local_id) is None])
        returned = {table: text_of(data) for table, data in texts.items()}
        if (
            collection_year
            and StoredReturn.objects.filter(year=collection_year).values_list("tables", flat=True).first() != returned
        ):  # the same return again is not stored again
            store_return(collection_year, ReturnSource.IMPORTED, returned, by=by)
        record_event(
            action=AuditAction.CREATE,
            user=by,
            object_type="ssda903.import",
            request=request,
            detail={
                "files": list(files),
                "changed": result.changed,
                "children_in_file": result.children_in_file,
                "children_created": result.children_created,
                "children_updated": result.children_updated,
                "children_with_episodes_replaced": len(replaced),
                "episodes": result.episodes,
                "reviews_added": result.reviews_added,
                "next_reviews_scheduled": result.next_reviews_scheduled,
                "unchanged_children": result.unchanged_children,
                "episodes_added": result.episodes_added,
                "episodes_replaced": result.episodes_removed,
            },
        )
    _progress(progress, total, total, "done")
    return result


def _insert(model, fields, rows, *, on_batch=None, batch_size=20000):
    """INSERT many rows without building model instances: `rows` yields tuples of values for
    `fields` (attnames); every other column gets the field's default (auto_now fields: now).
    PostgreSQL: COPY; other databases: executemany. Check constraints still apply."""
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    given = [opts.get_field(name) for name in fields]
    now = timezone.now()
    rest = [f for f in opts.concrete_fields if not f.primary_key and f.attname not in fields]
    defaults = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in rest
    )
    columns = [f.column for f in given + rest]
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    column_list = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy_expert"):
            fixed = [_copy_value(value) for value in defaults]
            copy = f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
            for batch in _batches(rows, batch_size):
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                writer.writerows([*map(_copy_value, row), *fixed] for row in batch)
                buffer.seek(0)
                started = time.monotonic()
                cursor.cursor.copy_expert(copy, buffer)
                if connection.queries_logged:  # so query counts and debugging tools see it
                    connection.queries_log.append(
                        {"sql": f"{copy} -- {len(batch)} rows", "time": f"{time.monotonic() - started:.3f}"}
                    )
                if on_batch:
                    on_batch(len(batch))
        else:
            all_fields = given + rest
            sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"
            for batch in _batches(rows, min(batch_size, 5000)):
                cursor.executemany(
                    sql,
                    [
                        [field.get_db_prep_save(value, connection) for field, value in zip(all_fields, row + defaults)]
                        for row in batch
                    ],
                )
                if on_batch:
                    on_batch(len(batch))


def _copy_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _end_in_contact_plans(child_pks):
    """Children whose new episodes show they have left care: an open In-Contact plan ends, as
    the children services end it after a change on the page. Rare, so per child (after one
    bulk query to find them)."""
    from oversight.models import InContactPlan
    from oversight.services import end_in_contact_plan_when_care_ends

    for chunk in _chunks(child_pks):
        with_plans = set(
            InContactPlan.objects.filter(child_id__in=chunk, ended_on__isnull=True).values_list("child_id", flat=True)
        )
        for child in Child.objects.filter(pk__in=with_plans):
            end_in_contact_plan_when_care_ends(child)
