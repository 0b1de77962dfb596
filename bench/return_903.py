#!/usr/bin/env python
"""Benchmark the whole SSDA903 return at national scale: export every table from a seeded
authority, import the files into an empty database, export again (not run by the test suite).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_scale   # seeded by bench/seed_scale.py
    .venv/bin/python bench/return_903.py --year 2026 \
        --import-into postgres://postgres@127.0.0.1:5432/iro_bench_903_return

1. Export: `ssda903.exporter.export_return(year)` on DATABASE_URL (rows of all ten tables, every
   rule of the year), timed, with the rules timed again on their own, and the peak memory of the
   process. A refused return prints its problems by rule and stops there.
2. Import: in a process of its own, the --import-into database is emptied of children (created and
   migrated if it does not exist) and the files go through `ssda903.importer.import_return`, the
   service behind the upload page: timed, with its peak memory.
3. Round trip: that database exports the year again; the files must be byte-identical.

Each phase runs in its own process, so each peak memory is its own. Targets on a 2-core machine:
import and export of 100,000 children each under 2 minutes and 2 GB.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")


def peak_megabytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def export_phase(year, folder):
    """Export the year into `folder`; returns what was measured."""
    import django

    django.setup()
    from ssda903 import rules
    from ssda903.exporter import build_rows, export_return, previous_return

    started = time.perf_counter()
    result = export_return(year)
    seconds = time.perf_counter() - started
    peak = peak_megabytes()
    data = build_rows(year)
    data.previous = previous_return(year)
    started = time.perf_counter()
    rules.check_return(data)
    rule_seconds = time.perf_counter() - started
    for name, text in result.files.items():
        (Path(folder) / name).write_text(text, encoding="utf-8", newline="")
    return {
        "seconds": round(seconds, 1),
        "rules_seconds": round(rule_seconds, 1),
        "peak_mb": round(peak),
        "rows": result.counts,
        "problems": dict(Counter(problem.rule for problem in result.problems).most_common()),
        "queries": dict(Counter(problem.rule for problem in result.queries).most_common()),
        "bytes": sum(len(text.encode()) for text in result.files.values()),
    }


def import_phase(year, folder):
    """Import the files of `folder` into an emptied database, then export the year again and
    compare; returns what was measured."""
    import django

    django.setup()
    from import_903 import empty_children, ensure_database
    from ssda903.exporter import export_return
    from ssda903.importer import import_return
    from ssda903.models import StoredReturn

    ensure_database()
    empty_children()
    StoredReturn.objects.all().delete()
    paths = sorted(Path(folder).glob("*.csv"))
    handles = {path.name: path.open("rb") for path in paths}
    started = time.perf_counter()
    try:
        result = import_return(handles)
    finally:
        for handle in handles.values():
            handle.close()
    seconds = time.perf_counter() - started
    peak = peak_megabytes()
    measured = {
        "seconds": round(seconds, 1),
        "peak_mb": round(peak),
        "errors": len(result.errors),
        "first_errors": [f"{e.file} row {e.row} {e.child} {e.column}: {e.message}" for e in result.errors[:5]],
        "children_created": result.children_created,
    }
    if result.errors:
        return measured
    StoredReturn.objects.filter(year=year).delete()  # export as a fresh authority would, from its records
    again = export_return(year)
    different = [path.name for path in paths if again.files.get(path.name) != path.read_bytes().decode("utf-8")]
    measured["round_trip_identical"] = not different and sorted(again.files) == [path.name for path in paths]
    measured["files_that_differ"] = different + sorted(set(again.files) - {path.name for path in paths})
    return measured


def run_phase(phase, year, folder, database_url):
    environment = dict(os.environ, DATABASE_URL=database_url)
    command = [sys.executable, __file__, "--phase", phase, "--year", str(year), "--folder", folder]
    output = subprocess.run(command, env=environment, stdout=subprocess.PIPE, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, required=True, help="Collection year, named by the year it ends in.")
    parser.add_argument("--import-into", help="Database URL to import into (emptied of children first).")
    parser.add_argument("--phase", choices=["export", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        measure = export_phase if args.phase == "export" else import_phase
        print(json.dumps(measure(args.year, args.folder)))
        return
    source = os.environ.get("DATABASE_URL")
    if not source:
        parser.error("set DATABASE_URL to the seeded database")
    with tempfile.TemporaryDirectory(prefix="bench-903-return-") as folder:
        exported = run_phase("export", args.year, folder, source)
        print(f"export {args.year}: {json.dumps(exported)}")
        if exported["problems"] or not args.import_into:
            return
        imported = run_phase("import", args.year, folder, args.import_into)
        print(f"import then export again: {json.dumps(imported)}")


if __name__ == "__main__":
    main()
