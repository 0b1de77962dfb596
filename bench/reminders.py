#!/usr/bin/env python
"""Benchmark the daily reminder sweep at national scale (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal_bench .venv/bin/python bench/reminders.py

Seeds a synthetic authority of --children children with several years of reviews up to --date
through bench/seed_scale.py, which saves it chunk by chunk in bounded memory (--reuse keeps the
demo children already loaded if there are --children of them), then runs the sweep twice on that
day and prints, for each run, the children, the reminders created and the seconds taken. The
second run must create none. Target on a 2-core machine: the first sweep of 100,000 children in
under 30 seconds.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from children.models import Child  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.services import sweep_in_process  # noqa: E402
from seed_scale import seed_in_own_process  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the demo children already loaded if there are --children of them."
    )
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        default=None,
        help="Sweep date, which the seeded histories lead up to (default today).",
    )
    args = parser.parse_args()

    on = args.date or timezone.localdate()
    started = time.perf_counter()
    seed_in_own_process(args.children, seed=args.seed, today=on, reuse=args.reuse)
    print(f"seed: {Child.objects.count()} children ready in {time.perf_counter() - started:.1f} s")

    Notification.objects.all().delete()
    children = Child.objects.count()
    for run in ("first", "second"):
        started = time.perf_counter()
        created = sweep_in_process(on)
        seconds = time.perf_counter() - started
        print(f"{run} sweep: children={children} notifications_created={created} seconds={seconds:.1f}")
    # Leave the authority as seeded: bench/run.py counts the reminders pages' queries on it later,
    # and an inbox full at one size but empty at another is not the same page.
    Notification.objects.all().delete()
    if created:
        sys.exit("FAIL: the second sweep created reminders; sweeps must be idempotent")


if __name__ == "__main__":
    main()
