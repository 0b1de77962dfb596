"""python manage.py export_903 [--year 2025] --out DIR

Writes the SSDA903 return for a collection year (2025 = 1 April 2024 to 31 March 2025; by default
the last completed year) as header.csv, episodes.csv, reviews.csv, oc2.csv, oc3.csv, ad1.csv,
placed_for_adoption.csv, previous_permanence.csv, missing.csv and, when any child was UASC,
uasc.csv. If the data would break a DfE validation rule, nothing is written: every problem is
listed (child, rule, message) and the command exits non-zero. The same service as the download
page (ssda903.services.export_files): audited, and the return written is kept as the one the
next year's export checks against.

The files are also checked with the DfE's own published rule set for the year (the
csc-validator-be-903 package, in .venv-dfe: scripts/setup-dfe-validator) whenever it is installed,
and refused in the same way when it reports errors; --dfe-check insists on it (an error if it is
not installed), --no-dfe-check skips it."""

import argparse
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from outcomes.years import last_completed_year
from ssda903 import dfe_check as dfe_check_module
from ssda903.rules import year_label
from ssda903.services import export_files


class Command(BaseCommand):
    help = "Write the SSDA903 return (all its tables, as CSVs) for a collection year."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Collection year, named by the year it ends: 2025 = 2024/25. Default: the last completed year.",
        )
        parser.add_argument("--out", required=True, help="Folder to write the CSV files to (created if needed).")
        parser.add_argument(
            "--dfe-check",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Check the files with the DfE's published validator too (scripts/setup-dfe-validator installs "
            "it) and write nothing if it reports errors. Default: on when it is installed.",
        )

    def handle(self, *args, year=None, out=None, dfe_check=None, **options):
        year = year or last_completed_year(timezone.localdate())
        if not 1992 <= year <= 2100:
            raise CommandError(f"--year {year} is not a collection year (e.g. 2025 for 2024/25).")
        if dfe_check and not dfe_check_module.available():
            raise CommandError(
                "--dfe-check: the DfE validator is not installed; run scripts/setup-dfe-validator "
                "(or leave out --dfe-check)."
            )
        began = time.monotonic()
        try:
            result, _ = export_files(
                year,
                by=None,
                queries_seen=True,
                dfe_check=dfe_check_module.available() if dfe_check is None else dfe_check,
            )
        except dfe_check_module.DfeCheckError as error:
            raise CommandError(f"The {year_label(year)} return was not written: {error}") from error
        if result.dfe_report is not None:
            for issue in result.dfe_report.rules_not_run:
                self.stderr.write(f"Note: the DfE validator could not run rule {issue.rule} on these files.")
        for query in result.queries:
            self.stderr.write(f"Query {query.rule}, child {query.child}: {query.message}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"Child {problem.child or '(none)'}: rule {problem.rule}: {problem.message}")
            children = len({problem.child for problem in result.problems})
            raise CommandError(
                f"The {year_label(year)} return was not written: {len(result.problems)} problem(s) for "
                f"{children} child(ren) would make the DfE reject it."
            )
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in result.files.items():
            (folder / name).write_text(text, encoding="utf-8", newline="")
        counts = ", ".join(f"{table} {count}" for table, count in result.counts.items())
        checked = (
            "checked with the DfE's validator"
            if result.dfe_report is not None
            else "not checked with the DfE's validator"
        )
        self.stdout.write(
            f"Wrote the {year_label(year)} return to {folder}: {', '.join(result.files)} ({counts}; {checked}) "
            f"in {time.monotonic() - began:.1f}s."
        )
