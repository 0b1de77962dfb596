"""Stored figures (reporting.stored_figures): an IRO's dashboard and outcome figures are counted
once and read back while the records behind them are unchanged, and counted afresh after any
committed change, whichever way it was written. The whole authority's figures are maintained
(reporting.maintained, tests/test_maintained_figures.py); the pages read them the same way.

These tests commit (transactional_db): the data version moves as a transaction commits, which
a test wrapped in one rolled-back transaction never does."""

import json
import re
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from consultations.models import ConsultationInvitation, ConsultationResponse, SafetyAlert
from reporting import maintained, selectors, stored_figures
from reporting.figure_encoding import decode, encode
from reporting.models import FiguresKind, MaintainedFigures, StoredFigures
from reporting.periods import reporting_year, year_to_date
from reviews.letter_models import ChildLetter
from reviews.models import (
    CalendarFingerprint,
    Circulation,
    CirculationRecipient,
    Review,
    ReviewDocument,
    ReviewKind,
    ReviewStatus,
)
from staffing.services import record_staffing_change
from tests.api_helpers import api_client
from tests.conftest import ON_POSTGRESQL, postgresql_only, sign_in
from tests.dashboard.pages import figure_value
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIGURE_APPS = ("children", "reviews", "oversight", "escalations")
FIGURE_MODELS = (ConsultationInvitation, ConsultationResponse, SafetyAlert)
"""Models of other apps that figures are counted from."""


def add_looked_after_child(iro, n):
    child = ChildFactory(given_name=f"Stored{n}", family_name="Figures", local_child_id=f"SF{n:04d}")
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    return child


def dashboard_page(client):
    """The page, without the sign-out form's CSRF token (new on every response)."""
    response = client.get(reverse("reporting:dashboard"))
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def tables_with_the_trigger():
    with connection.cursor() as cursor:
        if ON_POSTGRESQL:
            cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'reporting_data_changed'")
            return {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reporting_data_changed_%'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_table_the_figures_are_counted_from_moves_the_data_version():
    """A table added to these apps later must join the triggers (a new migration), or its
    changes would leave stale figures on the dashboard. The calendar's fingerprint counts nothing:
    the calendar it fingerprints moves the version when it is written again. Nor do a review's
    documents and their sendings (a PDF's progress would otherwise move it several times): a
    sending changes the review's circulation dates, and the review's table moves it. Nor does the
    letter to the child, whose words no figure counts."""
    tables = {model._meta.db_table for app in FIGURE_APPS for model in apps.get_app_config(app).get_models()}
    tables |= {model._meta.db_table for model in FIGURE_MODELS}
    tables -= {
        model._meta.db_table
        for model in (CalendarFingerprint, ReviewDocument, Circulation, CirculationRecipient, ChildLetter)
    }
    assert tables | {User._meta.db_table} <= tables_with_the_trigger()


class TestDataVersion:
    def test_a_committed_change_moves_it_once_and_a_rolled_back_one_not_at_all(self, iro):
        before = stored_figures.data_version().number
        with transaction.atomic():
            add_looked_after_child(iro, 1)
            add_looked_after_child(iro, 2)
            if ON_POSTGRESQL:
                assert stored_figures.data_version().changed_in_this_transaction
        assert stored_figures.data_version() == stored_figures.DataVersion(before + (1 if ON_POSTGRESQL else 6), False)
        moved = stored_figures.data_version().number
        with pytest.raises(RuntimeError), transaction.atomic():
            add_looked_after_child(iro, 3)
            raise RuntimeError("the form was not valid after all")
        assert stored_figures.data_version().number == moved

    def test_signing_in_does_not_move_it_but_a_change_of_hours_does(self, client, iro):
        before = stored_figures.data_version().number
        sign_in(client, iro)
        assert stored_figures.data_version().number == before
        record_staffing_change(
            iro, starts_on=timezone.localdate(), fte=Decimal("0.6"), agency=False, by=None, expected_version=None
        )
        assert stored_figures.data_version().number > before

    def test_sql_written_by_hand_moves_it_too(self, iro):
        child = add_looked_after_child(iro, 1)
        before = stored_figures.data_version().number
        with connection.cursor() as cursor:
            cursor.execute("UPDATE children_child SET family_name = 'Changed' WHERE id = %s", [child.pk])
        assert stored_figures.data_version().number > before


class TestDashboard:
    def test_the_second_look_reads_the_stored_figures_and_says_when_they_were_counted(self, client, manager, iro):
        for n in range(3):
            add_looked_after_child(iro, n)
        sign_in(client, manager)
        first = dashboard_page(client)
        assert figure_value(first, "Looked after now") == 3
        assert "Figures counted at" in first
        with CaptureQueriesContext(connection) as queries:
            second = dashboard_page(client)
        assert second == first
        statements = " ".join(query["sql"] for query in queries.captured_queries)
        assert "children_careepisode" not in statements
        # the session, the user, the unread notifications in the header, the maintained figures (worked
        # out once from them, with the IROs' hours beside the caseloads), the year's local targets
        assert len(queries) == 5

    def test_stored_figures_are_the_live_figures(self, manager, iro):
        for n in range(4):
            add_looked_after_child(iro, n)
        today = timezone.localdate()
        period = year_to_date(today)
        stored_figures.dashboard_for(iro, period, today)
        assert StoredFigures.objects.filter(kind=FiguresKind.DASHBOARD, scope=f"iro:{iro.pk}").count() == 1
        read_back = stored_figures.dashboard_for(iro, period, today).figures
        assert read_back == stored_figures.dashboard_for(iro, period, today).figures
        for counted in (read_back, stored_figures.dashboard_for(manager, period, today).figures):
            assert counted == selectors.dashboard(period, today)
            assert [row.iro.get_full_name() for row in counted["caseloads"]["rows"]] == [iro.get_full_name()]

    def test_a_change_committed_since_is_counted_on_the_next_look(self, client, manager, iro):
        add_looked_after_child(iro, 1)
        sign_in(client, manager)
        assert figure_value(dashboard_page(client), "Looked after now") == 1
        add_looked_after_child(iro, 2)
        assert figure_value(dashboard_page(client), "Looked after now") == 2

    def test_an_iros_dashboard_is_kept_apart_from_the_authoritys(self, client, manager, iro, other_iro):
        add_looked_after_child(iro, 1)
        add_looked_after_child(other_iro, 2)
        add_looked_after_child(other_iro, 3)
        sign_in(client, manager)
        assert figure_value(dashboard_page(client), "Looked after now") == 3
        sign_in(client, iro)
        assert figure_value(dashboard_page(client), "Looked after now") == 1
        sign_in(client, other_iro)
        assert figure_value(dashboard_page(client), "Looked after now") == 2
        assert set(StoredFigures.objects.values_list("scope", flat=True)) == {f"iro:{iro.pk}", f"iro:{other_iro.pk}"}
        assert MaintainedFigures.objects.filter(kind=FiguresKind.DASHBOARD).count() == 1

    def test_the_api_reads_the_same_stored_figures_and_says_when_they_were_counted(self, client, manager, iro):
        add_looked_after_child(iro, 1)
        sign_in(client, manager)
        dashboard_page(client)
        kept = MaintainedFigures.objects.get(kind=FiguresKind.DASHBOARD)
        body = api_client(manager).get("/api/v1/dashboard/").json()
        assert body["calculated_at"] == kept.folded_at.isoformat()
        assert body["children"]["looked_after_now"] == 1

    def test_a_new_day_counts_afresh_and_forgets_the_days_before(self, manager, iro):
        add_looked_after_child(iro, 1)
        today = timezone.localdate()
        for user in (iro, manager):
            stored_figures.dashboard_for(user, year_to_date(today), today - timedelta(days=1))
            stored_figures.dashboard_for(user, year_to_date(today), today)
        assert list(StoredFigures.objects.values_list("as_of", flat=True)) == [today]
        assert list(MaintainedFigures.objects.values_list("as_of", flat=True)) == [today]

    def test_a_migration_forgets_every_stored_figure(self, manager, iro):
        add_looked_after_child(iro, 1)
        today = timezone.localdate()
        stored_figures.dashboard_for(manager, year_to_date(today), today)
        stored_figures.dashboard_for(iro, year_to_date(today), today)
        call_command("migrate", verbosity=0)
        assert not StoredFigures.objects.exists()
        assert not MaintainedFigures.objects.exists()

    @postgresql_only
    def test_people_asking_at_once_wait_for_one_count(self, manager, iro, monkeypatch):
        """25 managers opening a cold dashboard of a large authority must not count it 25 times."""
        add_looked_after_child(iro, 1)
        today = timezone.localdate()
        counting = threading.Event()
        counts = []
        build = maintained._build

        def slow_build(*args, **kwargs):
            counts.append(1)
            counting.set()
            threading.Event().wait(0.5)
            return build(*args, **kwargs)

        monkeypatch.setattr(maintained, "_build", slow_build)
        answers = []

        def look():
            try:
                answers.append(stored_figures.dashboard_for(manager, year_to_date(today), today))
            finally:
                connections.close_all()

        first = threading.Thread(target=look)
        first.start()
        assert counting.wait(10)
        others = [threading.Thread(target=look) for _ in range(3)]
        for thread in others:
            thread.start()
        for thread in [first, *others]:
            thread.join(30)
        assert len(answers) == 4 and len(counts) == 1
        assert len({answer.calculated_at for answer in answers}) == 1


class TestAnnualReport:
    def test_a_years_figures_are_stored_and_counted_afresh_after_a_change(self, iro):
        child = add_looked_after_child(iro, 1)
        year = reporting_year(timezone.localdate().year - 1)
        today = timezone.localdate()
        first = stored_figures.year_figures(year, today)
        assert stored_figures.year_figures(year, today) == first
        Review.objects.create(
            child=child,
            kind=ReviewKind.LAC,
            number=1,
            cycle_start=year.start,
            due_date=year.start + timedelta(days=20),
            status=ReviewStatus.HELD,
            held_on=year.start + timedelta(days=18),
            participation_code="PN1",
        )
        again = stored_figures.year_figures(year, today)
        assert again.calculated_at > first.calculated_at
        assert again.figures["reviews"][ReviewKind.LAC]["held"] == first.figures["reviews"][ReviewKind.LAC]["held"] + 1
        assert again.figures == stored_figures.annual_report_figures(year, today)


class TestFormat:
    def test_every_kind_of_value_reads_back_as_it_was(self):
        value = {
            "by_stage": {1: 2, 3: 4},
            "$looks_like_a_tag": 1,
            "band": (50, 70),
            "fte": Decimal("0.80"),
            "on": date(2024, 2, 29),
            "nothing": None,
            "share": 12.5,
            "took": timedelta(hours=6, minutes=30),
            "list": [1, "", True],
        }
        read_back = decode(json.loads(json.dumps(encode(value))))
        assert read_back == value
        assert list(read_back) == list(value)

    def test_a_value_it_cannot_store_is_refused_rather_than_changed(self):
        with pytest.raises(TypeError):
            encode({"when": timezone.now()})
