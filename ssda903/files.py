"""SSDA903 CSV files (../shared/DATA_DICTIONARY.md section 1): which table a file is, reading it,
and the DD/MM/YYYY dates it uses.

A table is recognised by its exact set of column names (order irrelevant, nothing missing,
nothing extra), never by the file's name. Every value is read as a string, stripped and
upper-cased; an empty cell is "".
"""

import csv
import io
import re
from datetime import date
from functools import lru_cache

# Each table's columns, in the order files are written (DATA_DICTIONARY.md order). A file is
# recognised by the set alone.
COLUMN_ORDER = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": [
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "oc2": [
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "ad1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
    "placed_adoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    "prev_perm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
}

TABLES = {table: frozenset(columns) for table, columns in COLUMN_ORDER.items()}
MAX_COLUMNS = max(len(columns) for columns in TABLES.values())
TABLE_LABELS = {
    "header": "Header",
    "episodes": "Episodes",
    "reviews": "Reviews",
    "uasc": "UASC",
    "oc2": "OC2",
    "oc3": "OC3",
    "ad1": "AD1",
    "placed_adoption": "PlacedAdoption",
    "prev_perm": "PrevPerm",
    "missing": "Missing",
}


class FileError(ValueError):
    """A whole file cannot be read: not UTF-8, empty, or columns matching no 903 table.
    `column` names the offending column when there is one."""

    def __init__(self, message, *, column=""):
        super().__init__(message)
        self.message = message
        self.column = column


def recognise(columns):
    """The table (a key of COLUMN_ORDER) whose column set is exactly
    `columns` (case and surrounding spaces ignored), or None."""
    found = {str(column).strip().upper() for column in columns}
    for table, expected in TABLES.items():
        if found == expected:
            return table
    return None


def describe_mismatch(columns):
    """For columns matching no table: the closest table and what is missing or extra, as
    (message, first offending column)."""
    found = [str(column).strip().upper() for column in columns]
    found_set = set(found)
    table = max(TABLES, key=lambda name: (len(TABLES[name] & found_set), -len(TABLES[name] ^ found_set)))
    expected = TABLES[table]
    missing = sorted(expected - found_set, key=COLUMN_ORDER[table].index)
    extra = [column for column in found if column not in expected]
    parts = []
    if missing:
        parts.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(c or '(blank)' for c in extra)}")
    message = (
        f"The columns do not match any SSDA903 table; closest is {TABLE_LABELS[table]} "
        f"({', '.join(COLUMN_ORDER[table])}): {'; '.join(parts)}."
    )
    return message, (missing or extra or [""])[0]


def _decode(data):
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
            'Save it from your spreadsheet as "CSV UTF-8" and try again.'
        ) from error


def text_of(data):
    """The text of a file given as bytes, text or a file object (read from its start)."""
    if hasattr(data, "read"):
        if hasattr(data, "seek"):
            try:
                data.seek(0)
            except (OSError, ValueError):
                pass
        data = data.read()
    return _decode(data)


def read_csv(file_obj_or_bytes, name=""):
    """Read one 903 CSV. Returns (table, rows): rows are (row number, {column: value}) with the
    row number as a spreadsheet shows it (the header row is 1); blank lines are skipped.
    Raises FileError when the file cannot be read or its columns match no table."""
    text = text_of(file_obj_or_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = next(reader)
    except StopIteration:
        raise FileError("The file is empty: the first row must hold the column names.") from None
    except csv.Error as error:
        raise FileError(f"The file is not a readable CSV ({error}).") from None
    if len(columns) > 2 * MAX_COLUMNS:
        # Before any work per column: a file of thousands of columns is no 903 table. One with
        # a few columns too many is refused below, told which they are.
        raise FileError(
            f"The file has {len(columns):,} columns: an SSDA903 table has at most {MAX_COLUMNS}. "
            "Check that it is one table of the return, saved as CSV."
        )
    columns = [column.strip().upper() for column in columns]
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        raise FileError(f"Column {duplicated[0]} appears more than once.", column=duplicated[0])
    table = recognise(columns)
    if table is None:
        message, column = describe_mismatch(columns)
        raise FileError(message, column=column)
    width = len(columns)
    seen = {}  # one string object per distinct value: codes and dates repeat a great deal
    rows = []
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < width:
                record = record + [""] * (width - len(record))
            values = {}
            for column, cell in zip(columns, record):
                value = seen.get(cell)
                if value is None:
                    value = cell.strip().upper()
                    value = seen[cell] = seen.setdefault(value, value)
                values[column] = value
            if len(record) > width and any(cell.strip() for cell in record[width:]):
                values[None] = [cell for cell in record[width:] if cell.strip()]
            rows.append((number, values))
    except csv.Error as error:
        raise FileError(f"The file is not a readable CSV near row {reader.line_num} ({error}).") from None
    return table, rows


_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


@lru_cache(maxsize=65536)
def read_date(value: str | None) -> date | None:
    """A date as the DfE's validator reads one (pandas, format "%d/%m/%Y", errors coerced): day
    and month of one or two digits, a four-digit year. None for a blank and for anything else,
    an impossible day such as 31/02/2020 or an ISO date such as 2022-12-15 included."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(value: str | None) -> date:
    """read_date, for a date that must be there: raises ValueError where it reads none."""
    day = read_date(value)
    if day is None:
        raise ValueError(f"{value!r} is not a date in the form DD/MM/YYYY")
    return day


def format_date(value):
    """DD/MM/YYYY, or "" for None."""
    if value is None:
        return ""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
