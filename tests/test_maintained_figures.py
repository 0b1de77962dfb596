"""Maintained figures (reporting.maintained): the whole authority's dashboard, annual report
year and outcome figures are kept up to date as records change, and always equal a full
recount, whichever way the records were written: the services behind the pages, the API,
querysets and the admin, SQL by hand, the demo seed.

These tests commit (transactional_db): the triggers note changes that commit, and on
PostgreSQL a transaction that changed records counts its own figures live."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Role, User
from children.models import CareEpisode, Child
from consultations.models import SafetyAlert
from demo.management.commands.seed_demo import seed_demo
from escalations import services as escalation_services
from escalations.codes import AreaOfConcern, EscalationStatus
from escalations.models import Escalation
from oversight import services as oversight_services
from oversight.models import OversightKind, OversightRecord, Rag
from reporting import maintained, outcome_selectors, selectors, stored_figures, tallies
from reporting.models import EVERY_SHARD, ChangedShard, FiguresKind, MaintainedFigures, MaintainedShard
from reporting.periods import reporting_year, year_to_date
from reviews import services as review_services
from reviews.models import CalendarDay, ParticipationCode, Review, ReviewKind, ReviewStatus
from ssda903.exporter import FILE_NAMES, build_rows, write_csv
from ssda903.importer import import_return
from staffing.services import record_staffing_change
from tests.api_helpers import api_client
from tests.factories import (
    AllocationFactory,
    CareEpisodeFactory,
    ChildFactory,
    OversightRecordFactory,
    record_attendance_and_views,
)

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2025, 11, 25)
DASHBOARD_PERIOD = year_to_date(TODAY)
LAST_YEAR = reporting_year(2024)
THIS_YEAR = reporting_year(2025)

KINDS = {
    "dashboard": (FiguresKind.DASHBOARD, DASHBOARD_PERIOD, lambda: selectors.dashboard(DASHBOARD_PERIOD, TODAY)),
    "last year": (
        FiguresKind.REPORTING_YEAR,
        LAST_YEAR,
        lambda: stored_figures.annual_report_figures(LAST_YEAR, TODAY),
    ),
    "this year": (
        FiguresKind.REPORTING_YEAR,
        THIS_YEAR,
        lambda: stored_figures.annual_report_figures(THIS_YEAR, TODAY),
    ),
    "outcomes": (FiguresKind.OUTCOMES, LAST_YEAR, lambda: outcome_selectors.outcome_figures(2024)),
}


def maintained_figures(name):
    kind, period, count = KINDS[name]
    return maintained.figures(kind, period, TODAY, count)[0]


def assert_every_figure_equals_a_recount():
    for name, (_, _, count) in KINDS.items():
        assert maintained_figures(name) == count(), name


@pytest.fixture
def authority():
    """A small demo authority, its children in several shards."""
    seed_demo(children=150, seed=3, today=TODAY)
    assert len({child_id // tallies.SHARD_WIDTH for child_id in Child.objects.values_list("pk", flat=True)}) >= 3


def iro():
    return User.objects.filter(role=Role.IRO, is_active=True).order_by("pk").first()


def pick(queryset, number):
    rows = list(queryset.order_by("pk").values_list("pk", flat=True))
    return queryset.model.objects.get(pk=rows[number % len(rows)]) if rows else None


def hold_a_review(number):
    review = pick(Review.objects.filter(kind=ReviewKind.LAC, status__in=["due", "booked"], due_date__lte=TODAY), number)
    if review:
        codes = ParticipationCode.values
        review_services.record_review_held(
            record_attendance_and_views(review),
            by=iro(),
            fields={
                "held_on": min(review.due_date + timedelta(days=number % 30), TODAY),
                "participation_code": codes[number % len(codes)],
            },
            today=TODAY,
        )


def record_oversight(number):
    child = pick(Child.objects.filter(episodes__end_date__isnull=True).distinct(), number)
    if child:
        oversight_services.record_oversight(
            child,
            by=iro(),
            kind=OversightKind.MIDWAY_REVIEW,
            date=TODAY - timedelta(days=number % 60),
            rag=Rag.values[number % len(Rag.values)],
            today=TODAY,
        )


def raise_escalation(number):
    child = pick(Child.objects.filter(episodes__end_date__isnull=True).distinct(), number)
    if child:
        escalation_services.raise_escalation(
            child,
            by=iro(),
            areas=[AreaOfConcern.values[number % len(AreaOfConcern.values)]],
            what_is_wrong="The plan has drifted.",
            what_is_asked="A date for the permanence meeting.",
            stage=1 + number % 3,
            addressed_to_name="Sam Senior",
            addressed_to_role="Team manager",
            raised_on=TODAY - timedelta(days=number % 90),
            today=TODAY,
        )


def answer_an_escalation(number):
    escalation = pick(Escalation.objects.filter(status=EscalationStatus.OPEN), number)
    if escalation:
        step = escalation.steps.order_by("-stage").first()
        escalation_services.record_response(
            escalation,
            by=iro(),
            responded_on=min(step.sent_on + timedelta(days=number % 20), TODAY),
            response_summary="A date is set.",
            today=TODAY,
        )


def end_an_episode_as_the_admin_would(number):
    """A queryset update: the admin, a shell, a data fix."""
    episode = pick(CareEpisode.objects.filter(end_date__isnull=True, start_date__lt=TODAY - timedelta(days=40)), number)
    if episode:
        CareEpisode.objects.filter(pk=episode.pk).update(
            end_date=TODAY - timedelta(days=number % 30), reason_episode_ceased="E4A"
        )


def move_a_record_to_another_child_by_sql(number):
    """SQL by hand: an oversight record moved to a child in another shard changes both."""
    record = pick(OversightRecord.objects.all(), number)
    child = pick(
        Child.objects.exclude(pk__lt=(record.child_id // tallies.SHARD_WIDTH + 1) * tallies.SHARD_WIDTH), number
    )
    if record and child:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE oversight_oversightrecord SET child_id = %s WHERE id = %s", [child.pk, record.pk])


def recode_reviews_in_bulk(number):
    codes = ParticipationCode.values
    first = pick(Child.objects.all(), number)
    Review.objects.filter(
        kind=ReviewKind.LAC, status=ReviewStatus.HELD, child_id__gte=first.pk, child_id__lt=first.pk + 40
    ).update(participation_code=codes[number % len(codes)])


def delete_a_child(number):
    Child.objects.filter(pk=pick(Child.objects.all(), number).pk).delete()


def bring_a_child_into_care(number):
    """A new child, in a shard of its own when its id starts one."""
    child = ChildFactory(date_of_birth=TODAY - timedelta(days=365 * (1 + number % 16)))
    CareEpisodeFactory(child=child, start_date=TODAY - timedelta(days=number % 400))
    AllocationFactory(child=child, iro=iro(), start_date=TODAY - timedelta(days=number % 400))


def change_an_iros_hours(number):
    record_staffing_change(
        iro(),
        starts_on=TODAY,
        fte=Decimal("0.5") + Decimal(number % 5) / 10,
        agency=False,
        by=None,
        expected_version=None,
    )


def answer_a_safety_alert(number):
    alert = pick(SafetyAlert.objects.filter(responded_at__isnull=True), number)
    if alert:
        SafetyAlert.objects.filter(pk=alert.pk).update(
            responded_at=alert.raised_at + timedelta(hours=1 + number % 48),
            responded_by=iro(),
            action_taken="Called the social worker.",
        )


def record_oversight_through_the_api(number):
    child = pick(Child.objects.filter(episodes__end_date__isnull=True).distinct(), number)
    if child:
        api_client(iro()).post(
            "/api/v1/oversight-records/",
            {"child": child.pk, "kind": "case_file_check", "date": (TODAY - timedelta(days=number % 20)).isoformat()},
            format="json",
        )


def import_a_return_with_a_review_recoded(number):
    """An SSDA903 import: last year's return as the portal would export it, one review's
    participation code and one episode's placement changed, as a council's case system would send it."""
    data = build_rows(2024)
    if data.reviews:
        data.reviews[number % len(data.reviews)]["REVIEW_CODE"] = ParticipationCode.values[number % 7]
    if data.episodes:
        data.episodes[number % len(data.episodes)]["PLACE"] = ("U1", "U4", "R1")[number % 3]
    tables = ("header", "episodes", "reviews")
    import_return(
        {FILE_NAMES[table]: write_csv(table, getattr(data, table)) for table in tables},
        by=User.objects.get(username="manager"),
        today=TODAY,
    )


def add_an_iro_in_the_admin(number):
    """The Django admin's add-account form: a new IRO starts a staffing history."""
    from django.test import Client

    admin = Client()
    admin.force_login(User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("root"))
    password = f"An IRO's own {number} password"
    answer = admin.post(
        "/admin/accounts/user/add/",
        {
            "username": f"new.iro.{number}",
            "usable_password": "true",
            "password1": password,
            "password2": password,
            "role": Role.IRO,
            "fte": "0.8",
            "team": "",
        },
    )
    assert answer.status_code == 302 or User.objects.filter(username=f"new.iro.{number}").exists(), answer.content


def read_some_figures(number):
    maintained_figures(list(KINDS)[number % len(KINDS)])


WRITES = [
    hold_a_review,
    record_oversight,
    raise_escalation,
    answer_an_escalation,
    end_an_episode_as_the_admin_would,
    move_a_record_to_another_child_by_sql,
    recode_reviews_in_bulk,
    delete_a_child,
    bring_a_child_into_care,
    change_an_iros_hours,
    answer_a_safety_alert,
    record_oversight_through_the_api,
    import_a_return_with_a_review_recoded,
    add_an_iro_in_the_admin,
    read_some_figures,
]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(st.tuples(st.sampled_from(WRITES), st.integers(0, 10_000)), min_size=1, max_size=6))
def test_after_any_writes_every_maintained_figure_equals_a_full_recount(authority, writes):
    """Some writes a user can cause are refused (a date out of range): they change nothing, and
    the figures must still be right."""
    read_some_figures(0)
    for write, number in writes:
        try:
            with transaction.atomic():
                write(number)
        except (ValidationError, IntegrityError, ProtectedError):
            pass
    assert_every_figure_equals_a_recount()


def marked_tables():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'reporting_mark_%%'"
            )
            return {(table, name.removeprefix("reporting_mark_")) for table, name in cursor.fetchall()}
        cursor.execute(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reporting_mark_%'"
        )
        return {(table, name.removeprefix(f"reporting_mark_{table}_")) for table, name in cursor.fetchall()}


def test_every_table_that_moves_the_data_version_notes_the_shards_it_changed():
    """Except the IROs' own records, which the figures read afresh every time: a table added to
    the figures must join both sets of triggers."""
    from tests.test_stored_figures import tables_with_the_trigger

    events = (
        {"insert", "update", "delete", "truncate"}
        if connection.vendor == "postgresql"
        else {"insert", "update", "delete"}
    )
    marked = marked_tables()
    every_shard = {table for table, event in marked if event == "every_shard"}
    for table in tables_with_the_trigger() - {"accounts_user", "staffing_staffingperiod"} - every_shard:
        assert {event for name, event in marked if name == table} >= events, table
    assert "reviews_calendarday" in every_shard or connection.vendor == "sqlite"


def shards_kept():
    return dict(MaintainedShard.objects.values_list("shard", "counts"))


def test_a_write_counts_again_only_the_shard_of_its_child(authority):
    assert_every_figure_equals_a_recount()
    before = shards_kept()
    child = Child.objects.filter(episodes__end_date__isnull=True).order_by("-pk").first()
    OversightRecordFactory(child=child, iro=iro(), date=TODAY)
    with CaptureQueriesContext(connection) as queries:
        assert maintained_figures("dashboard") == KINDS["dashboard"][2]()
    after = shards_kept()
    shard = child.pk // tallies.SHARD_WIDTH
    assert {number for number in after if after[number] != before.get(number)} == {shard}
    counting = [query["sql"] for query in queries.captured_queries if 'AS "_shard"' in query["sql"]]
    assert counting
    for sql in counting:
        assert f">= {shard * tallies.SHARD_WIDTH}" in sql and f"< {(shard + 1) * tallies.SHARD_WIDTH}" in sql
    assert not ChangedShard.objects.filter(version__isnull=True).exists()


def test_a_fold_runs_once_each_tally_reading_the_changed_table_and_works_nothing_else_out_again(authority):
    """The tallies are compiled once (tallies.Compiled): a fold runs those that read a table
    changed, for the shards where it changed, and the selectors are not worked through again
    until the figures are read."""
    maintained_figures("dashboard")
    child = Child.objects.filter(episodes__end_date__isnull=True).order_by("-pk").first()
    OversightRecordFactory(child=child, iro=iro(), date=TODAY)
    maintained_figures("dashboard")
    tallies_kept = len(json.loads(MaintainedFigures.objects.get(kind=FiguresKind.DASHBOARD).names))
    OversightRecordFactory(child=child, iro=iro(), date=TODAY)
    with CaptureQueriesContext(connection) as queries:
        maintained.fold(*KINDS["dashboard"][:2], TODAY, KINDS["dashboard"][2])
    counting = [query["sql"] for query in queries.captured_queries if 'AS "_shard"' in query["sql"]]
    assert 0 < len(counting) < tallies_kept
    assert all('"oversight_oversightrecord"' in sql for sql in counting)
    assert len(queries) - len(counting) <= 14, [query["sql"][:120] for query in queries.captured_queries]
    assert maintained_figures("dashboard") == KINDS["dashboard"][2]()
    every_oversight_tally = len(counting)

    OversightRecordFactory(child=child, iro=iro(), date=TODAY)
    raise_escalation(1)
    with CaptureQueriesContext(connection) as queries:
        maintained.fold(*KINDS["dashboard"][:2], TODAY, KINDS["dashboard"][2])
    counting = [query["sql"] for query in queries.captured_queries if 'AS "_shard"' in query["sql"]]
    reading_escalations = [sql for sql in counting if '"escalations_escalation"' in sql]
    assert reading_escalations and len(counting) <= every_oversight_tally + len(reading_escalations)
    assert maintained_figures("dashboard") == KINDS["dashboard"][2]()


def test_a_write_rolled_back_leaves_nothing_to_count(authority):
    maintained_figures("dashboard")
    kept = MaintainedFigures.objects.get(kind=FiguresKind.DASHBOARD)
    try:
        with transaction.atomic():
            raise_escalation(1)
            raise RuntimeError("the form was not valid after all")
    except RuntimeError:
        pass
    assert not ChangedShard.objects.exclude(version__lte=kept.folded_version).exists()
    maintained_figures("dashboard")
    assert MaintainedFigures.objects.get(kind=FiguresKind.DASHBOARD).folded_at == kept.folded_at


def test_a_change_to_the_working_day_calendar_counts_every_shard_again(authority):
    """Every timescale counts working days: the calendar is rewritten after a migrate that finds
    the bank holidays changed (reviews.working_day_calendar), never row by row."""
    maintained_figures("last year")
    built = MaintainedFigures.objects.get(kind=FiguresKind.REPORTING_YEAR, period_start=LAST_YEAR.start).built_at
    CalendarDay.objects.filter(day=LAST_YEAR.start).update(is_working_day=models.F("is_working_day"))
    assert ChangedShard.objects.filter(shard=EVERY_SHARD).exists()
    assert maintained_figures("last year") == KINDS["last year"][2]()
    assert MaintainedFigures.objects.get(kind=FiguresKind.REPORTING_YEAR, period_start=LAST_YEAR.start).built_at > built


def test_unchanged_figures_are_read_in_one_query(authority):
    maintained_figures("outcomes")
    with CaptureQueriesContext(connection) as queries:
        maintained.fold(*KINDS["outcomes"][:2], TODAY, KINDS["outcomes"][2])
    assert len(queries) == 1
    totals = json.loads(MaintainedFigures.objects.get(kind=FiguresKind.OUTCOMES).totals)
    assert totals


def test_figures_worked_out_from_unchanged_counts_are_read_back_and_a_change_of_hours_is_seen_at_once(authority):
    """Worked out once from unchanged counts, the dashboard is read in one query (the IROs'
    hours beside the caseloads are not read again); a change to the hours moves the data
    version, and the next read shows it."""
    maintained_figures("dashboard")
    with CaptureQueriesContext(connection) as queries:
        first = maintained_figures("dashboard")
    assert len(queries) == 1
    assert first == maintained_figures("dashboard") and first is not maintained_figures("dashboard")
    change_an_iros_hours(3)
    assert maintained_figures("dashboard")["caseloads"] == KINDS["dashboard"][2]()["caseloads"]
    assert maintained_figures("dashboard")["caseloads"]["total_fte"] != first["caseloads"]["total_fte"]


@pytest.fixture
def worked_out(monkeypatch):
    """Each time figures are worked out from their counts (tallies.replaying)."""
    noted = []
    replaying = tallies.replaying

    def noting(*args):
        noted.append(args)
        return replaying(*args)

    monkeypatch.setattr(tallies, "replaying", noting)
    return noted


def test_figures_that_read_nothing_beside_their_counts_are_not_worked_out_again_after_a_write_that_left_them(
    authority, worked_out
):
    """Last year's outcomes read nothing but their counts. No outcome tally reads oversight
    records: one recorded today counts nothing again. A child's record saved unchanged is
    counted again (its shard, by the tallies reading children), but leaves the counts as they
    were: the outcomes are not worked out again."""
    first = maintained_figures("outcomes")
    folded_at = MaintainedFigures.objects.get(kind=FiguresKind.OUTCOMES).folded_at
    worked_out.clear()
    record_oversight(5)
    assert maintained_figures("outcomes") == first == KINDS["outcomes"][2]()
    assert worked_out == []
    assert MaintainedFigures.objects.get(kind=FiguresKind.OUTCOMES).folded_at == folded_at
    Child.objects.filter(episodes__end_date__isnull=True).first().save()
    assert maintained_figures("outcomes") == first
    assert worked_out == []
    assert MaintainedFigures.objects.get(kind=FiguresKind.OUTCOMES).folded_at > folded_at


def test_figures_reading_hours_beside_their_counts_are_worked_out_again_only_when_either_changed(authority, worked_out):
    """The dashboard reads the IROs' hours beside its counts. After a write that changed
    neither (a child's record saved unchanged), it reads the hours again (one query) and is not
    worked out again; after a change of hours it is, and shows them."""
    maintained_figures("dashboard")
    Child.objects.filter(episodes__end_date__isnull=True).first().save()
    first = maintained_figures("dashboard")  # worked out again, noting what the hours read
    worked_out.clear()
    Child.objects.filter(episodes__end_date__isnull=True).last().save()
    assert maintained_figures("dashboard") == first == KINDS["dashboard"][2]()
    assert worked_out == []
    change_an_iros_hours(3)
    changed = maintained_figures("dashboard")
    assert len(worked_out) == 1
    assert changed == KINDS["dashboard"][2]() and changed["caseloads"]["total_fte"] != first["caseloads"]["total_fte"]


def test_the_days_figures_are_counted_before_anyone_asks_and_read_in_one_query_each(authority):
    """Celery beat counts the new day's figures just after midnight (reporting.tasks): the
    day's first reader of the dashboard, the report or the outcomes does not wait for a full
    count; the day before's figures stop being kept."""
    from iro_portal.celery import app
    from reporting.tasks import count_the_day_figures

    app.loader.import_default_modules()
    app.finalize()
    schedule = app.conf.beat_schedule["count-the-day-figures"]
    assert schedule["task"] == "reporting.tasks.count_the_day_figures"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({0}, {5})

    count_the_day_figures.apply(args=[(TODAY - timedelta(days=1)).isoformat()])
    count_the_day_figures.apply(args=[TODAY.isoformat()])
    assert set(MaintainedFigures.objects.values_list("kind", "period_start", "as_of")) == {
        (FiguresKind.DASHBOARD, DASHBOARD_PERIOD.start, TODAY),
        (FiguresKind.REPORTING_YEAR, THIS_YEAR.start, TODAY),
        (FiguresKind.REPORTING_YEAR, LAST_YEAR.start, TODAY),
        (FiguresKind.OUTCOMES, THIS_YEAR.start, TODAY),
        (FiguresKind.OUTCOMES, LAST_YEAR.start, TODAY),
    }
    for name, (kind, period, count) in KINDS.items():
        with CaptureQueriesContext(connection) as queries:
            maintained.fold(kind, period, TODAY, count)
        assert len(queries) == 1, name
        assert maintained_figures(name) == count(), name


def test_figures_a_write_slipped_past_are_found_by_the_nightly_recount_and_counted_again(authority, caplog):
    """A change the triggers did not note (here its note removed, as a write made with the
    triggers turned off leaves none) leaves kept figures wrong; the nightly check counts them
    afresh, names the shard in the log and counts them again; a second check finds nothing."""
    maintained_figures("dashboard")
    maintained_figures("this year")
    assert stored_figures.check_the_day(TODAY) == {}
    raise_escalation(0)
    escalated = Escalation.objects.latest("pk").child
    ChangedShard.objects.filter(version__isnull=True).delete()
    assert maintained_figures("dashboard") != KINDS["dashboard"][2]()

    with caplog.at_level("WARNING", logger="reporting.maintained"):
        repaired = stored_figures.check_the_day(TODAY)
    shard = escalated.pk // tallies.SHARD_WIDTH
    assert repaired == {
        f"dashboard {DASHBOARD_PERIOD.start} to {DASHBOARD_PERIOD.end}": [shard],
        f"reporting_year {THIS_YEAR.start} to {THIS_YEAR.end}": [shard],
    }
    assert f"differed from a full recount in shards {shard}: counted again" in caplog.text
    assert maintained_figures("dashboard") == KINDS["dashboard"][2]()
    assert maintained_figures("this year") == KINDS["this year"][2]()
    assert stored_figures.check_the_day(TODAY) == {}


def test_celery_beat_checks_the_kept_figures_at_a_quiet_hour(authority):
    from iro_portal.celery import app
    from reporting.tasks import check_kept_figures

    app.loader.import_default_modules()
    app.finalize()
    schedule = app.conf.beat_schedule["check-kept-figures"]
    assert schedule["task"] == "reporting.tasks.check_kept_figures"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({3}, {15})
    maintained_figures("dashboard")
    lost = MaintainedShard.objects.filter(figures__kind=FiguresKind.DASHBOARD).order_by("shard").first()
    lost.delete()
    assert list(check_kept_figures.apply(args=[TODAY.isoformat()]).get().values()) == [[lost.shard]]
    assert maintained_figures("dashboard") == KINDS["dashboard"][2]()
