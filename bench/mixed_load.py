#!/usr/bin/env python
"""Reads and writes at once (not run by the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_bench_scale_5000 .venv/bin/python bench/mixed_load.py

Starts gunicorn as production runs it (bench/load.py's server: 2 sync workers, DEBUG off) and,
for --seconds after a warm-up, drives it with locust from a child process:

    readers   --users signed-in people, each opening a page, reading it for 1 to 3 seconds (--think
              2), then another, chosen at random: the service manager's dashboard and this
              reporting year's annual report page (signed in as the manager), an IRO's caseload and
              their reviews due (signed in as one of the IROs with most children)
    writers   WRITERS IROs writing --writes records a second between them through the API with
              tokens of their own, in turn: a LAC review held (its working record saved with who
              came and the child's views, then completed: two requests), an oversight record, an
              escalation step (a new escalation raised, then the next one escalated to the team
              manager)

Every write is a real one: it commits, the triggers note the shards it changed and the next read
of the figures folds them in (reporting.maintained).

Fresh or stale. The dashboard shows how many LAC reviews were held this reporting year and how
many escalations are open; the annual report page how many LAC reviews were held in the year.
Each review held adds one to both held counts, each escalation raised one to the open count, and
nothing else writes during the run. So a read is stale when what it shows is less than the count
before the run plus the writes whose answer had come back before the read was sent: it missed a
write that had committed. The share of stale reads is reported (the goal is none).

At the end, with nothing writing, each maintained figure is compared with a full recount from
the rows: the dashboard, this and last reporting year's report figures and last year's outcomes.
"""

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the server, the sign-ins)

ROOT = load.ROOT
WRITERS = 4
TARGETS_PER_WRITER = 200
READ_PAGES = ("dashboard", "annual report", "caseload", "review list")
# The requests that write a record (a review held takes two more: reading and saving its working record).
WRITES = (
    "write: review held (complete)",
    "write: oversight record",
    "write: escalation raised",
    "write: escalation escalated",
)
DASHBOARD_HELD = re.compile(r'href="/reviews/held/\?[^"]*kind=LAC"[^>]*>([\d,]+)<')
DASHBOARD_OPEN_ESCALATIONS = re.compile(
    r'href="/escalations/\?status=open">([\d,]+)<span class="govuk-visually-hidden">'
)
REPORT_HELD = re.compile(r">LAC reviews held</th>\s*<td[^>]*>([\d,]+)</td>")


def shown(pattern, html, what):
    """The number a page shows, or RuntimeError if the page no longer shows it where expected."""
    found = pattern.search(html)
    if found is None:
        raise RuntimeError(f"The page no longer shows {what} where the benchmark reads it.")
    return int(found.group(1).replace(",", ""))


def dashboard_counts(html):
    return {
        "held": shown(DASHBOARD_HELD, html, "the LAC reviews held"),
        "open escalations": shown(DASHBOARD_OPEN_ESCALATIONS, html, "the open escalations"),
    }


def report_counts(html):
    return {"held": shown(REPORT_HELD, html, "the LAC reviews held in the year")}


def writer_targets(iro, on):
    """What one writer IRO writes to: their LAC reviews not yet due (held early, so no late
    reason is needed), and the children they hold who are looked after now."""
    from children.models import Allocation, Child
    from reviews.models import Review, ReviewKind, ReviewStatus

    allocated = Allocation.objects.current(on).filter(iro=iro).values("child_id")
    children = list(
        Child.objects.filter(pk__in=allocated, episodes__start_date__lte=on, episodes__end_date__isnull=True)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:TARGETS_PER_WRITER]
    )
    reviews = (
        Review.objects.filter(
            child_id__in=allocated,
            kind=ReviewKind.LAC,
            status__in=[ReviewStatus.DUE, ReviewStatus.BOOKED],
            due_date__gte=on,
        )
        .order_by("due_date", "pk")
        .values_list("pk", "child__date_of_birth")[:TARGETS_PER_WRITER]
    )
    # Held today: PN0 for a child under 4 that day, as the DfE's codes say, PN1 (attended and
    # spoke for themselves) for the rest.
    fourth_birthday_by = on.replace(year=on.year - 4)
    return {
        "children": children,
        "reviews": [[pk, "PN1" if born <= fourth_birthday_by else "PN0"] for pk, born in reviews],
    }


def writers(iro_usernames, on):
    """A token and targets for each of the WRITERS IROs with most children (tokens revoked by
    revoke_tokens at the end)."""
    from accounts.api_tokens import create_api_token
    from accounts.models import User

    chosen = list(dict.fromkeys(iro_usernames))[:WRITERS]
    found = []
    for username in chosen:
        iro = User.objects.get(username=username)
        token, key = create_api_token(iro, name="mixed-load benchmark", by=None, days=1)
        found.append({"username": username, "token_id": token.pk, "key": key, **writer_targets(iro, on)})
    return found


def revoke_tokens(found):
    from accounts.api_tokens import revoke_api_token
    from accounts.models import ApiToken

    for token in ApiToken.objects.filter(pk__in=[writer["token_id"] for writer in found]):
        revoke_api_token(token, by=None)


def compared_with_a_recount(on):
    """{figures: True if the maintained figures equal a full recount} with nothing writing."""
    from reporting import maintained, outcome_selectors, selectors, stored_figures
    from reporting.models import FiguresKind
    from reporting.periods import reporting_year, year_to_date
    from reviews import timescales

    this_year = timescales.reporting_year_start(on).year
    kinds = {
        "dashboard": (FiguresKind.DASHBOARD, year_to_date(on), lambda: selectors.dashboard(year_to_date(on), on)),
        "this year's report": (
            FiguresKind.REPORTING_YEAR,
            reporting_year(this_year),
            lambda: stored_figures.annual_report_figures(reporting_year(this_year), on),
        ),
        "last year's report": (
            FiguresKind.REPORTING_YEAR,
            reporting_year(this_year - 1),
            lambda: stored_figures.annual_report_figures(reporting_year(this_year - 1), on),
        ),
        "last year's outcomes": (
            FiguresKind.OUTCOMES,
            reporting_year(this_year - 1),
            lambda: outcome_selectors.outcome_figures(this_year - 1),
        ),
    }
    result = {}
    for name, (kind, period, count) in kinds.items():
        kept = maintained.figures(kind, period, on, count)
        result[name] = kept is not None and kept[0] == count()
    return result


def measure_mixed(seconds=60, users=25, writes=2.0, think=2.0):
    """Each page's and each write's p50 and p95 under reads and writes at once, the share of
    stale reads, and whether the maintained figures still equal a recount afterwards."""
    load._setup_django()
    import requests
    from django.urls import reverse
    from django.utils import timezone

    from reviews import timescales

    on = timezone.localdate()
    year = timescales.reporting_year_start(on).year
    iro_usernames, manager_username = load.demo_accounts(users)
    found = writers(iro_usernames, on)
    try:
        with load.gunicorn_server() as base_url:
            managers = load.sign_in_all(base_url, [manager_username] * users)
            iros = load.sign_in_all(base_url, iro_usernames)
            paths = {
                "dashboard": reverse("reporting:dashboard"),
                "annual report": reverse("reporting:annual_report", args=[year]),
                "caseload": reverse("children:caseload"),
                "review list": reverse("reviews:due"),
            }
            # The first view of each figure builds them (seconds, once): before the clock starts.
            first = requests.Session()
            first.cookies.update(managers[0])
            before = {
                "dashboard": dashboard_counts(first.get(base_url + paths["dashboard"], timeout=300).text),
                "annual report": report_counts(first.get(base_url + paths["annual report"], timeout=300).text),
            }
            load.wait_until_idle(base_url)
            result = load.drive_in_child(
                Path(__file__),
                {
                    "base_url": base_url,
                    "paths": paths,
                    "managers": managers,
                    "iros": iros,
                    "writers": found,
                    "before": before,
                    "seconds": seconds,
                    "think": think,
                    "writes": writes,
                    "today": on.isoformat(),
                },
                timeout=seconds + load.WARM_UP_SECONDS + 300,
            )
    finally:
        revoke_tokens(found)
    result["recount"] = compared_with_a_recount(on)
    result.update(users=users, seconds=seconds, think=think, writes_asked=writes)
    if result["failures"]:
        raise RuntimeError(f"Requests failed under the mixed load: {result['errors']}")
    return result


def drive(spec_path, result_path):
    """Run the readers and the writers (in the child process) and write what they measured."""
    import gevent
    from locust import FastHttpUser, between, constant_throughput, task
    from locust.env import Environment

    spec = json.loads(Path(spec_path).read_text())
    today = spec["today"]
    committed = {"held": [], "raised": []}  # monotonic times at which each write's answer came back
    reads = {page: {"fresh": 0, "stale": 0} for page in ("dashboard", "annual report")}
    readers_signed_in = iter(range(10**6))
    writers_signed_in = iter(spec["writers"])

    def cookie(cookies):
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    def written_before(kind, moment):
        return sum(1 for when in committed[kind] if when < moment)

    class Reader(FastHttpUser):
        host = spec["base_url"]
        wait_time = between(spec["think"] / 2, spec["think"] * 3 / 2)

        def on_start(self):
            number = next(readers_signed_in)
            self.as_manager = cookie(spec["managers"][number % len(spec["managers"])])
            self.as_iro = cookie(spec["iros"][number % len(spec["iros"])])

        @task
        def read(self):
            page = random.choice(READ_PAGES)
            sent = time.monotonic()
            with self.client.get(
                spec["paths"][page],
                name=page,
                headers={"Cookie": self.as_manager if page in reads else self.as_iro},
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} {response.headers.get('Location') or ''}".strip())
                    return
                if page not in reads:
                    return
                html = response.text
                seen = dashboard_counts(html) if page == "dashboard" else report_counts(html)
                fresh = seen["held"] >= spec["before"][page]["held"] + written_before("held", sent)
                if page == "dashboard":
                    fresh = fresh and seen["open escalations"] >= spec["before"][page][
                        "open escalations"
                    ] + written_before("raised", sent)
                reads[page]["fresh" if fresh else "stale"] += 1

    class Writer(FastHttpUser):
        host = spec["base_url"]
        fixed_count = len(spec["writers"])
        wait_time = constant_throughput(spec["writes"] / len(spec["writers"]))

        def on_start(self):
            writer = next(writers_signed_in)
            self.headers = {"Authorization": f"Token {writer['key']}"}
            self.reviews, self.children = iter(writer["reviews"]), writer["children"]
            self.turn = random.randrange(3)
            self.raised = None

        def call(self, name, path, body, *, expect):
            with self.client.post(path, json=body, name=name, headers=self.headers, catch_response=True) as response:
                if response.status_code != expect:
                    response.failure(f"{response.status_code}: {response.text[:300]}")
                    return None
                return response.json()

        @task
        def write(self):
            self.turn = (self.turn + 1) % 3
            (self.hold_a_review, self.record_oversight, self.take_an_escalation_step)[self.turn]()

        def hold_a_review(self):
            review, participation_code = next(self.reviews, (None, None))
            if review is None:
                return self.record_oversight()
            path = f"/api/v1/reviews/{review}/working-record/"
            draft = self.call(
                "write: review held (working record)",
                path,
                {
                    "participants": [{"role": "child", "attendance": "attended"}],
                    "views": [{"of": "child", "text": "I like where I live.", "given": "in_person"}],
                    "draft_fields": {"held_on": today, "participation_code": participation_code},
                    "version": self.client.get(path, headers=self.headers, name="write: review held (read)").json()[
                        "version"
                    ],
                },
                expect=200,
            )
            if draft and self.call(
                "write: review held (complete)",
                f"/api/v1/reviews/{review}/complete/",
                {"version": draft["version"]},
                expect=200,
            ):
                committed["held"].append(time.monotonic())

        def record_oversight(self):
            self.call(
                "write: oversight record",
                "/api/v1/oversight-records/",
                {"child": random.choice(self.children), "kind": "case_file_check", "date": today},
                expect=201,
            )

        def take_an_escalation_step(self):
            if self.raised is None:
                self.raised = self.call(
                    "write: escalation raised",
                    "/api/v1/escalations/",
                    {
                        "child": random.choice(self.children),
                        "areas": ["care_planning"],
                        "what_is_wrong": "The plan has drifted.",
                        "what_is_asked": "A date for the permanence meeting.",
                        "stage": 1,
                        "addressed_to_name": "Sam Senior",
                        "addressed_to_role": "Social worker",
                        "raised_on": today,
                    },
                    expect=201,
                )
                if self.raised:
                    committed["raised"].append(time.monotonic())
                return
            self.call(
                "write: escalation escalated",
                f"/api/v1/escalations/{self.raised['id']}/escalate/",
                {
                    "stage": 2,
                    "addressed_to_name": "Alex Manager",
                    "addressed_to_role": "Team manager",
                    "sent_on": today,
                    "version": self.raised["version"],
                },
                expect=200,
            )
            self.raised = None

    environment = Environment(user_classes=[Reader, Writer])
    runner = environment.create_local_runner()
    total = len(spec["managers"]) + len(spec["writers"])
    runner.start(total, spawn_rate=total)
    gevent.sleep(load.WARM_UP_SECONDS)
    environment.stats.reset_all()
    for counts in reads.values():
        counts.update(fresh=0, stale=0)
    started = time.monotonic()
    gevent.sleep(spec["seconds"])
    elapsed = time.monotonic() - started
    rows = [
        {
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.num_requests / elapsed, 2),
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
        for entry in environment.stats.entries.values()
    ]
    result = {
        "rows": sorted(rows, key=lambda row: (row["name"].startswith("write"), row["name"])),
        "failures": sum(row["failures"] for row in rows),
        "errors": [f"{error.error} ({error.occurrences} times)" for error in environment.stats.errors.values()],
        "reads": reads,
        "writes_per_second": round(sum(row["requests"] for row in rows if row["name"] in WRITES) / elapsed, 2),
    }
    runner.quit()
    Path(result_path).write_text(json.dumps(result))


def print_result(result):
    print(f"{'page or write':<40} {'requests':>8} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} {'failed':>6}")
    for row in result["rows"]:
        print(
            f"{row['name']:<40} {row['requests']:>8} {row['rps']:>7} {row['p50_ms']:>7} {row['p95_ms']:>7} "
            f"{row['failures']:>6}"
        )
    print(f"writes a second: {result['writes_per_second']}")
    for page, counts in result["reads"].items():
        print(f"{page}: {counts['stale']} stale of {counts['fresh'] + counts['stale']} reads")
    print("maintained figures equal a full recount: " + ", ".join(f"{k} {v}" for k, v in result["recount"].items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="Measured seconds (default 60).")
    parser.add_argument("--users", type=int, default=25, help="Signed-in readers (default 25).")
    parser.add_argument("--writes", type=float, default=2.0, help="Writes a second in all (default 2).")
    parser.add_argument("--think", type=float, default=2.0, help="Readers' mean seconds on a page (default 2).")
    parser.add_argument("--drive", nargs=2, metavar=("SPEC", "RESULT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        drive(*args.drive)
        return
    result = measure_mixed(seconds=args.seconds, users=args.users, writes=args.writes, think=args.think)
    print_result(result)


if __name__ == "__main__":
    main()
