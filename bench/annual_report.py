#!/usr/bin/env python
"""Benchmark the annual IRO report at growing sizes (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench_report .venv/bin/python bench/annual_report.py --children 5000 50000

For each --children size it seeds a synthetic authority through bench/seed_scale.py, which
saves it chunk by chunk in bounded memory (about five years of history before the reference
date; --reuse keeps the demo children already loaded if there are that many), then for the last
complete reporting year times, after one warm-up:

* building every figure of the report for that year and the year before
  (reporting.services.draft: the same selectors as the page, the PDF and the CSV), median and
  fastest of --runs, and the queries one build makes;
* the board version's small-number suppression;
* rendering the full PDF and the board PDF from the built figures (median of --pdf-runs).

The figures promise a fixed number of queries whatever the number of children, so the script
fails if the count differs between sizes.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from children.models import Child  # noqa: E402
from iro_portal.documents import PDF_BASE_URL  # noqa: E402
from iro_portal.pdf import html_to_pdf  # noqa: E402
from reporting import services  # noqa: E402
from reporting.models import Variant  # noqa: E402
from reporting.presentation import board_suppression  # noqa: E402
from reviews.models import Review  # noqa: E402
from reviews.timescales import reporting_year_start  # noqa: E402
from seed_scale import seed_in_own_process  # noqa: E402


def seconds_of(function, runs):
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return timings


def pdf_of(content, variant):
    html = render_to_string(services.template_for(variant), services.report_context(content, variant, for_pdf=True))
    return html_to_pdf(html, base_url=PDF_BASE_URL)


def bench_size(size, args, on):
    started = time.perf_counter()
    reused = seed_in_own_process(size, seed=args.seed, today=on, reuse=args.reuse)
    print(
        f"\n== {Child.objects.count()} children, {Review.objects.count()} reviews ready in "
        f"{time.perf_counter() - started:.1f} s{' (reused)' if reused else ''}"
    )

    report = services.report_for_year(reporting_year_start(on).year - 1)
    content = services.draft(report, on)  # warm-up
    timings = seconds_of(lambda: services.draft(report, on), args.runs)
    with CaptureQueriesContext(connection) as captured:
        services.draft(report, on)
    queries = len(captured.captured_queries)
    suppression = seconds_of(lambda: board_suppression(content), args.runs)
    print(
        f"figures for {content.label} and {content.previous_label}: queries={queries} "
        f"median={statistics.median(timings):.2f} s min={min(timings):.2f} s; "
        f"board suppression median={statistics.median(suppression):.3f} s"
    )
    pdfs = {}
    for variant in (Variant.INTERNAL, Variant.BOARD):
        pdf_timings = seconds_of(lambda variant=variant: pdf_of(content, variant), args.pdf_runs)
        pdfs[variant] = statistics.median(pdf_timings)
        print(
            f"PDF ({variant}): median={pdfs[variant]:.2f} s over {args.pdf_runs} runs, "
            f"{len(pdf_of(content, variant)) // 1024} KB"
        )
    return {"queries": queries, "figures": statistics.median(timings), **pdfs}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[5_000, 50_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the demo children already loaded when there are that many."
    )
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="Reference date (default today).")
    args = parser.parse_args()

    on = args.date or timezone.localdate()
    by_size = {size: bench_size(size, args, on) for size in args.children}

    print(f"\n{'children':>9}  {'queries':>7}  {'figures s':>9}  {'full PDF s':>10}  {'board PDF s':>11}")
    for size, result in by_size.items():
        print(
            f"{size:>9}  {result['queries']:>7}  {result['figures']:>9.2f}  {result[Variant.INTERNAL]:>10.2f}  "
            f"{result[Variant.BOARD]:>11.2f}"
        )
    if len({result["queries"] for result in by_size.values()}) > 1:
        sys.exit("FAIL: the number of queries depends on the number of children")


if __name__ == "__main__":
    main()
