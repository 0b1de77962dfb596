#!/usr/bin/env python
"""Benchmark the SSDA903 import at national scale (not run by the test suite).

    createdb -h 127.0.0.1 -U postgres iro_portal_bench_903   # the script creates it if it can
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench_903 .venv/bin/python bench/import_903.py --children 100000

Writes Header, Episodes and Reviews CSVs for --children children (about 4 episodes and 3 reviews
each, valid by the DfE rules: DD/MM/YYYY dates, contiguous episodes, reviews while in care) into
a temporary folder, empties the children tables, then imports the files through
ssda903.importer.import_return (the service behind `manage.py import_903` and the upload page)
and prints the rows, the seconds taken, rows per second and the peak memory of the process
(ru_maxrss). With --profile it also prints where the time went (cProfile, top functions).
Target on a 2-core machine: 100,000 children in under 2 minutes and under 2 GB.
"""

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ssda903.files import COLUMN_ORDER, format_date  # noqa: E402

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
ETHNICITIES = ["WBRI", "WBRI", "WBRI", "WOTH", "MWBC", "MWBA", "AIND", "APKN", "BCRB", "BAFR", "OOTH", "CHNE"]
CATEGORIES = ["N1", "N1", "N1", "N2", "N3", "N4", "N5", "N6", "N8"]
# Placements (with a provider) a child moves through; long-term foster care last.
FOSTER = ["U3", "U6", "U4", "U1", "U5", "U2"]
PROVIDERS = ["PR1", "PR1", "PR4", "PR5"]
CHANGE_REASONS = ["CARPL", "CARPL", "CREQO", "CHILD", "STAND", "LAREQ", "OTHER"]
PARTICIPATION = ["PN1", "PN1", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"]


def upn(number):
    """A UPN with a correct check letter: LA 999, a made-up school, the child's number."""
    body = f"999{number % 10000:04d}{(number // 10000) % 100:02d}{number % 1000:03d}"
    total = sum(int(char) * weight for char, weight in zip(body, range(2, 14)))
    return UPN_LETTERS[total % 23] + body


def generate(folder, children, seed, today):
    """Write header.csv, episodes.csv and reviews.csv; return {filename: path} and row counts."""
    rng = random.Random(seed)
    paths = {name: Path(folder) / f"{name}.csv" for name in ("header", "episodes", "reviews")}
    counts = dict.fromkeys(paths, 0)
    handles = {name: open(path, "w", newline="", encoding="utf-8") for name, path in paths.items()}
    writers = {name: csv.writer(handle, lineterminator="\r\n") for name, handle in handles.items()}
    for name, writer in writers.items():
        writer.writerow(COLUMN_ORDER[name])
    earliest_start = today - timedelta(days=3 * 365)
    try:
        for number in range(1, children + 1):
            child = f"B{number:07d}"
            # Under 18 at the end of the period: born 1 to 16 years ago.
            dob = today - timedelta(days=rng.randint(400, 16 * 365))
            started = max(
                dob + timedelta(days=rng.randint(30, 365)), earliest_start + timedelta(days=rng.randint(0, 400))
            )
            started = min(started, today - timedelta(days=400))
            sex = rng.choice("MF")
            writers["header"].writerow([child, sex, format_date(dob), rng.choice(ETHNICITIES), upn(number), "", ""])
            counts["header"] += 1

            # Four episodes: started (interim care order), a legal status change to a full care
            # order, then two changes of placement; the last still open.
            category = rng.choice(CATEGORIES)
            starts = [started]
            for gap in (rng.randint(30, 90), rng.randint(60, 120), rng.randint(60, 150)):
                starts.append(starts[-1] + timedelta(days=gap))
            placements = [rng.choice(FOSTER[:2]), None, rng.choice(FOSTER[2:4]), rng.choice(FOSTER[2:])]
            placements[1] = placements[0]
            provider = rng.choice(PROVIDERS)
            rows = [
                ("S", "C1", placements[0], provider, ""),
                ("L", "C2", placements[1], provider, ""),
                ("P", "C2", placements[2], rng.choice(PROVIDERS), rng.choice(CHANGE_REASONS)),
                ("P", "C2", placements[3], rng.choice(PROVIDERS), rng.choice(CHANGE_REASONS)),
            ]
            for index, (rne, legal_status, place, place_provider, _reason) in enumerate(rows):
                last = index == len(rows) - 1
                ceased = "" if last else format_date(starts[index + 1])
                # REASON_PLACE_CHANGE belongs to the episode that ends with a placement change.
                change_reason = "" if last else rows[index + 1][4]
                writers["episodes"].writerow(
                    [
                        child,
                        format_date(starts[index]),
                        rne,
                        legal_status,
                        category,
                        place,
                        place_provider,
                        ceased,
                        "" if last else "X1",
                        change_reason,
                        "",
                        "",
                        "",
                    ]
                )
                counts["episodes"] += 1

            # Three reviews: within 20 days of care starting, then 3 and 6 months apart.
            review = started + timedelta(days=rng.randint(5, 19))
            for gap in (0, rng.randint(60, 90), rng.randint(120, 180)):
                review += timedelta(days=gap)
                if review >= today:
                    break
                # Rule 441: a child under 4 on the day of the review is PN0.
                under_four = (
                    review < dob.replace(year=dob.year + 4)
                    if not (dob.month == 2 and dob.day == 29)
                    else review < date(dob.year + 4, 3, 1)
                )
                code = "PN0" if under_four else rng.choice(PARTICIPATION)
                writers["reviews"].writerow([child, format_date(dob), format_date(review), code])
                counts["reviews"] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return paths, counts


def ensure_database():
    """Create the PostgreSQL database named in DATABASE_URL if it does not exist, then migrate."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg2

        try:
            connection.ensure_connection()
        except Exception:  # noqa: BLE001 - any failure: try to create it
            admin = psycopg2.connect(
                host=settings["HOST"] or None,
                port=settings["PORT"] or None,
                user=settings["USER"] or None,
                password=settings["PASSWORD"] or None,
                dbname="postgres",
            )
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{settings["NAME"]}"')
            admin.close()
    call_command("migrate", verbosity=0)


def empty_children():
    """Start from an empty authority, so every child is created."""
    from children.models import Child

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = [
                model._meta.db_table
                for model in django.apps.apps.get_models()
                if model._meta.app_label in {"children", "reviews", "oversight", "escalations", "notifications"}
                and model._meta.managed
            ]  # not the working-day calendar
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    else:
        Child.objects.all().delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Import on top of the children already there.")
    parser.add_argument("--profile", action="store_true", help="Print where the import's time goes (cProfile).")
    parser.add_argument("--dry-run", action="store_true", help="Check the files only (import_return dry_run=True).")
    args = parser.parse_args()

    from django.utils import timezone

    from ssda903.importer import import_return

    today = timezone.localdate()
    ensure_database()
    if not args.keep:
        empty_children()

    with tempfile.TemporaryDirectory(prefix="bench-903-") as folder:
        started = time.perf_counter()
        paths, counts = generate(folder, args.children, args.seed, today)
        sizes = {name: path.stat().st_size for name, path in paths.items()}
        print(
            f"generated: {counts} in {time.perf_counter() - started:.1f} s; "
            f"{sum(sizes.values()) / 1e6:.1f} MB ({', '.join(f'{n} {s / 1e6:.1f} MB' for n, s in sizes.items())})"
        )
        rows = sum(counts.values())
        memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        stages = {}

        def progress(done, total, stage):
            if stage not in stages:
                stages[stage] = time.perf_counter()

        handles = {path.name: open(path, "rb") for path in paths.values()}
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        sql_time = {}

        def timed(execute, sql, params, many, context):
            # Time each statement by its kind and table: where the database's share goes.
            words = sql.split()
            table = next(
                (
                    word.strip('"')
                    for before, word in zip(words, words[1:])
                    if before.upper() in {"INTO", "UPDATE", "FROM"}
                ),
                "?",
            )
            key = f"{words[0].upper()} {table}"
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent = sql_time.setdefault(key, [0, 0.0])
                spent[0] += 1
                spent[1] += time.perf_counter() - began

        started = time.perf_counter()
        try:
            with connection.execute_wrapper(timed):
                result = import_return(handles, dry_run=args.dry_run, progress=progress)
        finally:
            seconds = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
            for handle in handles.values():
                handle.close()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    marks = [*stages.items(), ("end", started + seconds)]
    print(
        "time per stage: "
        + ", ".join(f"{stage} {later - at:.1f} s" for (stage, at), (_, later) in zip(marks, marks[1:]))
    )
    database_seconds = sum(seconds_ for _, seconds_ in sql_time.values())
    print(
        f"SQL through Django's cursor: {database_seconds:.1f} s in {sum(n for n, _ in sql_time.values())} statements "
        "(COPY or a raw driver cursor, if the importer uses them, is not counted here)"
    )
    for key, (count, spent) in sorted(sql_time.items(), key=lambda item: -item[1][1])[:8]:
        print(f"  {spent:6.1f} s  {count:>5} x {key}")
    if result.errors:
        from collections import Counter

        print(f"FAIL: {len(result.errors)} errors, by file, column and problem:")
        kinds = Counter((error.file, error.column, error.message.split(":")[0][:100]) for error in result.errors)
        for (file, column, message), count in kinds.most_common(15):
            print(f"  {count:>7}  {file} {column}: {message}")
    print(
        f"import: children={args.children} rows={rows} seconds={seconds:.1f} rows_per_second={rows / seconds:,.0f} "
        f"peak_memory_mb={peak_mb:,.0f} (before import {memory_before / 1024:,.0f}) "
        f"created={result.children_created} updated={result.children_updated} episodes={result.episodes} "
        f"reviews_added={result.reviews_added} dry_run={result.dry_run}"
    )
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    if args.children == 100_000:
        met = seconds < 120 and peak_mb < 2048
        print(f"target (100,000 children in under 120 s and 2 GB): {'met' if met else 'NOT met'}")
    else:
        print(
            f"at this rate 100,000 children would take about {seconds * 100_000 / args.children:.0f} s "
            "(if the time grows linearly): run with --children 100000 to judge the target"
        )
    if result.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
