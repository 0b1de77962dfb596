"""python manage.py export_903 [--year 2025] --out DIR

Writes the SSDA903 return for a collection year (2025 = 1 April 2024 to 31 March 2025; by default
the last completed year) as header.csv, episodes.csv, reviews.csv and, when any child was UASC,
uasc.csv. If the data would break a DfE validation rule, nothing is written: every problem is
listed (child, rule, message) and the command exits non-zero. The same service as the download
page (ssda903.services.export_files): audited, and the return written is kept as the one the
next year's export checks against."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ssda903.exporter import last_completed_year
from ssda903.rules import year_label
from ssda903.services import export_files


class Command(BaseCommand):
    help = "Write the SSDA903 return (Header, Episodes, Reviews, UASC CSVs) for a collection year."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="Collection year, named by the year it ends: 2025 = 2024/25. Default: the last completed year.",
        )
        parser.add_argument("--out", required=True, help="Folder to write the CSV files to (created if needed).")

    def handle(self, *args, year=None, out=None, **options):
        year = year or last_completed_year(timezone.localdate())
        if not 1992 <= year <= 2100:
            raise CommandError(f"--year {year} is not a collection year (e.g. 2025 for 2024/25).")
        began = time.monotonic()
        result, _ = export_files(year, by=None, queries_seen=True)
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
        self.stdout.write(
            f"Wrote the {year_label(year)} return to {folder}: {', '.join(result.files)} ({counts}) "
            f"in {time.monotonic() - began:.1f}s."
        )
