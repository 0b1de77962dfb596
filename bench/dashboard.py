#!/usr/bin/env python
"""Benchmark the service-manager dashboard's selectors at growing sizes (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench_dashboard .venv/bin/python bench/dashboard.py --children 5000 50000

For each --children size it seeds a synthetic authority through bench/seed_scale.py, which
saves it chunk by chunk in bounded memory (--reuse keeps the demo children already loaded if
there are that many), then times reporting.selectors.dashboard() --runs times after one warm-up
for three dashboards: the manager's whole authority for the year to date and for the last
complete reporting year, and the personal dashboard of the IRO holding the most children. It
prints the median and fastest seconds, the queries one run makes, and the median of each of the
seven component selectors so that a slow one stands out. The selectors promise a fixed number of
queries whatever the number of children, so the script fails if a dashboard's query count
differs between sizes.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from children.models import Child  # noqa: E402
from children.permissions import children_visible_to  # noqa: E402
from reporting import selectors  # noqa: E402
from reporting.periods import reporting_year, year_to_date  # noqa: E402
from reviews.timescales import reporting_year_start  # noqa: E402
from seed_scale import seed_in_own_process  # noqa: E402


def seconds_of(function, runs):
    """Each run's wall-clock seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return timings


def components(period, on, children, iros):
    """The seven selectors dashboard() calls, with the arguments it gives them."""
    return {
        "review_timeliness": lambda: selectors.review_timeliness(period, on, children),
        "lac_participation_quality": lambda: selectors.lac_review_participation_and_quality(period, on, children),
        "lac_timeliness_by_month": lambda: selectors.lac_timeliness_by_month(period, children),
        "caseloads": lambda: selectors.caseloads(on, iros),
        "children_figures": lambda: selectors.children_figures(period, on, children),
        "oversight_figures": lambda: selectors.oversight_figures(on, children),
        "escalation_figures": lambda: selectors.escalation_figures(period, on, children),
    }


def dashboards(on):
    """(name, period, children, iros) for the manager's two views and the busiest IRO's own."""
    busiest = max(selectors.caseloads(on)["rows"], key=lambda row: row.children)
    print(f"busiest IRO: {busiest.iro.username} with {busiest.children} children")
    return [
        ("manager, year to date", year_to_date(on), None, None),
        ("manager, last reporting year", reporting_year(reporting_year_start(on).year - 1), None, None),
        (
            "busiest IRO, year to date",
            year_to_date(on),
            children_visible_to(busiest.iro, Child.objects.all(), on=on),
            User.objects.filter(pk=busiest.iro.pk),
        ),
    ]


def bench_size(size, args, on):
    """Seed one size and print its timings; returns {dashboard name: (queries, median seconds)}."""
    started = time.perf_counter()
    reused = seed_in_own_process(size, seed=args.seed, today=on, reuse=args.reuse)
    print(
        f"\n== {Child.objects.count()} children ready in {time.perf_counter() - started:.1f} s"
        f"{' (reused)' if reused else ''}"
    )

    results = {}
    for name, period, children, iros in dashboards(on):
        run = partial(selectors.dashboard, period, on, children=children, iros=iros)
        run()  # warm-up
        timings = seconds_of(run, args.runs)
        with CaptureQueriesContext(connection) as captured:
            run()
        queries, median = len(captured.captured_queries), statistics.median(timings)
        print(f"{name} ({period.label}): queries={queries} median={median:.3f} s min={min(timings):.3f} s")
        for component, function in components(period, on, children, iros).items():
            print(f"    {component:<28} {statistics.median(seconds_of(function, args.runs)):.3f} s")
        results[name] = (queries, median)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the demo children already loaded when there are that many."
    )
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="Dashboard date (default today).")
    args = parser.parse_args()

    on = args.date or timezone.localdate()
    by_size = {size: bench_size(size, args, on) for size in args.children}

    print(f"\n{'children':>9}  {'dashboard':<36} {'queries':>7}  {'median s':>8}")
    for size, results in by_size.items():
        for name, (queries, median) in results.items():
            print(f"{size:>9}  {name:<36} {queries:>7}  {median:>8.3f}")

    varying = [
        name for name in next(iter(by_size.values())) if len({results[name][0] for results in by_size.values()}) > 1
    ]
    if varying:
        sys.exit(f"FAIL: the query count depends on the number of children for: {', '.join(varying)}")


if __name__ == "__main__":
    main()
