"""CSV files people open in a spreadsheet: the import errors, the audit log, the annual report's
figures. A text cell that a spreadsheet would run as a formula (a CHILD value or a username
typed by anyone) is neutralised as OWASP recommends for CSV injection: an apostrophe in front,
the cell quoted. Numbers stay numbers. The SSDA903 return itself is not written here: the DfE
format is byte-exact, and its CHILD identifiers cannot start with these characters anyway.
"""

import csv
import re
from decimal import Decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A figure such as -3 or -12.5 written as text is data, not a formula: it stays as it is.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_safe(value):
    """The cell as a spreadsheet may show it without running anything: numbers and empty cells
    unchanged, text starting with = + - @ TAB or CR after an apostrophe."""
    if value is None or isinstance(value, (int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(text):
        return f"'{text}"
    return text


class SpreadsheetWriter:
    """csv.writer for a file a person opens: every text cell quoted and made safe. `writerow`
    returns what the file's `write` returns, as csv.writer does (so rows can be streamed)."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, quoting=csv.QUOTE_NONNUMERIC, **options)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
