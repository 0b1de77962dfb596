"""The dashboard runs the same few queries whatever the number of children."""

from datetime import date as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children.models import Allocation, CareEpisode, Child
from oversight.models import OversightRecord
from reviews import timescales
from reviews.models import Review
from tests.conftest import ON_POSTGRESQL, escalation_raised, sign_in

# Counting every figure takes 22 queries (the conference records' figures one; the LAC review
# records' figures three, over the reviews and grouped over the child's views and the unmet
# checks; the consultation figures two, for the period and for the same dates a year before),
# reading the IROs' hours one more (apart from their allocations, which are counted by shard) and
# the year's local targets one more. An IRO's figures are counted so, and on PostgreSQL a
# manager's too, as a test's own transaction has written (the look-up of the maintained figures
# that finds the transaction's own changes is one more). On SQLite a manager's
# figures are maintained (reporting.maintained): after a change the 22 tallies, compiled once,
# count the changed shards, and folding them in takes 15 (the
# maintained row looked up twice, the changes stamped, the version read, the changed shards
# listed, their old counts read, deleted and written again, the sums saved, figures of other days
# and the changes folded forgotten in three, a savepoint and its release), as fixed as the rest.
MAX_DASHBOARD_QUERIES = 25 if ON_POSTGRESQL else 24 + 15


def add_many_children(authority, count=60, family_name="Bulk"):
    """`count` more children spread over Iris and Owen, each looked after with a held and an
    outstanding review, an oversight record and an open escalation."""
    on, wd = authority.on, authority.wd
    iros = [authority.iris, authority.owen]
    Child.objects.bulk_create(
        Child(
            local_child_id=f"{family_name.upper()}{n:04d}",
            given_name=f"Many{n}",
            family_name=family_name,
            date_of_birth=D(2013, 1, 1),
            sex="M",
            ethnicity="WBRI",
        )
        for n in range(count)
    )
    children = list(Child.objects.filter(family_name=family_name).order_by("pk"))  # with their ids on any database
    start = timescales.add_months(on, -12)
    CareEpisode.objects.bulk_create(
        CareEpisode(
            child=child,
            start_date=start,
            reason_for_new_episode="S",
            legal_status="C2",
            category_of_need="N1",
            placement_type="U6",
            placement_provider="PR1",
        )
        for child in children
    )
    Allocation.objects.bulk_create(
        Allocation(child=child, iro=iros[n % 2], start_date=start) for n, child in enumerate(children)
    )
    held = timescales.add_months(on, -2)
    Review.objects.bulk_create(
        Review(
            child=child,
            kind="LAC",
            number=2,
            cycle_start=start,
            due_date=held,
            status="held",
            held_on=held,
            participation_code="PN1",
        )
        for child in children
    )
    Review.objects.bulk_create(
        Review(child=child, kind="LAC", number=3, cycle_start=start, due_date=wd(n % 40 - 10), status="due")
        for n, child in enumerate(children)
    )
    OversightRecord.objects.bulk_create(
        OversightRecord(
            child=child,
            iro=iros[n % 2],
            date=wd(-5),
            kind="midway_review",
            rag=["red", "amber", "green"][n % 3],
            next_check_date=wd(-1),
        )
        for n, child in enumerate(children)
    )
    for n, child in enumerate(children):
        escalation_raised(child, iros[n % 2], wd(-10), ["health"])


@pytest.mark.django_db
class TestQueries:
    """The dashboard runs the same few queries whatever the number of children."""

    def count_queries(self, client, **query):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reporting:dashboard"), query)
        assert response.status_code == 200
        return len(queries)

    @pytest.mark.parametrize("who", ["manager", "iro"])
    def test_a_fixed_number_of_queries(self, client, authority_today, manager, who):
        user = manager if who == "manager" else authority_today.iris
        sign_in(client, user)
        self.count_queries(client)  # the first request also fills the process's caches
        add_many_children(authority_today, count=2, family_name="Few")
        small = self.count_queries(client)  # a change since: counted again
        before = Child.objects.count()
        add_many_children(authority_today)
        assert Child.objects.count() == before + 60
        large = self.count_queries(client)  # the same change to more children: counted again
        assert large == small
        assert large <= MAX_DASHBOARD_QUERIES
        assert self.count_queries(client) <= large
