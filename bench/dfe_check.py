#!/usr/bin/env python
"""The demo measured against the DfE's published SSDA903 rules (not run by the test suite).
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench_dfe \\
        .venv/bin/python bench/dfe_check.py --children 600 --seed 1 [--years 2025 2026] [--out FILE]
Seeds the demo (seed_demo: replaces the demo data in that database), exports each collection year
with the portal's own rules (ssda903.exporter.export_return; kept as export_903 keeps it, for the
next year's rules comparing two years, after any kept before are deleted when it seeds), runs the DfE's
validator over it (ssda903.dfe_check: .venv-dfe, made by scripts/setup-dfe-validator), each year
against the one before, and prints the issues by rule with the time the DfE check took: wall
clock and the validator process's CPU seconds (wall clock depends on what else the machine runs).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from ssda903 import dfe_check  # noqa: E402
from ssda903.exporter import FILE_NAMES, export_return  # noqa: E402
from ssda903.models import ReturnSource, StoredReturn  # noqa: E402
from ssda903.rules import year_label  # noqa: E402
from ssda903.services import store_return  # noqa: E402


def child_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(years: list[int]) -> list[str]:
    lines = []
    previous_files = None
    for year in years:
        result = export_return(year)
        if result.problems:
            lines.append(
                f"{year_label(year)}: the portal's own rules refuse the export ({len(result.problems)} problems)"
            )
            previous_files = None
            continue
        began, cpu = time.monotonic(), child_cpu_seconds()
        report = dfe_check.check_with_dfe(result.files, year, previous_files)
        wall, cpu = time.monotonic() - began, child_cpu_seconds() - cpu
        against = " against last year's" if previous_files else ""
        counts = ", ".join(f"{table} {count}" for table, count in result.counts.items())
        lines.append(
            f"{year_label(year)} ({counts}){against}: {len(report.errors)} DfE error(s), {len(report.queries)} "
            f"query(ies); DfE check {wall:.1f}s wall, {cpu:.1f}s CPU"
        )
        lines.append(f"  {'rule':<6}{'rows':>6}  message")
        for rule, message, count in report.counts_by_rule():
            lines.append(f"  {rule:<6}{count:>6}  {message[:110]}")
        for issue in report.rules_not_run:
            lines.append(f"  {issue.rule:<6}{'-':>6}  (the validator could not run this rule on CSV files)")
        previous_files = result.files
        # Kept as export_903 keeps it, so next year's export is checked against this one.
        names = {name: table for table, name in FILE_NAMES.items()}
        store_return(year, ReturnSource.EXPORTED, {names[name]: text for name, text in result.files.items()})
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", default=None, help="seed_demo's reference date (YYYY-MM-DD). Default: today.")
    parser.add_argument("--years", type=int, nargs="+", default=[2025, 2026])
    parser.add_argument("--no-seed", action="store_true", help="Measure the data already in the database.")
    parser.add_argument("--out", type=Path, default=None, help="Also write the table to this file.")
    options = parser.parse_args()
    if not dfe_check.available():
        sys.exit("The DfE validator is not installed: run scripts/setup-dfe-validator.")
    heading = [f"The demo against the DfE's published rules ({timezone.localdate():%d %B %Y})"]
    if not options.no_seed:
        began = time.monotonic()
        seed_options = ["--children", str(options.children), "--seed", str(options.seed)]
        if options.today:
            seed_options += ["--today", options.today]
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", *seed_options, stdout=quiet)
        heading.append(f"seed_demo {' '.join(seed_options)} ({time.monotonic() - began:.0f}s)")
        # Returns kept from before describe the data seed_demo has just replaced.
        StoredReturn.objects.all().delete()
    lines = heading + measure(sorted(options.years))
    print("\n".join(lines))
    if options.out:
        options.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
