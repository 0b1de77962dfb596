"""Read stage: which table each uploaded file is, and its rows (ssda903.files.read_csv). A file
that cannot be read, a second file of a table, or a missing Header or Episodes file is a
RowError with no row."""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..files import TABLE_LABELS, FileError, read_csv
from . import RowError

Progress = Callable[[int, int, str], None] | None
Rows = list[tuple[int, dict[Any, Any]]]
REQUIRED_TABLES = ("header", "episodes")


@dataclass
class ReturnFile:
    name: str
    table: str
    data: Any  # the file as given: kept as the year's return (StoredReturn)
    rows: Rows  # (row number as a spreadsheet shows it, {column: value})


def read_files(files: Mapping[str, Any], errors: list[RowError], progress: Progress = None) -> Iterator[ReturnFile]:
    """Each readable file of `files` ({name: bytes, text or file object}), one at a time, so
    that its rows can be dropped before the next is read. Problems are added to `errors`."""
    first_of: dict[str, str] = {}  # table -> the name of its file
    for index, (name, data) in enumerate(files.items()):
        report_progress(progress, index, len(files), "reading")
        try:
            table, rows = read_csv(data, name)
        except FileError as error:
            errors.append(RowError(name, 1 if error.column else None, "", error.column, "", error.message))
            continue
        if table in first_of:
            errors.append(
                RowError.of_file(
                    name,
                    f"This is a second {TABLE_LABELS[table]} file (the first is {first_of[table]}): give one of each.",
                )
            )
            continue
        first_of[table] = name
        yield ReturnFile(name, table, data, rows)
        del rows  # before the next file is read
    report_progress(progress, len(files), len(files), "reading")
    for table in REQUIRED_TABLES:  # unless a file was refused, which may have been the one
        if table not in first_of and not any(error.row is None or error.row == 1 for error in errors):
            errors.append(
                RowError.of_file(
                    "",
                    f"No {TABLE_LABELS[table]} file was given: the import needs a Header and an Episodes file, "
                    "and may have Reviews, UASC, OC2, OC3, AD1, PlacedAdoption, PrevPerm and Missing files.",
                )
            )


def report_progress(progress: Progress, done: int, total: int, stage: str) -> None:
    if progress is not None:
        progress(done, total, stage)
