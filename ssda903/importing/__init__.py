"""The stages of an SSDA903 import (ssda903.importer.import_return runs them in turn):

- read: each uploaded file becomes one table's rows (read.read_files);
- check: each row is checked and made a typed row, then the rows are checked across rows and
  files (check.RowChecker, check.check_across): every problem is a RowError;
- plan: the checked return is compared with the portal's records, and what would be created,
  updated and ended is worked out, without writing (plan.plan_import);
- apply: the plan is written in one transaction (apply.apply_plan).
"""

from dataclasses import dataclass


@dataclass
class RowError:
    file: str
    row: int | None  # line in the CSV as a spreadsheet shows it (the column names are row 1)
    child: str
    column: str
    value: str
    message: str

    @classmethod
    def of_file(cls, file: str, message: str) -> "RowError":
        """A problem with a whole file ("" for the import as a whole), not one of its rows."""
        return cls(file, None, "", "", "", message)
