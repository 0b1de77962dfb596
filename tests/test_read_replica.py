"""Which database each read goes to with a read replica (iro_portal/db_routers.py). The replica
here is the test database itself under a second alias (tests/conftest.py, Django's TEST MIRROR),
so every query shows on the connection of the alias the router chose, on real tables."""

import contextvars
import logging
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.http import JsonResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from children.models import Allocation, Child
from iro_portal import db_routers
from iro_portal.db_routers import REPLICA, reading_from_replica
from reporting import selectors, stored_figures
from reporting.periods import year_to_date
from staffing.services import record_staffing_change
from tests.conftest import ON_POSTGRESQL, sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, IroFactory

PRIMARY = DEFAULT_DB_ALIAS
pytestmark = pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])


@pytest.fixture
def replica(settings):
    """The router and its middleware, as settings.py installs them when REPLICA_DATABASE_URL is set."""
    settings.DATABASE_ROUTERS = ["iro_portal.db_routers.ReplicaRouter"]
    settings.MIDDLEWARE = ["iro_portal.db_routers.ReplicaReadsMiddleware", *settings.MIDDLEWARE]


@contextmanager
def queries(aliases=(PRIMARY, REPLICA)):
    """The SQL each alias ran meanwhile: {alias: [sql, ...]}, filled in at the end."""
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in aliases}
    ran: dict[str, list[str]] = {}
    with ExitStack() as stack:
        for capture in captured.values():
            stack.enter_context(capture)
        yield ran
    ran.update({alias: [query["sql"] for query in capture.captured_queries] for alias, capture in captured.items()})


def reading(ran, table):
    """The aliases that read `table`."""
    return {alias for alias, sqls in ran.items() if any(f'FROM "{table}"' in sql for sql in sqls)}


# Views that read what a view would read, in each of the situations the router tells apart.


@login_not_required
@csrf_exempt
def count_children(request):
    with reading_from_replica():
        return JsonResponse({"children": Child.objects.count()})


@login_not_required
@csrf_exempt
def add_a_child_then_count(request):
    ChildFactory()
    with reading_from_replica():
        return JsonResponse({"children": Child.objects.count()})


@login_not_required
def count_in_a_transaction_then_after_it(request):
    with reading_from_replica():
        with transaction.atomic():
            children = Child.objects.count()
        return JsonResponse({"children": children, "allocations": Allocation.objects.count()})


urlpatterns = [
    path("count/", count_children, name="count"),
    path("add-then-count/", add_a_child_then_count, name="add_then_count"),
    path("count-in-a-transaction/", count_in_a_transaction_then_after_it, name="count_in_a_transaction"),
]
with_these_views = pytest.mark.urls(__name__)


@with_these_views
def test_a_read_that_asks_for_the_replica_gets_it(replica, client):
    ChildFactory.create_batch(2)
    with queries() as ran:
        assert client.get(reverse("count")).json() == {"children": 2}
    assert reading(ran, "children_child") == {REPLICA}


@with_these_views
def test_without_a_replica_every_read_is_from_the_primary(client):
    ChildFactory()
    with queries() as ran:
        client.get(reverse("count"))
    assert reading(ran, "children_child") == {PRIMARY}
    assert ran[REPLICA] == []


@with_these_views
def test_a_post_reads_from_the_primary_even_before_it_writes(replica, client):
    with queries() as ran:
        client.post(reverse("count"))
    assert reading(ran, "children_child") == {PRIMARY}


@with_these_views
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_request_that_has_written_reads_what_it_wrote_from_the_primary(replica, client, method):
    with queries() as ran:
        response = getattr(client, method)(reverse("add_then_count"))
    assert response.json() == {"children": 1}
    assert reading(ran, "children_child") == {PRIMARY}
    assert ran[REPLICA] == []


@with_these_views
def test_inside_a_transaction_reads_are_from_the_primary_and_after_it_from_the_replica(replica, client):
    with queries() as ran:
        client.get(reverse("count_in_a_transaction"))
    assert reading(ran, "children_child") == {PRIMARY}
    assert reading(ran, "children_allocation") == {REPLICA}


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="a replica is PostgreSQL only, and SQLite's in-memory test database cannot be made unreachable",
)
@with_these_views
def test_an_unreachable_replica_leaves_reads_on_the_primary_and_says_so(replica, client, monkeypatch, caplog):
    replica_connection = connections[REPLICA]
    replica_connection.close()
    monkeypatch.setitem(replica_connection.settings_dict, "NAME", "iro_no_such_replica")
    monkeypatch.setattr(db_routers, "_replica_down_until", 0.0)
    ChildFactory()
    try:
        with caplog.at_level(logging.WARNING, logger="iro_portal.db_routers"), queries([PRIMARY]) as ran:
            assert client.get(reverse("count")).json() == {"children": 1}
            assert client.get(reverse("count")).json() == {"children": 1}
        assert replica_connection.connection is None
    finally:
        replica_connection.close()
    assert len([sql for sql in ran[PRIMARY] if 'FROM "children_child"' in sql]) == 2, "both counted on the primary"
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1, "the next request does not try again at once"
    assert warnings[0].startswith("The read replica did not answer (OperationalError): reading from the primary")


def test_the_dashboard_reads_its_maintained_figures_from_the_replica(replica, client, manager):
    sign_in(client, manager)
    assert client.get(reverse("reporting:dashboard")).status_code == 200  # counts them and keeps them
    with queries() as ran:
        assert client.get(reverse("reporting:dashboard")).status_code == 200
    assert reading(ran, "reporting_maintainedfigures") == {REPLICA}
    assert all(sql.startswith("SELECT") for sql in ran[REPLICA]), ran[REPLICA]


def test_an_api_list_is_read_from_the_replica_and_audited_on_the_primary(replica, client, manager):
    for _ in range(3):
        child = ChildFactory()
        CareEpisodeFactory(child=child)
        AllocationFactory(child=child)
    sign_in(client, manager)
    with queries() as ran:
        response = client.get("/api/v1/children/")
    assert response.status_code == 200 and response.json()["count"] == 3
    assert reading(ran, "children_child") == {REPLICA}
    assert any(sql.startswith('INSERT INTO "audit_auditevent"') for sql in ran[PRIMARY])
    assert all(sql.startswith("SELECT") for sql in ran[REPLICA]), ran[REPLICA]


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate(REPLICA, "children") is False
    assert router.allow_migrate(PRIMARY, "children") is True


def test_a_change_to_an_iros_hours_shows_at_once_in_figures_read_from_the_replica(replica, manager):
    """The IROs' hours beside the caseloads are read from the replica when nothing else in the
    request wrote: figures that read them there are still worked out again after a write."""
    today = timezone.localdate()
    period = year_to_date(today)
    iro = IroFactory()

    def caseloads_as_a_request_reads_them():
        """In a context of its own, as each request has (a request that has written reads the
        primary for the rest of it)."""

        def read():
            with reading_from_replica():
                return stored_figures.dashboard_for(manager, period, today).figures["caseloads"]

        return contextvars.Context().run(read)

    caseloads_as_a_request_reads_them()  # counts and keeps them, on the primary
    for days_ago, fte in ((1, "0.3"), (0, "0.6")):
        starts_on = today - timedelta(days=days_ago)
        record_staffing_change(iro, starts_on=starts_on, fte=Decimal(fte), agency=False, by=None, expected_version=None)
        shown = caseloads_as_a_request_reads_them()
        assert shown == selectors.dashboard(period, today)["caseloads"]
        assert next(row.fte for row in shown["rows"] if row.iro == iro) == Decimal(fte)
