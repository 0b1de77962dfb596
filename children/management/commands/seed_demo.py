"""Load a synthetic local authority for demonstrations: `manage.py seed_demo --children 600 --seed 1`.
The generation lives in children/demo.py; this command only parses options and prints."""

import argparse
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.formats import date_format

from children import demo


def iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Replace the demo children (local child IDs starting DEMO) with synthetic ones and create or "
        "update the demo accounts, then print how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=600, help="How many children to create (default 600).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--today", type=iso_date, help="Reference date (YYYY-MM-DD) the histories lead up to; default today."
        )
        parser.add_argument(
            "--keep-existing", action="store_true",
            help="If demo children already exist, keep them (and what users recorded) and only print the sign-ins.",
        )

    def handle(self, *args, children, seed, today, keep_existing, **options):
        if children < 0:
            raise CommandError("--children cannot be negative.")
        if keep_existing and demo.demo_data_exists():
            self.stdout.write("Demo data already loaded: kept as it is (run without --keep-existing to rebuild it).")
        else:
            started = time.perf_counter()
            summary = demo.seed_demo(children=children, seed=seed, today=today or timezone.localdate())
            self.stdout.write(
                f"Loaded {summary.children} demo children, {summary.care_episodes} care episodes, "
                f"{summary.protection_plans} child protection plans and {summary.iros} IROs "
                f"(seed {summary.seed}, as at {date_format(summary.today, 'j F Y')}) "
                f"in {time.perf_counter() - started:.1f} seconds."
            )
        self.print_logins()

    def print_logins(self):
        rows = [("Username", "Role", "Name", "Team", "FTE")] + [
            (user.username, user.get_role_display(), user.get_full_name(), user.team or "-", f"{user.fte:.2f}")
            for user in demo.demo_logins()
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins. Password for every account: {demo.DEMO_PASSWORD}")
        for row in rows:
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
