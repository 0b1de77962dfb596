"""The DfE's own published validation rules (the csc-validator-be-903 package) as a second check
on a return, beside the portal's rules in ssda903.rules.

The DfE package pins pandas<2 and numpy<1.25, so it lives in its own virtual environment
(.venv-dfe, made by scripts/setup-dfe-validator) and the portal runs its driver,
ssda903/dfe/run_validator.py, in a subprocess: the portal never imports it. `available()` says
whether that environment is there; `check_with_dfe` writes the files to a temporary folder, runs
the rule set of the year over them and returns what it found.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from children.codes import SHORT_BREAK_LEGAL_STATUSES

from .files import read_date
from .rules import Problem, placement_codes, year_label

if TYPE_CHECKING:
    from .exporter import ExportResult

DRIVER = Path(__file__).resolve().parent / "dfe" / "run_validator.py"
DEFAULT_TIMEOUT = 900  # seconds: the 5,000-child demo takes well under a minute


class DfeCheckError(RuntimeError):
    """The DfE validator could not be run, or gave no answer: nothing can be said of the files."""


@dataclass(frozen=True)
class DfeIssue:
    rule: str
    message: str
    table: str = ""  # the DfE's name for it: Header, Episodes, OC2...
    row: int | None = None  # 1-based data row of that table's file
    child: str = ""
    columns: tuple[str, ...] = ()
    ran: bool = True  # False: the rule raised an error on these files, so it checked nothing

    @property
    def is_query(self) -> bool:
        """The DfE queries these (the file is accepted, the records are asked about), as the
        portal's own rules have it."""
        return self.rule in query_rule_codes()


@dataclass
class DfeReport:
    year: int
    issues: list[DfeIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[DfeIssue]:
        return [issue for issue in self.issues if issue.ran and not issue.is_query]

    @property
    def queries(self) -> list[DfeIssue]:
        return [issue for issue in self.issues if issue.ran and issue.is_query]

    @property
    def rules_not_run(self) -> list[DfeIssue]:
        return [issue for issue in self.issues if not issue.ran]

    def counts_by_rule(self) -> list[tuple[str, str, int]]:
        """[(rule, message, rows)] for the issues that ran, most rows first."""
        counts = Counter(issue.rule for issue in self.issues if issue.ran)
        messages = {issue.rule: issue.message for issue in self.issues}
        return [(rule, messages[rule], count) for rule, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]


def query_rule_codes() -> frozenset[str]:
    from .rules import QUERY_RULES

    return frozenset(code for code, _ in QUERY_RULES)


def validator_python() -> Path:
    return Path(settings.DFE_VALIDATOR_PYTHON)


def available() -> bool:
    """Whether the DfE validator's environment is installed (scripts/setup-dfe-validator)."""
    return validator_python().is_file() and DRIVER.is_file()


def check_with_dfe(
    files: dict[str, str],
    year: int,
    previous: dict[str, str] | None = None,
    *,
    authority: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> DfeReport:
    """Run the DfE's rules for the collection year ending in `year` over `files` (file name ->
    CSV text, named as the export writes them) and, for the rules comparing two years, last
    year's files. Raises DfeCheckError when the validator is missing, fails or takes too long."""
    if not available():
        raise DfeCheckError(
            f"The DfE validator is not installed ({validator_python()} is missing): run scripts/setup-dfe-validator."
        )
    with tempfile.TemporaryDirectory(prefix="iro-903-dfe-") as folder:
        this_year = write_folder(Path(folder) / "this_year", files)
        command = [str(validator_python()), str(DRIVER), str(this_year), "--year", str(year)]
        command += ["--la", authority or settings.AUTHORITY_CODE]
        if previous:
            command += ["--previous", str(write_folder(Path(folder) / "last_year", previous))]
        try:
            finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise DfeCheckError(f"The DfE validator took longer than {timeout:.0f} seconds.") from error
    if finished.returncode != 0:
        detail = finished.stderr.strip().splitlines()[-1:] or ["no message"]
        raise DfeCheckError(
            f"The DfE validator failed on the {year_label(year)} files (exit {finished.returncode}): {detail[0]}"
        )
    try:
        rows = json.loads(finished.stdout)
    except json.JSONDecodeError as error:
        raise DfeCheckError("The DfE validator's answer was not the JSON expected.") from error
    return DfeReport(year, [issue_from(row) for row in rows])


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / Path(name).name).write_text(text, encoding="utf-8", newline="")
    return folder


def issue_from(row: dict) -> DfeIssue:
    return DfeIssue(
        rule=str(row["rule"]),
        message=str(row.get("message") or ""),
        table=str(row.get("table") or ""),
        row=row.get("row"),
        child=str(row.get("CHILD") or ""),
        columns=tuple(row.get("columns") or ()),
        ran=bool(row.get("ran", True)),
    )


def as_problem(issue: DfeIssue) -> Problem:
    """The issue as the portal lists its own problems: child, rule, and where in which file."""
    where = f"{issue.table} row {issue.row}" if issue.row else issue.table
    fields = f" ({', '.join(dict.fromkeys(issue.columns))})" if issue.columns else ""
    return Problem(issue.child, issue.rule, f"DfE validator, {where}{fields}: {issue.message}")


def validator_slips(report: DfeReport, files: dict[str, str]) -> list[DfeIssue]:
    """The errors that are slips in the DfE's published validator, not in the return (the
    portal's own port of each rule has passed the files):
    - 146 on a placement code the year's list has (K3 in 2024/25: ssda903.rules, PLACE_2025);
    - 218 (URN required) on a short break: its 214 forbids a short break a URN, so one of the two
      is reported on every short break; the portal follows 214 (ssda903.location_rules);
    - 575 and 577 on a child whose last episode is still open: given an OC3 file, its rule 165
      fills every blank DEC with 31 March in the one copy of the tables the later rules share,
      so a child missing on 31 March from a placement still open reads as missing after care;
    - 624 on a care leaver with no episode in the year: 628 wants their MOTHER blank and 612
      then their MC_DOB blank, so last year's MC_DOB cannot be repeated as 624 asks;
    - 1016 at all, once the portal's own 1016 has passed: the validator counts ages in years of
      365.2425 days, so a care leaver turning 18 on 31 March reads as 17 (ssda903.outcome_rules)."""
    episodes = list(csv.DictReader(io.StringIO(_file(files, "episodes.csv"))))
    places = [(row.get("PLACE") or "").strip() for row in episodes]
    legal_statuses = [(row.get("LS") or "").strip() for row in episodes]
    valid = placement_codes(report.year)
    latest: dict[str, tuple] = {}
    for row in episodes:
        child = (row.get("CHILD") or "").strip()
        started = read_date((row.get("DECOM") or "").strip()) or datetime.date.min
        if child not in latest or started >= latest[child][0]:
            latest[child] = (started, (row.get("DEC") or "").strip())
    still_open = {child for child, (_, ceased) in latest.items() if not ceased}

    def slip(issue: DfeIssue) -> bool:
        if issue.rule == "146" and issue.table == "Episodes" and issue.row:
            return 0 < issue.row <= len(places) and places[issue.row - 1] in valid
        if issue.rule == "218" and issue.table == "Episodes" and issue.row:
            return 0 < issue.row <= len(legal_statuses) and legal_statuses[issue.row - 1] in SHORT_BREAK_LEGAL_STATUSES
        if issue.rule in {"575", "577"}:
            return issue.child in still_open
        if issue.rule == "624":
            return bool(issue.child) and issue.child not in latest
        if issue.rule == "1016":
            return True
        return False

    return [issue for issue in report.errors if slip(issue)]


def _file(files: dict[str, str], name: str) -> str:
    return next((text for file_name, text in files.items() if file_name.endswith(name)), "")


def add_dfe_findings(result: ExportResult) -> DfeReport:
    """Check an export's files with the DfE's rules, against last year's return when one is held:
    its errors join result.problems (and the files are dropped, as for the portal's own rules),
    its queries result.queries. The validator's slips (validator_slips) stay in its report only."""
    from .selectors import stored_files

    report = check_with_dfe(result.files, result.year, stored_files(result.year - 1))
    result.dfe_report = report
    slips = validator_slips(report, result.files)
    result.problems.extend(as_problem(issue) for issue in report.errors if issue not in slips)
    result.queries.extend(as_problem(issue) for issue in report.queries)
    if result.problems:
        result.files, result.children = {}, []
    return report


def read_folder(folder: Path) -> dict[str, str]:
    """The 903 CSVs in a folder, by file name (any .csv: the validator tells tables by columns)."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.csv"))}
