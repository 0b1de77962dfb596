"""Writes for the SSDA903 pages: an upload becomes an ImportRun whose Celery task imports the
files through ssda903.importer.import_return (the same service as `manage.py import_903`), and
an export runs ssda903.exporter.export_return. Both are audited."""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_children_shown, record_event

from .models import (
    COUNT_FIELDS,
    MAX_FILES,
    MAX_UPLOAD_BYTES,
    ImportFile,
    ImportRun,
    ImportStatus,
    ReturnSource,
    StoredReturn,
)
from .selectors import children_by_local_id

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.http import HttpRequest

    from accounts.models import User

    from .exporter import ExportResult

logger = logging.getLogger(__name__)

# Store at most this many row errors on a run (the true number is in error_count): enough for any
# real return, and a bound on a file of nonsense.
MAX_STORED_ERRORS = 100_000
# List at most this many children whose episodes an import replaces (the true number is kept).
MAX_LISTED_CHILDREN = 1000
# Save progress only when it has moved on by this many per cent (or the stage has changed).
PROGRESS_STEP = 2
ERROR_FIELDS = ("file", "row", "child", "column", "value", "message")


# --- Collection years ---------------------------------------------------------------------------


def collection_year_label(year: int) -> str:
    """The DfE's naming: a collection year is named by the year it ends in (2025 = 2024/25)."""
    from .rules import year_label

    return f"{year_label(year)} (April {year - 1} to March {year})"


def last_completed_collection_year(on: date | None = None) -> int:
    from outcomes.years import last_completed_year

    return last_completed_year(on or timezone.localdate())


def recent_collection_years(on: date | None = None, count: int = 5) -> list[tuple[int, str]]:
    """The year in progress and the completed ones before it, newest first, as (year, label)."""
    last = last_completed_collection_year(on)
    return [(year, collection_year_label(year)) for year in range(last + 1, last + 1 - count, -1)]


# --- Import -------------------------------------------------------------------------------------


def _read(upload: Any) -> bytes:
    if isinstance(upload, (bytes, bytearray)):
        return bytes(upload)
    if isinstance(upload, str):
        return upload.encode("utf-8")
    if hasattr(upload, "chunks"):
        return b"".join(upload.chunks())
    return upload.read()


def start_import(
    files: Mapping[str, Any], *, by: User, dry_run: bool = False, request: HttpRequest | None = None
) -> ImportRun:
    """Keep the uploaded files on a new ImportRun and send ssda903.tasks.run_import once this
    transaction commits. `files` is {filename: bytes, str or uploaded file}."""
    from .tasks import run_import as run_import_task

    if not files:
        raise ValidationError({"files": "Choose at least one CSV file of the return."})
    if len(files) > MAX_FILES:
        raise ValidationError({"files": f"Choose at most {MAX_FILES} files."})
    sizes = {name: getattr(upload, "size", None) for name, upload in files.items()}
    if sum(size or 0 for size in sizes.values()) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"files": f"The files must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB in all."}
        )
    contents = {name: _read(upload) for name, upload in files.items()}
    if sum(len(content) for content in contents.values()) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"files": f"The files must be smaller than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB in all."}
        )
    empty = sorted(name for name, content in contents.items() if not content.strip())
    if empty:
        raise ValidationError({"files": f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty."})
    with transaction.atomic():
        run = ImportRun.objects.create(uploaded_by=by, dry_run=dry_run)
        ImportFile.objects.bulk_create(
            ImportFile(run=run, name=name, content=content, size=len(content)) for name, content in contents.items()
        )
        record_event(
            action=AuditAction.CREATE,
            user=by,
            obj=run,
            request=request,
            detail={
                "what": "SSDA903 import",
                "dry_run": dry_run,
                "files": {name: len(content) for name, content in contents.items()},
            },
        )
        transaction.on_commit(lambda: run_import_task.delay(run.pk))
    return run


def import_checked_files(run: ImportRun, *, by: User, request: HttpRequest | None = None) -> ImportRun:
    """Import the files of a check (a dry run that found no errors) after the person has seen
    what it would change: a new run with the same files, so nothing is uploaded twice."""
    if not run.dry_run or run.status != ImportStatus.SUCCEEDED:
        raise ValidationError("Only a check that found no errors can be imported from here: upload the files again.")
    return start_import({file.name: bytes(file.content) for file in run.files.all()}, by=by, request=request)


class _ProgressWriter:
    """Saves the import's progress where the page can see it. The importer reports (done, total,
    stage) afresh for each stage; each stage here has its share of the bar, so the bar only moves
    forward. The importer writes in one transaction (all or nothing), so an update through the
    task's own connection would stay invisible until the end; on PostgreSQL the updates go
    through a second connection instead, committed at once. Progress is only a display: a
    failure to save it never stops the import."""

    SQL = "UPDATE ssda903_importrun SET progress = %s, stage = %s WHERE id = %s AND status = %s"
    # The importer's stages and their share of the bar (per cent).
    BANDS = {
        "reading": (0, 15),
        "checking episodes": (15, 45),
        "comparing with the portal": (45, 55),
        "writing": (55, 99),
        "done": (99, 99),
    }
    LABELS = {
        "reading": "Reading the files",
        "checking episodes": "Checking the rows",
        "comparing with the portal": "Comparing with the portal's records",
        "writing": "Writing the records",
        "done": "Finishing",
    }

    def __init__(self, run: ImportRun):
        self.run = run
        self.saved_percent: int | None = None
        self.saved_stage: str | None = None
        self.band = (0, 99)
        self.side_connection: BaseDatabaseWrapper | None = None

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        stage = str(stage or "")
        self.band = self.BANDS.get(stage, self.band)
        low, high = self.band
        fraction = min(max(done / total, 0), 1) if total else 0
        percent = max(int(low + (high - low) * fraction), self.saved_percent or 0)
        label = self.LABELS.get(stage, stage[:1].upper() + stage[1:])[:200]
        if (
            self.saved_percent is not None
            and percent < self.saved_percent + PROGRESS_STEP
            and label == self.saved_stage
        ):
            return
        self.saved_percent, self.saved_stage = percent, label
        try:
            self._save(percent, label)
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - see the class docstring
            logger.warning("Could not save the progress of SSDA903 import %s", self.run.pk, exc_info=True)

    def _save(self, percent: int, stage: str) -> None:
        params: list[int | str] = [percent, stage, self.run.pk, ImportStatus.RUNNING]
        if connection.in_atomic_block and connection.vendor == "postgresql":
            if self.side_connection is None:
                self.side_connection = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.side_connection.cursor() as cursor:
                cursor.execute(self.SQL, params)
        else:
            with connection.cursor() as cursor:
                cursor.execute(self.SQL, params)

    def close(self) -> None:
        if self.side_connection is not None:
            self.side_connection.close()


def error_as_dict(error: Any) -> dict[str, Any]:
    if isinstance(error, dict):
        return {field: error.get(field) for field in ERROR_FIELDS}
    if is_dataclass(error) and not isinstance(error, type):
        data = asdict(error)
        return {field: data.get(field) for field in ERROR_FIELDS}
    return {field: getattr(error, field, None) for field in ERROR_FIELDS}


def _finish(run: ImportRun, **fields: Any) -> None:
    fields.setdefault("finished_at", timezone.now())
    ImportRun.objects.filter(pk=run.pk).update(**fields)


def run_import(run_id: int) -> ImportRun:
    """The Celery task's work: import the run's files, saving progress as it goes, then the
    counts, or every error (nothing is written when there is one)."""
    from .importer import import_return

    run = ImportRun.objects.select_related("uploaded_by").get(pk=run_id)
    if run.finished:
        return run
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.RUNNING, progress=0, stage="Reading the files", started_at=timezone.now()
    )
    files = {file.name: bytes(file.content) for file in run.files.all()}
    writer = _ProgressWriter(run)
    try:
        result = import_return(files, by=run.uploaded_by, dry_run=run.dry_run, progress=writer)
    except SoftTimeLimitExceeded:
        _finish(
            run,
            status=ImportStatus.ERROR,
            stage="",
            failure=(
                f"The import was stopped after {settings.IMPORT_903_SOFT_TIME_LIMIT / 60:g} minutes "
                "(IMPORT_903_SOFT_TIME_LIMIT): nothing was imported."
            ),
        )
        raise
    except Exception as error:
        _finish(run, status=ImportStatus.ERROR, stage="", failure=f"{type(error).__name__}: {error}"[:2000])
        raise
    finally:
        writer.close()
    errors = list(result.errors or [])
    counts = {field: getattr(result, field, 0) or 0 for field in COUNT_FIELDS}
    if errors:
        _finish(
            run,
            status=ImportStatus.FAILED,
            progress=100,
            stage="",
            error_count=len(errors),
            errors=[error_as_dict(error) for error in errors[:MAX_STORED_ERRORS]],
            **counts,
        )
    else:
        replaced = [list(child) for child in getattr(result, "children_episodes_replaced", [])]
        _finish(
            run,
            status=ImportStatus.SUCCEEDED,
            progress=100,
            stage="",
            next_reviews_estimated=result.next_reviews_estimated,
            children_episodes_replaced=replaced[:MAX_LISTED_CHILDREN],
            children_with_episodes_replaced=len(replaced),
            **counts,
        )
    run.refresh_from_db()
    return run


def errors_csv_for(run: ImportRun) -> str:
    """The run's errors as CSV, in the importer's own layout."""
    from .importer import RowError, errors_csv

    return errors_csv([RowError(**error) for error in run.errors])


def record_errors_download(run: ImportRun, *, by: User, request: HttpRequest | None = None) -> None:
    record_event(
        action=AuditAction.EXPORT,
        user=by,
        obj=run,
        request=request,
        detail={"what": "SSDA903 import errors", "rows": len(run.errors)},
    )


# --- Export -------------------------------------------------------------------------------------


def store_return(year: int, source: str, tables: Mapping[str, str], *, by: User | None = None) -> None:
    """Keep the year's return (CSV text by table) as the one next year's export checks against."""
    StoredReturn.objects.filter(year=year).delete()
    StoredReturn.objects.create(year=year, source=source, tables=tables, stored_by=by)


def zip_of(files: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text if isinstance(text, (bytes, bytearray)) else text.encode("utf-8"))
    return buffer.getvalue()


def export_files(
    year: int,
    *,
    by: User,
    request: HttpRequest | None = None,
    queries_seen: bool = False,
    dfe_check: bool = False,
) -> tuple[ExportResult, bytes | None]:
    """The return for a collection year: (result, ZIP bytes). The ZIP is None when the data would
    break a DfE rule (result.problems names each child and rule, and nothing is written), and
    when the DfE would query some records and the user has not yet seen which (result.queries):
    the files pass, but the DfE will ask about those records, so the user sees them first.
    With dfe_check, files that pass the portal's rules are also run through the DfE's published
    validator (ssda903.dfe_check), whose errors refuse the return in the same way; DfeCheckError
    when it cannot run, before anything is stored."""
    from .exporter import export_return

    result = export_return(year)
    if dfe_check and result.ok:
        from .dfe_check import add_dfe_findings

        add_dfe_findings(result)
    problems = list(result.problems or [])
    queries = list(result.queries or [])
    if problems:
        outcome = "refused"
    elif queries and not queries_seen:
        outcome = "queries shown"
    else:
        outcome = "written"
    archive = zip_of(result.files) if outcome == "written" else None
    if archive is not None:
        from .exporter import FILE_NAMES

        store_return(
            year,
            ReturnSource.EXPORTED,
            {table: result.files[name] for table, name in FILE_NAMES.items() if name in result.files},
            by=by,
        )
    if outcome == "written":
        shown = result.children
    else:
        shown = [problem.child for problem in problems or queries]
    child_ids = list(dict.fromkeys(pk for _, pk in children_by_local_id([child for child in shown if child]) if pk))
    with transaction.atomic():
        event = record_event(
            action=AuditAction.EXPORT,
            user=by,
            object_type="ssda903.return",
            object_id=str(year),
            request=request,
            detail={
                "what": "SSDA903 return",
                "collection_year": year,
                "outcome": outcome,
                "files": sorted(result.files) if archive is not None else [],
                "problems": len(problems),
                "queries": len(queries),
                "checked_with_dfe_validator": result.dfe_report is not None,
                "child_ids": child_ids,
            },
        )
        record_children_shown(event, child_ids)
    return result, archive
