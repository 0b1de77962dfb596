"""The benchmark's query counts (bench/query_counts.py) on two seeded authorities, one
three times the other: every list page, dashboard and API list endpoint answers 200 (query_counts
raises otherwise) and makes the same number of queries at both sizes. The benchmark compares
5,000 and 100,000 children; this catches a query per child, per IRO or per row on every change.

The caseload's IRO holds about 20 children in the smaller authority and a full page in the larger
one, and the managers' lists (the oversight worklist, the escalations by stage, every IRO's
caseload) grow with the authority up to a page, so a query per row differs between the two."""

from io import StringIO

import pytest
from django.core.management import call_command

from bench.query_counts import query_counts
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


def test_query_counts_do_not_depend_on_the_number_of_children(counts_by_size):
    small, large = (counts_by_size[size] for size in SIZES)
    assert small.keys() == large.keys()
    assert {name: (small[name], large[name]) for name in small if small[name] != large[name]} == {}
