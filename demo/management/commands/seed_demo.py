"""Load a synthetic local authority for demonstrations: `manage.py seed_demo --children 600 --seed 1`.

The children, their care and child protection histories and the IRO accounts come from
demo/children.py; their reviews and conferences from demo/reviews.py; the IROs' oversight between
reviews (RAG ratings, checks, In-Contact plans) from demo/oversight.py; and the escalations raised
where that oversight found drift from demo/escalations.py. This command joins them (so that no
module need know about the ones after it), saves everything in one transaction, audits the run once,
and prints how to sign in."""

import argparse
import time
from dataclasses import dataclass
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction
from audit.services import record_event
from demo import accounts as accounts_demo
from demo import children as children_demo
from demo import conferences as conferences_demo
from demo import consultations as consultations_demo
from demo import escalations as escalations_demo
from demo import outcomes as outcomes_demo
from demo import oversight as oversight_demo
from demo import review_records as review_records_demo
from demo import reviews as reviews_demo
from demo import safety_alerts as safety_alerts_demo
from demo import staffing as staffing_demo
from iro_portal.dates import format_date


def iso_date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@dataclass(frozen=True)
class Chunk:
    """One chunk of an authority saved chunk by chunk: where its children's and IROs' numbers
    start, its share of the authority's Cafcass referrals, and the password hash (slow to make)
    that every chunk's accounts share."""

    first_child_number: int
    first_iro_number: int
    cafcass_referrals: int
    password: str


@transaction.atomic
def seed_demo(*, children, seed, today):
    """Replace the demo children with a freshly generated authority, reviews and conferences,
    oversight and escalations included (and the starter list of watched words, and the consultation links and replies); returns what was saved, as recorded in the audit event."""
    detail = {"seed": seed, "today": today.isoformat(), **generate_and_save(children, seed, today)}
    record_event(action=AuditAction.CREATE, object_type="demo.seed", detail=detail)
    return detail


@transaction.atomic
def generate_and_save(children, seed, today, *, chunk=None):
    """Generate an authority and save it; returns how many of each record were saved. Without
    `chunk` it replaces the demo children. An authority too large to build in memory
    (bench/seed_scale.py) is saved chunk by chunk instead: each `chunk` keeps the ones saved
    before, numbers its children and IROs on from them, and saves the accounts every chunk
    shares (administrator, manager, board member) only if it is the first."""
    authority = children_demo.build_local_authority(
        children,
        seed,
        today,
        first_child_number=chunk.first_child_number if chunk else 1,
        first_iro_number=chunk.first_iro_number if chunk else 1,
    )
    iro_ftes = [member.fte for member in authority.staff if member.role == Role.IRO]
    reviews = reviews_demo.build_reviews(authority.histories, seed=seed, today=today, iro_ftes=iro_ftes)
    oversight = oversight_demo.build_oversight(authority.histories, reviews, seed=seed, today=today)
    escalations = escalations_demo.build_escalations(
        authority.histories,
        oversight.ratings,
        seed=seed,
        today=today,
        cafcass_referrals=None if chunk is None else chunk.cafcass_referrals,
    )
    if chunk is None:
        saved = children_demo.save_local_authority(authority)
    else:
        if chunk.first_child_number > 1:
            authority.staff = [member for member in authority.staff if member.role == Role.IRO]
        saved = children_demo.save_local_authority(authority, replace=False, password=chunk.password)
    outcome_counts = outcomes_demo.save_outcomes(
        outcomes_demo.build_outcomes(authority.histories, seed=seed, today=today)
    )
    review_counts = reviews_demo.save_reviews(reviews, saved.iros)
    review_counts["conference_records"] = conferences_demo.save_conference_records(
        [seeded.review for seeded in reviews], seed=seed, today=today
    )
    review_records_demo.save_working_records([seeded.review for seeded in reviews], today=today, seed=seed)
    oversight_counts = oversight_demo.save_oversight(oversight, saved.iros)
    escalation_counts = escalations_demo.save_escalations(escalations, saved.iros)
    cover_counts = accounts_demo.save_cover(saved.iros, today) if chunk is None else {}
    staffing_counts = staffing_demo.save_staffing(saved.iros, today)
    if chunk is None:
        staffing_counts.update(staffing_demo.save_staffing_figures(saved.iros, today))
    phrase_counts = safety_alerts_demo.save_watched_phrases() if chunk is None else {}
    consultation_counts = consultations_demo.save_consultations(
        [seeded.review for seeded in reviews], seed=seed, today=today, through_services=chunk is None
    )
    return {
        **saved.counts,
        **outcome_counts,
        **review_counts,
        **oversight_counts,
        **escalation_counts,
        **cover_counts,
        **staffing_counts,
        **phrase_counts,
        **consultation_counts,
    }


class Command(BaseCommand):
    help = (
        "Replace the demo children (local child IDs starting DEMO) with synthetic ones, with several years "
        "of reviews and conferences, and create or update the demo accounts, then print how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=600, help="How many children to create (default 600).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--today", type=iso_date, help="Reference date (YYYY-MM-DD) the histories lead up to; default today."
        )
        parser.add_argument(
            "--keep-existing",
            action="store_true",
            help="If demo children already exist, keep them (and what users recorded) and only print the sign-ins.",
        )

    def handle(self, *args, children, seed, today, keep_existing, **options):
        if children < 0:
            raise CommandError("--children cannot be negative.")
        if keep_existing and children_demo.demo_data_exists():
            self.stdout.write("Demo data already loaded: kept as it is (run without --keep-existing to rebuild it).")
        else:
            started = time.perf_counter()
            saved = seed_demo(children=children, seed=seed, today=today or timezone.localdate())
            self.stdout.write(
                f"Loaded {saved['children']} demo children, {saved['care_episodes']} care episodes, "
                f"{saved['protection_plans']} child protection plans, {saved['lac_reviews_held']} LAC reviews and "
                f"{saved['conferences_held']} child protection conferences held "
                f"({saved['reviews_outstanding']} reviews and conferences outstanding, "
                f"{saved['review_actions']} agreed actions), {saved['oversight_records']} oversight records "
                f"({saved['rag_ratings']} RAG ratings, {saved['in_contact_plans']} In-Contact plans), "
                f"{saved['escalations']} escalations ({saved['escalations_open']} open), "
                f"{saved['consultation_links']} consultation links ({saved['consultation_replies']} replies before "
                f"and {saved['feedback_replies']} after reviews, {saved['safety_alerts']} safety alert"
                f"{'' if saved['safety_alerts'] == 1 else 's'}) "
                f"and {saved['iros']} IROs "
                f"(seed {saved['seed']}, as at {format_date(date.fromisoformat(saved['today']))}) "
                f"in {time.perf_counter() - started:.1f} seconds."
            )
        self.print_logins()

    def print_logins(self):
        rows = [("Username", "Role", "Name", "Team", "FTE")] + [
            (user.username, user.get_role_display(), user.get_full_name(), user.team or "-", f"{user.fte:.2f}")
            for user in children_demo.demo_logins()
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins. Password for every account: {children_demo.DEMO_PASSWORD}")
        for row in rows:
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
