"""python manage.py check_903_with_dfe DIR --year 2026 [--previous DIR] [--la E06000018] [--list]

Runs the DfE's published SSDA903 rule set for the year (csc-validator-be-903, in .venv-dfe:
scripts/setup-dfe-validator) over a folder of 903 CSVs, such as export_903 writes or an authority's
own files, and prints how many rows break each rule (--list: every row too). Exits non-zero when
any error is found. Reads the folder only: the portal's records are not touched."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ssda903.dfe_check import DfeCheckError, available, check_with_dfe, read_folder
from ssda903.rules import year_label


class Command(BaseCommand):
    help = "Check a folder of SSDA903 CSVs with the DfE's published validator and count the issues by rule."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="Folder holding the year's CSVs (header.csv, episodes.csv, ...).")
        parser.add_argument("--year", type=int, required=True, help="Collection year by its end: 2026 = 2025/26.")
        parser.add_argument("--previous", default=None, help="Folder holding last year's CSVs.")
        parser.add_argument("--la", default=None, help="The authority's ONS code. Default: AUTHORITY_CODE.")
        parser.add_argument("--list", action="store_true", help="Print every issue, not only the counts.")

    def handle(self, *args, folder, year, previous=None, la=None, list=False, **options):
        if not available():
            raise CommandError("The DfE validator is not installed: run scripts/setup-dfe-validator.")
        files = read_folder(Path(folder))
        if not files:
            raise CommandError(f"No CSV files in {folder}.")
        last_year = read_folder(Path(previous)) if previous else None
        began = time.monotonic()
        try:
            report = check_with_dfe(files, year, last_year, authority=la)
        except DfeCheckError as error:
            raise CommandError(str(error)) from error
        seconds = time.monotonic() - began
        if list:
            for issue in report.issues:
                if issue.ran:
                    self.stdout.write(
                        f"{issue.rule}\t{issue.table}\t{issue.row}\t{issue.child}\t{','.join(issue.columns)}"
                    )
        self.stdout.write(f"{'rule':<10}{'rows':>7}  message")
        for rule, message, count in report.counts_by_rule():
            kind = " (query)" if rule in {issue.rule for issue in report.queries} else ""
            self.stdout.write(f"{rule:<10}{count:>7}  {message}{kind}")
        for issue in report.rules_not_run:
            self.stdout.write(f"{issue.rule:<10}{'-':>7}  (the validator could not run this rule on these files)")
        self.stdout.write(
            f"{len(report.errors)} error(s) and {len(report.queries)} query(ies) under the DfE's "
            f"{year_label(year)} rules, in {', '.join(files)}"
            f"{' (with last year)' if last_year else ''}; {seconds:.1f}s."
        )
        if report.errors:
            raise SystemExit(1)
