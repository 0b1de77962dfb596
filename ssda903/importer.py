"""Importing an authority's SSDA903 return (Header, Episodes and optionally Reviews, UASC and the
six outcome tables: OC2, OC3, AD1, PlacedAdoption, PrevPerm and Missing).

The one service behind `manage.py import_903` and the upload page:

    result = import_return({"header.csv": data, "episodes.csv": data, ...}, by=user)

All or nothing. Every file is read and every row checked against the code lists and the core
rules of ../shared/DATA_DICTIONARY.md (sections 1-3) before anything is written; if any row is
wrong, nothing is written and `result.errors` lists every problem (file, row, CHILD, column,
value, what is wrong). Otherwise one transaction:

- creates children new to the portal (matched on CHILD = local_child_id, ignoring case) and
  updates SEX, DOB, ETHNIC, UPN, MOTHER and MC_DOB of known ones (a blank MOTHER: not recorded);
  names are never touched (the 903 has none: new children are shown as "Child <CHILD>" until
  someone enters their names). With a UASC file, it says which of the file's children with
  episodes are UASC (is_uasc, uasc_ceased_on = DUC, or none when DUC is the 18th birthday, as
  the portal writes it for a child still UASC); without one, known children keep their flag, as
  do care leavers not looked after in the year. A value stays as the portal has it when the
  return, written from the portal, would say what the file says (a UPN not recorded is written
  as UN1/UN5, a first child born after the child's last day in the return as MOTHER 0, MOTHER
  blank for short breaks only and for a care leaver with no episodes in the year, a DUC after
  the year as the 18th birthday), and
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
  episodes; episodes the same as the file's, HOME_POST, PL_POST and URN included, are not
  rewritten. The postcodes are stored as the portal writes them (NG1 5DT) with the placement's
  local authority, location and distance worked out from them (children.placement_location,
  in bulk). As the DfE's, rule 357 (first episode is
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
- brings in the outcome tables' rows, each file replacing only what it covers (OC2 and OC3 the
  child's record for the year, PrevPerm the child's record, AD1 the adoption with that match,
  PlacedAdoption and Missing the child's records open in the year): see
  ssda903.importing.outcome_records. Their rows are checked with the DfE's rules on one row
  (ssda903.outcome_rules), against the Header and across rows (ssda903.importing.outcome_tables).
- writes ONE audit event summarising the import (AuditAction.CREATE, object type
  "ssda903.import", counts in `detail`). Importing a return the portal itself wrote, the same
  files again, or an older year's return after a later one changes no row, and still writes
  that one event, with "changed": false, so the audit log shows who tried it. A dry run counts
  what would change (episodes added and replaced, per child) and writes nothing.

Everything is done with a fixed number of queries per few thousand rows (bulk reads in chunks,
bulk_create / bulk_update), never a query per row.
"""

import gc
import io
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event
from children.models import Child
from iro_portal.spreadsheets import SpreadsheetWriter

from .importing import RowError
from .importing.apply import apply_plan
from .importing.check import RowChecker, check_across
from .importing.outcome_records import COUNT_NAMES, REMOVED_NAMES
from .importing.plan import ImportPlan, plan_import
from .importing.read import Progress, read_files, report_progress

__all__ = ["ImportResult", "RowError", "errors_csv", "import_return"]

OUTCOME_COUNTS = (*COUNT_NAMES.values(), *REMOVED_NAMES.values())


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
    # Records of the outcome tables written (created or changed), and the portal's replaced.
    health_records: int = 0  # OC2
    care_leaver_records: int = 0  # OC3
    adoptions: int = 0  # AD1
    adoption_decisions: int = 0  # PlacedAdoption
    adoption_decisions_removed: int = 0
    previous_permanences: int = 0  # PrevPerm
    missing_episodes: int = 0  # Missing
    missing_episodes_removed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def outcome_counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in OUTCOME_COUNTS}

    @property
    def changed(self) -> bool:
        return bool(
            self.children_created
            or self.children_updated
            or self.episodes
            or self.reviews_added
            or self.next_reviews_scheduled
            or any(self.outcome_counts.values())
        )


def errors_csv(errors: Iterable[RowError]) -> str:
    """The errors as a CSV for download: file, row, CHILD, column, value, problem."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(["file", "row", "CHILD", "column", "value", "problem"])
    for error in errors:
        writer.writerow(
            [error.file, "" if error.row is None else error.row, error.child, error.column, error.value, error.message]
        )
    return out.getvalue()


# PostgreSQL advisory lock key ("903"): held by the import that is writing.
IMPORT_LOCK_KEY = 903


@contextmanager
def _one_import_at_a_time(dry_run: bool) -> Iterator[None]:
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


def import_return(
    files: Mapping[str, Any],
    *,
    by: Any = None,
    dry_run: bool = False,
    progress: Progress = None,
    today: date | None = None,
    request: Any = None,
) -> ImportResult:
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
                RowError.of_file(
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


def _import_return(
    files: Mapping[str, Any], *, by: Any, dry_run: bool, progress: Progress, today: date | None, request: Any
) -> ImportResult:
    today = today or timezone.localdate()
    file_order = {name: index for index, name in enumerate(files)}

    def in_file_order(errors: list[RowError]) -> list[RowError]:
        return sorted(errors, key=lambda e: (file_order.get(e.file, -1), e.row or 0))

    # Read each file and check its rows, keeping only the typed rows, then check across them.
    checker = RowChecker(today)
    tables: dict[str, list[tuple]] = {}
    texts: dict[str, Any] = {}  # table -> the file as given
    for returned in read_files(files, checker.errors, progress):
        tables[returned.table] = checker.rows_of(returned)
        texts[returned.table] = returned.data
        del returned
    checked = check_across(checker, tables, texts, progress)
    if checker.errors:
        return ImportResult(dry_run=dry_run, errors=in_file_order(checker.errors))

    plan = plan_import(checked, today=today, progress=progress)
    if plan.errors:
        return ImportResult(
            dry_run=dry_run,
            errors=in_file_order(plan.errors),
            children_in_file=plan.children_in_file,
            episodes_added=plan.episodes_added,
            episodes_removed=plan.episodes_removed,
            children_episodes_replaced=plan.children_episodes_replaced,
        )
    result = _result_of(plan, dry_run=dry_run)
    if dry_run:
        return result

    with transaction.atomic():
        apply_plan(plan, by=by, progress=progress)
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
                "children_with_episodes_replaced": len(plan.replaced),
                "episodes": result.episodes,
                "reviews_added": result.reviews_added,
                "next_reviews_scheduled": result.next_reviews_scheduled,
                "unchanged_children": result.unchanged_children,
                "episodes_added": result.episodes_added,
                "episodes_replaced": result.episodes_removed,
                **result.outcome_counts,
            },
        )
    total = plan.writes or 1
    report_progress(progress, total, total, "done")
    return result


def _result_of(plan: ImportPlan, *, dry_run: bool) -> ImportResult:
    result = ImportResult(
        dry_run=dry_run,
        children_in_file=plan.children_in_file,
        children_created=len(plan.new_children),
        children_updated=len(plan.changed_children),
        episodes=plan.episodes,
        episodes_added=plan.episodes_added,
        episodes_removed=plan.episodes_removed,
        children_episodes_replaced=plan.children_episodes_replaced,
        reviews_added=len(plan.new_reviews),
        unchanged_children=plan.unchanged_children,
        next_reviews_scheduled=plan.next_reviews_scheduled,
        next_reviews_estimated=plan.next_reviews_estimated,
    )
    for name, count in plan.outcomes.counts().items():
        setattr(result, name, count)
    return result
