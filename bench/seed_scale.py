#!/usr/bin/env python
"""Seed a demo authority of national scale in bounded memory (not run by the test suite).

    createdb -h 127.0.0.1 -U postgres iro_bench_scale
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_scale
    .venv/bin/python manage.py migrate && .venv/bin/python bench/seed_scale.py --children 100000

Builds what `manage.py seed_demo` builds (children with their care and child protection
histories, reviews and conferences, the records of those held from demo/conferences.py and
demo/review_records.py, oversight, escalations, IRO accounts and allocations), through
the same generators, but chunk by chunk: each chunk of --chunk children is generated with a seed
of its own (from --seed and its place), saved in one transaction and dropped, so memory does not
grow with the number of children; --workers processes (2 by default) seed chunks side by side.
Each chunk sizes its own slice of the IRO team as the demo does, for caseloads near 60 children
per full-time IRO, numbered on from the slice before (iro1 ... iroK over the whole authority); the
administrator, manager and board accounts come with the first chunk. The same --children, --seed,
--chunk and --today give the same data, whatever the number of workers.

Demo children already loaded are deleted first, unless --reuse finds exactly --children of them;
if those were seeded before the demo had consultation links, --reuse adds the links, replies and
safety alerts (add_consultations) without seeding the rest again.
Prints each chunk's progress, then the seconds taken, the peak memory (ru_maxrss) of this process
and of the largest worker, and what the database holds. It finishes with VACUUM (ANALYZE) on
PostgreSQL (see vacuum()), ANALYZE elsewhere. The run is audited once, as seed_demo's is.

Target on a 2-core machine: 100,000 children (about 780,000 reviews and conferences, 2 million
review actions and 2 million oversight records) in under 10 minutes, in under 1.5 GB in all.
"""

import argparse
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iro_portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Q, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from audit.models import AuditAction, AuditEvent  # noqa: E402
from audit.services import record_event  # noqa: E402
from children.models import Allocation, CareEpisode, Child, ChildProtectionPlan  # noqa: E402
from consultations.models import ConsultationInvitation, ConsultationResponse, SafetyAlert  # noqa: E402
from demo import children as children_demo  # noqa: E402
from demo import consultations as consultations_demo  # noqa: E402
from demo.children import DEMO_PASSWORD  # noqa: E402
from demo.escalations import cafcass_referrals_among  # noqa: E402
from demo.management.commands.seed_demo import Chunk, generate_and_save, iso_date  # noqa: E402
from escalations.models import Escalation  # noqa: E402
from oversight.models import OversightRecord  # noqa: E402
from reviews.models import OUTSTANDING_STATUSES, ConferenceAttendee, ConferenceRecord, Review  # noqa: E402
from reviews.record_models import ReviewParticipant, ReviewRecord  # noqa: E402

DEMO_CHILDREN = {"local_child_id__startswith": children_demo.DEMO_ID_PREFIX}
OF_DEMO_CHILDREN = {f"child__{lookup}": value for lookup, value in DEMO_CHILDREN.items()}
OF_DEMO_REVIEWS = {f"review__{lookup}": value for lookup, value in OF_DEMO_CHILDREN.items()}


@dataclass(frozen=True)
class ChunkJob:
    """A chunk to seed: which it is, its children, the seed it is drawn with and its numbering."""

    number: int
    of: int
    children: int
    seed: str
    today: date
    chunk: Chunk


def peak_megabytes(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def cpu_seconds(who=resource.RUSAGE_SELF):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def without_waiting_for_the_disk():
    """A chunk's commit need not wait for PostgreSQL to flush its log: a crash would lose the
    seed, which is run again anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")


def delete_demo_children(batch):
    """Delete the demo children batch by batch (deleting them all at once collects every record
    about them in memory first); returns how many there were."""
    deleted = 0
    while ids := list(Child.objects.filter(**DEMO_CHILDREN).values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            without_waiting_for_the_disk()
            Child.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


def chunk_jobs(children, *, seed, today, chunk, password):
    """The chunks in order. A chunk's IROs are numbered on from the chunk before's, whose team
    is sized for its own children, so each chunk's children are drawn here once just to count
    its IROs (the same seed draws the same children again when the chunk is seeded): the chunks
    can then be seeded side by side."""
    starts = range(1, children + 1, chunk)
    next_iro = 1
    for number, first in enumerate(starts, start=1):
        size = min(chunk, children - first + 1)
        job = ChunkJob(
            number=number,
            of=len(starts),
            children=size,
            seed=f"{seed}-{number}",
            today=today,
            chunk=Chunk(
                first_child_number=first,
                first_iro_number=next_iro,
                password=password,
                cafcass_referrals=cafcass_referrals_among(first + size - 1) - cafcass_referrals_among(first - 1),
            ),
        )
        yield job
        if number < len(starts):
            authority = children_demo.build_local_authority(
                size,
                job.seed,
                today,
                first_child_number=first,
                first_iro_number=next_iro,
            )
            next_iro += sum(member.role == Role.IRO for member in authority.staff)


def vacuum(analyze=False):
    """On PostgreSQL, VACUUM: the space of deleted rows is used again rather than the tables
    growing with every seed, and new rows are marked visible to all (for index-only scans)
    before a benchmark reads them, not by autovacuum in the middle of one. With `analyze`, fresh
    planner statistics too (on other databases, ANALYZE alone)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)" if analyze else "VACUUM")
        elif analyze:
            cursor.execute("ANALYZE")


def seed_chunk(job):
    """Generate and save one chunk in a transaction of its own; returns the job, what was saved,
    the seconds taken and the peak memory of the process so far."""
    started = time.perf_counter()
    with transaction.atomic():
        without_waiting_for_the_disk()
        counts = generate_and_save(job.children, job.seed, job.today, chunk=job.chunk)
    return job, counts, time.perf_counter() - started, peak_megabytes()


def seed_in_chunks(children, *, seed, today, chunk, workers=1, report=print):
    """Replace the demo children with an authority of `children`, saved `chunk` children at a
    time by `workers` processes side by side; returns what was saved, as recorded in the audit
    event."""
    delete_demo_children(chunk)
    jobs = chunk_jobs(children, seed=seed, today=today, chunk=chunk, password=make_password(DEMO_PASSWORD))
    totals = {}
    next_iro = 1
    with ExitStack() as stack:
        if workers == 1:
            results = map(seed_chunk, jobs)
        else:
            connections.close_all()  # each worker opens its own
            pool = stack.enter_context(multiprocessing.get_context("fork").Pool(workers))
            results = pool.imap(seed_chunk, jobs)
        for job, counts, seconds, peak in results:
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
            last_child = job.chunk.first_child_number + job.children - 1
            next_iro = job.chunk.first_iro_number + counts["iros"]
            report(
                f"chunk {job.number}/{job.of}: children {job.chunk.first_child_number}-{last_child}, "
                f"IROs iro{job.chunk.first_iro_number}-iro{next_iro - 1}, {counts['reviews']} reviews, "
                f"{counts['oversight_records']} oversight records in {seconds:.1f} s "
                f"(peak memory of its process so far {peak:.0f} MB)"
            )
    children_demo.deactivate_demo_iros_except([f"iro{number}" for number in range(1, next_iro)])
    detail = {"seed": seed, "today": today.isoformat(), "chunk": chunk, **totals}
    record_event(action=AuditAction.CREATE, object_type="demo.seed", detail=detail)
    return detail


def seeded_today():
    """The date the demo children already loaded were seeded as at (the last seed's audit event)."""
    event = AuditEvent.objects.filter(object_type="demo.seed").order_by("-occurred_at", "-pk").first()
    return date.fromisoformat(event.detail["today"]) if event and "today" in (event.detail or {}) else None


def consultations_missing():
    """True when the demo children loaded have reviews but no consultation links: a database
    seeded before the demo had them."""
    return (
        Review.objects.filter(**OF_DEMO_CHILDREN).exists()
        and not ConsultationInvitation.objects.filter(**OF_DEMO_REVIEWS).exists()
    )


def add_consultations(*, seed, today, chunk, report=print):
    """Add the consultation links, replies and alerts to demo children loaded without them, as
    seeding them afresh would (in bulk, chunk by chunk), without seeding the rest again; returns
    what was saved."""
    ids = list(Child.objects.filter(**DEMO_CHILDREN).order_by("pk").values_list("pk", flat=True))
    since = today - timedelta(days=consultations_demo.PAST_DAYS)
    totals = {}
    for number, start in enumerate(range(0, len(ids), chunk), start=1):
        started = time.perf_counter()
        reviews = (
            Review.objects.filter(child_id__in=ids[start : start + chunk])
            .filter(Q(held_on__gte=since) | Q(status__in=OUTSTANDING_STATUSES))
            .select_related("child")
            .order_by("child_id", "due_date", "pk")
        )
        with transaction.atomic():
            without_waiting_for_the_disk()
            counts = consultations_demo.save_consultations(
                reviews, seed=f"{seed}-{number}", today=today, through_services=False
            )
        for name, count in counts.items():
            totals[name] = totals.get(name, 0) + count
        report(
            f"consultations {number}: children {start + 1}-{start + len(ids[start : start + chunk])}, "
            f"{counts['consultation_links']} links in {time.perf_counter() - started:.1f} s"
        )
    record_event(
        action=AuditAction.CREATE,
        object_type="demo.seed",
        detail={"seed": seed, "today": today.isoformat(), "consultations_added": True, **totals},
    )
    return totals


def database_counts():
    """What the database holds for the demo children, and the active demo IROs."""
    iros = User.objects.filter(role=Role.IRO, is_active=True, username__regex=children_demo.IRO_USERNAME.pattern)
    return {
        "children": Child.objects.filter(**DEMO_CHILDREN).count(),
        "IROs": iros.count(),
        "IRO FTE": float(iros.aggregate(fte=Sum("fte"))["fte"] or 0),
        "care episodes": CareEpisode.objects.filter(**OF_DEMO_CHILDREN).count(),
        "reviews": Review.objects.filter(**OF_DEMO_CHILDREN).count(),
        "conference records": ConferenceRecord.objects.filter(**OF_DEMO_REVIEWS).count(),
        "conference attendees": ConferenceAttendee.objects.filter(
            **{f"record__{lookup}": value for lookup, value in OF_DEMO_REVIEWS.items()}
        ).count(),
        "LAC working records": ReviewRecord.objects.filter(**OF_DEMO_REVIEWS).count(),
        "review participants": ReviewParticipant.objects.filter(**OF_DEMO_REVIEWS).count(),
        "CP plans": ChildProtectionPlan.objects.filter(**OF_DEMO_CHILDREN).count(),
        "oversight records": OversightRecord.objects.filter(**OF_DEMO_CHILDREN).count(),
        "escalations": Escalation.objects.filter(**OF_DEMO_CHILDREN).count(),
        "allocations": Allocation.objects.filter(**OF_DEMO_CHILDREN).count(),
        "consultation links": ConsultationInvitation.objects.filter(**OF_DEMO_REVIEWS).count(),
        "consultation replies": ConsultationResponse.objects.filter(
            **{f"invitation__{lookup}": value for lookup, value in OF_DEMO_REVIEWS.items()}
        ).count(),
        "safety alerts": SafetyAlert.objects.filter(**OF_DEMO_REVIEWS).count(),
    }


def seed_in_own_process(children, *, seed, today, reuse):
    """Run this script in a process of its own, for a benchmark that times something else: its
    chunks and workers leave nothing behind in the timing process. True if it kept the demo
    children already loaded (--reuse and that many of them)."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--children",
        str(children),
        "--seed",
        str(seed),
        "--today",
        today.isoformat(),
    ]
    if reuse:
        command.append("--reuse")
    return subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout.startswith("Reused")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, required=True, help="How many children (5000, 50000, 100000).")
    parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
    parser.add_argument("--today", type=iso_date, help="Reference date (YYYY-MM-DD); default today.")
    parser.add_argument("--chunk", type=int, default=2500, help="Children generated and saved at a time.")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="Processes seeding chunks side by side (default: 2, or 1 on one core).",
    )
    parser.add_argument("--reuse", action="store_true", help="Keep the demo children if there are --children of them.")
    args = parser.parse_args()
    if min(args.children, args.chunk, args.workers) < 1:
        parser.error("--children, --chunk and --workers must be positive")

    started = time.perf_counter()
    if args.reuse and Child.objects.filter(**DEMO_CHILDREN).count() == args.children:
        print(f"Reused the {args.children} demo children already loaded.")
        if consultations_missing():
            add_consultations(
                seed=args.seed, today=args.today or seeded_today() or timezone.localdate(), chunk=args.chunk
            )
    else:
        if deleted := delete_demo_children(args.chunk):
            vacuum()
            print(f"deleted the {deleted} demo children loaded before in {time.perf_counter() - started:.1f} s")
        seed_in_chunks(
            args.children,
            seed=args.seed,
            today=args.today or timezone.localdate(),
            chunk=args.chunk,
            workers=args.workers,
        )
    vacuum(analyze=True)
    print(
        f"seconds: {time.perf_counter() - started:.1f} (CPU seconds: {cpu_seconds():.1f} in this process, "
        f"{cpu_seconds(resource.RUSAGE_CHILDREN):.1f} in workers)"
    )
    in_workers = peak_megabytes(resource.RUSAGE_CHILDREN)
    workers = f", {in_workers:.0f} MB in the largest worker" if in_workers else ""
    print(f"peak memory: {peak_megabytes():.0f} MB in this process{workers}")
    for name, count in database_counts().items():
        print(f"{name}: {count:,.2f}" if isinstance(count, float) else f"{name}: {count:,}")


if __name__ == "__main__":
    main()
