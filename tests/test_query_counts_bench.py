"""The benchmark's query counts (bench/query_counts.py) on two seeded authorities, one
three times the other: every list page, dashboard and API list endpoint, and the pages and API
endpoints of a full review record, conference record, review document and child's data entry, and
the consultation pages (a review's links and replies, the safety alerts, the public pages),
answers 200 (query_counts raises otherwise) and makes the same number of queries at both sizes.
The benchmark compares 5,000 and 100,000 children; this catches a query per child, per IRO or
per row on every change.

The caseload's IRO holds about 20 children in the smaller authority and a full page in the larger
one, and the managers' lists (the oversight worklist, the escalations by stage, every IRO's
caseload, the held reviews by each filter, the conferences and the review documents) grow with the
authority up to a page, so a query per row differs between the two."""

from io import StringIO

import pytest
from django.core.management import call_command

from bench.query_counts import query_counts
from bench.run import query_count_table, replace_section
from tests.conftest import kept_for_the_module

pytestmark = pytest.mark.django_db

SIZES = (60, 180)


@pytest.fixture(scope="module")
def counts_by_size(django_db_setup, django_db_blocker):
    """{children: query_counts()}, each authority replacing the one before."""
    counts = {}
    with kept_for_the_module(django_db_blocker):
        for children in SIZES:
            call_command("seed_demo", "--children", str(children), "--seed", "3", stdout=StringIO())
            counts[children] = query_counts()
    return counts


def test_every_page_and_api_list_endpoint_is_counted(counts_by_size):
    counts = counts_by_size[SIZES[0]]
    assert {"caseload", "children list", "reviews due", "dashboard", "annual report", "audit log"} <= counts.keys()
    assert {
        "API /api/v1/children/",
        "API /api/v1/reviews/",
        "API /api/v1/escalations/",
        "API /api/v1/dashboard/",
    } <= counts.keys()
    assert all(count > 0 for count in counts.values())


def test_the_pages_and_endpoints_of_the_review_records_and_data_entry_are_counted(counts_by_size):
    counts = counts_by_size[SIZES[0]]
    tasks = ("meeting", "attendance", "views", "checks", "decisions", "participation", "check")
    assert {
        "held LAC review",
        "held LAC review: record task list",
        *(f"held LAC review: record {task}" for task in tasks),
        "LAC review with a draft: record task list",
        *(f"LAC review with a draft: record {task}" for task in tasks),
        "held ICPC",
        "held ICPC: conference held",
        "held ICPC: first core group",
        "conference with a draft: record",
        "conference with a draft: record attendance",
        "conference with a draft: record parents",
        "conference with a draft: record plan",
        "conference with a draft: record core group",
        "review document",
        "review document PDF",
        "review document: record it was sent",
        "review document: sent",
        "add a child",
        "add a care episode",
        "change a care episode",
        "end a care episode",
        "add a strategy discussion",
        "start a protection plan",
        "change a protection plan's category",
        "end a protection plan",
        "reviews held, child_views=recorded",
        "reviews held, quorate=yes",
        "dashboard",
        "annual report",
    } <= counts.keys()
    assert {
        "API /api/v1/conferences/",
        "API /api/v1/review-documents/",
        "API held LAC review's working record",
        "API LAC review with a draft: its working record",
        "API held ICPC's conference record",
        "API review document",
    } <= counts.keys()


def test_the_consultation_pages_and_endpoints_are_counted(counts_by_size):
    counts = counts_by_size[SIZES[0]]
    assert {
        "LAC review with a draft: consultation",
        "LAC review with a draft: send links",
        "consultation reply",
        "safety alerts",
        "safety alert",
        "watched words",
        "consultation links behind the views figures",
        "have your say: start",
        "have your say: form",
        "API /api/v1/consultation-invitations/",
        "API consultation link",
        "API consultation link's reply",
    } <= counts.keys()
    # The public pages are opened by someone not signed in: no session or user is read.
    assert counts["have your say: start"] <= 2


def test_query_counts_do_not_depend_on_the_number_of_children(counts_by_size):
    small, large = (counts_by_size[size] for size in SIZES)
    assert small.keys() == large.keys()
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}


def test_a_query_counts_only_run_replaces_only_that_section_of_the_results():
    before = "\n".join(
        [
            "# Benchmark results",
            "",
            "## 2. Pages under load",
            "",
            "| caseload | 56 |",
            "",
            "## 3. Queries per page and per API list endpoint",
            "",
            "| caseload | 8 | 8 |",
            "",
            "## 4. Reminder sweep and SSDA903 import",
            "",
            "| import | 36.5 s |",
            "",
        ]
    )
    measured = {"5000": {"caseload": 11, "dashboard": 16}, "100000": {"caseload": 11, "dashboard": 17}}
    lines, problems = query_count_table({"sizes": {size: {"measured": {"queries": q}} for size, q in measured.items()}})
    after = replace_section(before, lines, "Counted on 2026-12-06 23:30 UTC.")

    assert after.startswith(before[: before.index("## 3.")])
    assert after.endswith(before[before.index("## 4.") :])
    section = after[after.index("## 3.") : after.index("## 4.")]
    assert "Counted on 2026-12-06 23:30 UTC." in section
    assert "| caseload | 11 | 11 |" in section and "| dashboard | 16 | 17 |" in section
    assert "| caseload | 8 | 8 |" not in section
    assert "Not equal at every size: dashboard." in section
    assert problems == ["the query count of dashboard changes with the number of children: [16, 17]"]
