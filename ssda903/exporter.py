"""The SSDA903 return for one collection year, written from the portal's records.

`export_return(2025)` covers 1 April 2024 to 31 March 2025 (2024/25). It writes the Header,
Episodes, Reviews, OC2, OC3, AD1, PlacedAdoption, PrevPerm and Missing CSVs, a table with no
rows as its column line (and UASC when any child in the return was an unaccompanied asylum-
seeking child in the year) with the DfE's column names in DATA_DICTIONARY.md order, DD/MM/YYYY
dates and the code lists of that year, then runs the DfE validation rules (ssda903.rules) over
the rows. If any rule fails, the result has no files, only the problems (child, rule, message):
a file the DfE would reject is never produced.

What goes in:
- Header: every child with an episode open at some point in the year, and every care leaver
  in OC3 (MOTHER and MC_DOB blank for one not looked after in the year, rule 628).
- OC2, OC3, AD1, PlacedAdoption, PrevPerm and Missing: each table's cohort as
  ssda903.outcome_rows describes it.
- Episodes: the episodes open at some point in the year. An episode that ceased after 31 March
  was still open at the year end, so it is written open (DEC, REC and REASON_PLACE_CHANGE blank).
- Reviews: LAC reviews held in the year, except for children looked after only under short
  breaks (V3/V4), for whom the DfE wants no reviews (rule 399).
- MOTHER (1/0) and MC_DOB as recorded on the child, except blank for a child looked after only
  under short breaks (rule 399). A first child born after the child's last day in the return
  (the day she ceased care, or 31 March) was not born yet: MOTHER 0 (rule 625).
- HOME_POST, PL_POST and URN as recorded on the episode. The DfE works out PL_LA, PL_LOCATION and
  PL_DISTANCE from the postcodes when it reads the file; the rules (ssda903.location_rules) work
  them out the same way before anything is written.

The rules comparing two years run against last year's return as the portal last wrote or
imported it (ssda903.models.StoredReturn); export_files stores each return it writes.

Eleven queries whatever the number of children (episodes, children, reviews, seven for the
outcome tables, last year's return); rows are sorted by CHILD then date, so the same data
always gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from children.models import CareEpisode, Child
from children.placement_location import urn_exempt_placements
from children.placement_rules import dfe_birthday
from children.selectors import EPISODE_FIELDS
from reviews.models import Review, ReviewKind, ReviewStatus
from ssda903 import outcome_rows, rules
from ssda903.files import COLUMN_ORDER, format_date
from ssda903.models import StoredReturn
from ssda903.rules import Problem, ReturnData, collection_end, collection_start

if TYPE_CHECKING:
    from ssda903.dfe_check import DfeReport

FILE_NAMES = {
    "header": "header.csv",
    "episodes": "episodes.csv",
    "reviews": "reviews.csv",
    "uasc": "uasc.csv",
    "oc2": "oc2.csv",
    "oc3": "oc3.csv",
    "ad1": "ad1.csv",
    "placed_adoption": "placed_for_adoption.csv",
    "prev_perm": "previous_permanence.csv",
    "missing": "missing.csv",
}
SEX_UP_TO_2024 = {"M": "1", "F": "2"}  # U has no code before 2024/25: written as U, rule 101 reports it


@dataclass
class ExportResult:
    year: int
    files: dict[str, str] = field(default_factory=dict)  # file name -> CSV text
    problems: list[Problem] = field(default_factory=list)  # DfE errors: no files when there are any
    queries: list[Problem] = field(default_factory=list)  # DfE queries (e.g. 232): the files are still written
    counts: dict[str, int] = field(default_factory=dict)  # rows per table
    checked_against_last_year: bool = False  # rules 202-204, 502, 503, 562 (last year's return held)
    children: list[str] = field(default_factory=list)  # every CHILD in the header file
    dfe_report: DfeReport | None = None  # what the DfE's published validator found (ssda903.dfe_check)

    @property
    def ok(self) -> bool:
        return not self.problems


def unknown_upn(date_of_birth, year) -> str:
    """The UPN unknown code for a child with no UPN recorded: UN1 (not yet of school age, as rule
    209 has it) or else UN5 (UPN not available from the sources)."""
    return "UN5" if rules.past_upn_un1_age(date_of_birth, year) else "UN1"


def sex_code(sex: str, year: int) -> str:
    return SEX_UP_TO_2024.get(sex, sex) if year < 2025 else sex


def mother_cells(is_mother, first_child_born, *, short_breaks_only, looked_after_until) -> tuple[str, str]:
    """(MOTHER, MC_DOB) for the Header: see the module docstring."""
    if short_breaks_only or is_mother is None:
        return "", ""
    if not is_mother or first_child_born > looked_after_until:
        return "0", ""
    return "1", format_date(first_child_born)


def uasc_duc(is_uasc, ceased_on, date_of_birth, year) -> str | None:
    """The child's DUC cell in the year's UASC table, or None when the child has no row. A child is
    UASC until the status ceased (uasc_ceased_on), at the latest on their 18th birthday, and has a
    row in each year they were UASC in. DUC is that last day, as the DfE wants it for a child UASC
    in two returns (rule 205B): their 18th birthday, even after 31 March, unless the status ceased
    earlier, which a return shows from the year it happened in."""
    if not is_uasc and ceased_on is None:
        return None
    eighteenth = dfe_birthday(date_of_birth, 18)
    ends = ceased_on or eighteenth
    if ends < collection_start(year):
        return None
    return format_date(ends if ends <= collection_end(year) else eighteenth)


def build_rows(year: int) -> ReturnData:
    """The rows of the return for `year`, before any rule is checked."""
    start, end = collection_start(year), collection_end(year)
    in_year = outcome_rows.open_during(start, end, "start_date", "end_date")

    # Dates and codes repeat a great deal: one string object per distinct value keeps a return
    # for 100,000 children small in memory.
    seen: dict = {}
    share = seen.setdefault
    day = lru_cache(maxsize=None)(format_date)

    without_urn = urn_exempt_placements(year, "222")
    episode_rows = []
    episodes = CareEpisode.objects.filter(in_year).values_list("child__local_child_id", *EPISODE_FIELDS).order_by()
    for (
        child,
        decom,
        rne,
        ls,
        cin,
        place,
        provider,
        dec,
        rec,
        place_change,
        home_post,
        pl_post,
        urn,
    ) in episodes.iterator(chunk_size=5000):
        if dec is not None and dec > end:
            dec, rec, place_change = None, "", ""  # still open on 31 March
        if place in without_urn:
            urn = ""  # a provider Ofsted did not register that year (H5 up to 2022/23) had no URN to give
        child = share(child, child)
        episode_rows.append(
            (
                child,
                decom,
                dec,
                {
                    "CHILD": child,
                    "DECOM": day(decom),
                    "RNE": share(rne, rne),
                    "LS": share(ls, ls),
                    "CIN": share(cin, cin),
                    "PLACE": share(place, place),
                    "PLACE_PROVIDER": share(provider, provider),
                    "DEC": day(dec),
                    "REC": share(rec, rec),
                    "REASON_PLACE_CHANGE": share(place_change, place_change),
                    "HOME_POST": share(home_post, home_post),
                    "PL_POST": share(pl_post, pl_post),
                    "URN": share(urn, urn),
                },
            )
        )
    episode_rows.sort(key=lambda item: (item[0], item[1]))
    short_breaks_only: dict[str, bool] = {}
    looked_after_until: dict[str, datetime.date] = {}  # the child's last day in the return: latest DEC, or 31 March
    for child_id, _, dec, row in episode_rows:
        short_breaks_only[child_id] = short_breaks_only.get(child_id, True) and row["LS"] in rules.SHORT_BREAK_LS
        looked_after_until[child_id] = dec or end

    leavers = outcome_rows.care_leavers(year)
    leaver_records = outcome_rows.care_leaver_records(year)
    in_oc3 = leavers | leaver_records.keys()
    children = (
        Child.objects.filter(
            Exists(CareEpisode.objects.filter(in_year, child=OuterRef("pk")))
            | Q(date_of_birth__range=outcome_rows.care_leaver_age_range(year))
        )
        .values(
            "local_child_id",
            "date_of_birth",
            "sex",
            "ethnicity",
            "upn",
            "is_uasc",
            "uasc_ceased_on",
            "is_mother",
            "first_child_date_of_birth",
        )
        .order_by()
    )
    header_rows, uasc_rows, dob_text = [], [], {}
    for record in sorted(children.iterator(chunk_size=5000), key=lambda c: c["local_child_id"]):
        child_id, dob = record["local_child_id"], record["date_of_birth"]
        looked_after = child_id in looked_after_until
        if not looked_after and child_id not in in_oc3:
            continue
        dob_text[child_id] = day(dob)
        sex = sex_code(record["sex"], year)
        mother, first_child_born = (
            mother_cells(
                record["is_mother"],
                record["first_child_date_of_birth"],
                short_breaks_only=short_breaks_only[child_id],
                looked_after_until=looked_after_until[child_id],
            )
            if looked_after
            else ("", "")  # a care leaver not looked after in the year (rule 628)
        )
        header_rows.append(
            {
                "CHILD": child_id,
                "SEX": sex,
                "DOB": dob_text[child_id],
                "ETHNIC": record["ethnicity"],
                "UPN": record["upn"].strip().upper() or unknown_upn(dob, year),
                "MOTHER": mother,
                "MC_DOB": first_child_born,
            }
        )
        duc = uasc_duc(record["is_uasc"], record["uasc_ceased_on"], dob, year) if looked_after else None
        if duc is not None:
            uasc_rows.append({"CHILD": child_id, "SEX": sex, "DOB": dob_text[child_id], "DUC": duc})

    reviews = (
        Review.objects.filter(kind=ReviewKind.LAC, status=ReviewStatus.HELD, held_on__gte=start, held_on__lte=end)
        .values_list("child__local_child_id", "child__date_of_birth", "held_on", "participation_code")
        .order_by()
    )
    review_rows = []
    for child, dob, held_on, code in reviews.iterator(chunk_size=5000):
        if short_breaks_only.get(child):
            continue
        review_rows.append(
            (
                child,
                held_on,
                code,
                {
                    "CHILD": share(child, child),
                    "DOB": day(dob),
                    "REVIEW": day(held_on),
                    "REVIEW_CODE": share(code, code),
                },
            )
        )
    review_rows.sort(key=lambda item: item[:3])

    data = ReturnData(
        year,
        header=header_rows,
        episodes=[row for *_, row in episode_rows],
        reviews=[row for *_, row in review_rows],
        uasc=uasc_rows,
        oc3=outcome_rows.oc3_rows(leavers, leaver_records, dob_text, share, day),
    )
    outcome_rows.add_outcome_rows(data, dob_text, share, day)
    return data


def write_csv(table: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = COLUMN_ORDER[table]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


def previous_return(collection_year: int) -> ReturnData | None:
    """Last year's return as the portal last exported or imported it, or None."""
    stored = StoredReturn.objects.filter(year=collection_year - 1).first()
    if stored is None:
        return None
    tables = {table: list(csv.DictReader(io.StringIO(text))) for table, text in stored.tables.items()}
    return ReturnData(collection_year - 1, **tables)


def export_return(collection_year: int) -> ExportResult:
    data = build_rows(collection_year)
    data.previous = previous_return(collection_year)
    problems, queries = rules.check_return(data)
    result = ExportResult(
        year=collection_year,
        problems=problems,
        queries=queries,
        checked_against_last_year=data.previous is not None,
        counts={table: len(getattr(data, table)) for table in FILE_NAMES},
    )
    if problems:
        return result
    tables = [table for table in FILE_NAMES if table != "uasc" or data.uasc]
    result.files = {FILE_NAMES[table]: write_csv(table, getattr(data, table)) for table in tables}
    result.children = [row["CHILD"] for row in data.header]
    return result


def as_zip(result: ExportResult) -> bytes:
    """The files in one zip for a download; fixed timestamps, so the same files give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(result.files):
            info = zipfile.ZipInfo(name, date_time=(result.year, 3, 31, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, result.files[name].encode("utf-8"))
    return out.getvalue()


def problems_csv(problems: list[Problem]) -> str:
    """Problems (or queries) as a CSV for a download: CHILD, rule, problem."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["CHILD", "rule", "problem"])
    for problem in problems:
        writer.writerow([problem.child, problem.rule, problem.message])
    return out.getvalue()
