"""The audit log by month: on PostgreSQL each month's events, and the children their list views
showed, sit in that month's partitions (audit migration 0005), a month with no partition yet
still takes events, and retention (AUDIT_RETENTION_MONTHS) removes whole months past the limit,
dropping their partitions; on SQLite the same retention deletes the same rows. The log reads the
same across months on both."""

import csv
import datetime
import logging
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from audit import selectors, services
from audit.models import AuditAction, AuditEvent, AuditEventChild
from iro_portal.months import add_months
from tests.conftest import ON_POSTGRESQL, sign_in
from tests.test_settings import settings_in_subprocess

UTC = datetime.UTC
partitioned_only = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="the audit log is partitioned by month on PostgreSQL only"
)


def at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def list_view_at(moment, child_ids, object_id="list"):
    """A list view at `moment` that showed these children, as record_list_view writes one."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        with transaction.atomic():
            event = services.record_event(action=AuditAction.VIEW, object_type="children.child", object_id=object_id)
            services.record_children_shown(event, child_ids)
    return event


def partition_of(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def partitions_of(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass ORDER BY 1",
            [model._meta.db_table],
        )
        return [name for (name,) in cursor.fetchall()]


def month_of(moment):
    return moment.astimezone(UTC).date().replace(day=1)


@pytest.mark.django_db
@partitioned_only
class TestPartitions:
    def test_events_and_the_children_they_showed_land_in_their_months_partitions(self):
        event = list_view_at(timezone.now(), [7, 8])
        this_month = f"{timezone.now().astimezone(UTC):%Y_%m}"
        assert partition_of(AuditEvent, event.pk) == f"audit_auditevent_p{this_month}"
        assert {partition_of(AuditEventChild, shown.pk) for shown in event.children_shown.all()} == {
            f"audit_auditeventchild_p{this_month}"
        }

    def test_this_month_and_the_next_three_have_partitions_and_making_them_again_changes_nothing(self):
        this_month = month_of(timezone.now())
        months = selectors.partition_months()
        for ahead in range(services.MONTHS_AHEAD + 1):
            assert add_months(this_month, ahead) in months
        assert services.add_partitions() == 0
        assert selectors.partition_months() == months
        assert "audit_auditevent_default" in partitions_of(AuditEvent)

    def test_a_month_without_a_partition_takes_events_and_they_move_to_its_partition_when_it_is_made(self):
        far_ahead, long_ago = at(2040, 5, 17), at(2001, 2, 3)
        ahead, past = list_view_at(far_ahead, [1, 2, 3]), list_view_at(long_ago, [4])
        assert {partition_of(AuditEvent, ahead.pk), partition_of(AuditEvent, past.pk)} == {"audit_auditevent_default"}

        assert services.add_partitions() == 2  # the two months' partitions; none near now was missing
        assert partition_of(AuditEvent, ahead.pk) == "audit_auditevent_p2040_05"
        assert partition_of(AuditEvent, past.pk) == "audit_auditevent_p2001_02"
        assert {partition_of(AuditEventChild, shown.pk) for shown in ahead.children_shown.all()} == {
            "audit_auditeventchild_p2040_05"
        }
        moved = AuditEvent.objects.get(pk=ahead.pk)
        assert (moved.occurred_at, moved.detail) == (far_ahead, ahead.detail)
        assert sorted(moved.children_shown.values_list("child_id", flat=True)) == [1, 2, 3]
        assert datetime.date(2040, 5, 1) in selectors.partition_months()
        # The moved rows are as append-only as any other.
        for statement in (
            "UPDATE audit_auditevent_p2040_05 SET action = 'export'",
            "DELETE FROM audit_auditeventchild",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)

    def test_a_list_views_children_must_name_an_event_of_their_own_month(self):
        event = list_view_at(timezone.now(), [])
        for wrong_time in (at(2040, 5, 17), event.occurred_at - datetime.timedelta(seconds=1)):
            with pytest.raises(DatabaseError), transaction.atomic():
                AuditEventChild.objects.create(event=event, event_occurred_at=wrong_time, child_id=1)
                connection.check_constraints()

    def test_a_search_between_dates_reads_only_those_months_partitions(self):
        def scanned(date_from, date_to):
            plan = selectors.search_events(date_from=date_from, date_to=date_to).explain()
            return {name for name in partitions_of(AuditEvent) if f"{name} " in plan}

        this_month = timezone.localdate().replace(day=1)
        assert len(partitions_of(AuditEvent)) > 3
        # A London day starts at 23:00 UTC the day before in summer: the month before may be read too.
        assert f"audit_auditevent_p{this_month:%Y_%m}" in scanned(this_month, this_month + datetime.timedelta(days=20))
        assert len(scanned(this_month, this_month + datetime.timedelta(days=20))) <= 2
        assert scanned(datetime.date(2040, 5, 1), datetime.date(2040, 5, 31)) == {"audit_auditevent_default"}


class TestRetention:
    """Seven years (84 months) kept, on 7 December 2026: November 2019 ended more than seven years
    ago and goes; December 2019 ends less than seven years before 7 December 2026 and stays whole."""

    NOW = at(2026, 12, 7)

    @pytest.fixture
    def months_of_events(self, db, settings):
        settings.AUDIT_RETENTION_MONTHS = 84
        events = {
            "october": list_view_at(at(2019, 10, 15), [1, 2]),
            "end of november": list_view_at(at(2019, 11, 30, 23, 59), [3]),
            "start of december": list_view_at(at(2019, 12, 1, 0, 0), [4, 5, 6]),
            "2024": list_view_at(at(2024, 3, 1), [7]),
            "today": list_view_at(self.NOW, [8]),
        }
        services.add_partitions()
        return events

    def test_the_boundary_is_the_first_of_the_month_the_limit_falls_in(self):
        assert services.retention_boundary(self.NOW, 84) == at(2019, 12, 1, 0, 0)
        assert services.retention_boundary(at(2026, 3, 31, 23, 30), 1) == at(2026, 2, 1, 0, 0)
        # 00:30 on 1 April in London is still March in UTC, the months the log is kept by.
        london = datetime.datetime(2026, 4, 1, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
        assert services.retention_boundary(london, 12) == at(2025, 3, 1, 0, 0)

    def test_it_removes_exactly_the_months_wholly_past_the_limit_and_says_so(self, months_of_events, caplog):
        with caplog.at_level(logging.INFO, logger="audit.services"):
            removed = services.remove_expired_months(now=self.NOW)
        assert removed == [
            services.RemovedMonth(datetime.date(2019, 10, 1), events=1, children_shown=2),
            services.RemovedMonth(datetime.date(2019, 11, 1), events=1, children_shown=1),
        ]
        kept = {name for name, event in months_of_events.items() if AuditEvent.objects.filter(pk=event.pk).exists()}
        assert kept == {"start of december", "2024", "today"}
        assert sorted(AuditEventChild.objects.values_list("child_id", flat=True)) == [4, 5, 6, 7, 8]
        record = AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="audit.log").get()
        assert record.user is None
        assert record.detail == {
            "retention_months": 84,
            "kept_from": "2019-12-01",
            "months": ["2019-10", "2019-11"],
            "events": 2,
            "children_shown": 3,
        }
        assert "removed 2 months, 2019-10 to 2019-11: 2 events, 3 children shown in lists" in caplog.text
        if ON_POSTGRESQL:
            months = selectors.partition_months()
            assert datetime.date(2019, 11, 1) not in months and datetime.date(2019, 12, 1) in months
            assert not {"audit_auditevent_p2019_10", "audit_auditeventchild_p2019_11"} & {
                *partitions_of(AuditEvent),
                *partitions_of(AuditEventChild),
            }
        assert services.remove_expired_months(now=self.NOW) == []

    def test_unset_it_removes_nothing(self, months_of_events, settings):
        settings.AUDIT_RETENTION_MONTHS = None
        assert services.remove_expired_months(now=at(2099, 1, 1)) == []
        assert AuditEvent.objects.count() == len(months_of_events)

    @partitioned_only
    def test_on_postgresql_it_takes_months_that_waited_in_the_default_partition_too(self, db, settings):
        settings.AUDIT_RETENTION_MONTHS = 84
        old = list_view_at(at(2018, 6, 1), [1])
        assert partition_of(AuditEvent, old.pk) == "audit_auditevent_default"
        assert services.remove_expired_months(now=self.NOW) == [
            services.RemovedMonth(datetime.date(2018, 6, 1), events=1, children_shown=1)
        ]
        assert not AuditEvent.objects.filter(pk=old.pk).exists()

    def test_the_command_reports_what_it_removed(self, months_of_events, settings):
        out = StringIO()
        with mock.patch("django.utils.timezone.now", return_value=self.NOW):
            call_command("audit_retention", stdout=out)
        assert out.getvalue().splitlines() == [
            "Removed October 2019: 1 event, 2 children shown in lists.",
            "Removed November 2019: 1 event, 1 child shown in lists.",
        ]
        settings.AUDIT_RETENTION_MONTHS = None
        out = StringIO()
        call_command("audit_retention", stdout=out)
        assert out.getvalue() == "AUDIT_RETENTION_MONTHS is not set: the audit log is kept whole.\n"


@pytest.mark.parametrize("value", ["seven years", "84.5", "11", "0", "-84"])
def test_the_retention_setting_is_read_strictly(tmp_path, value):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "AUDIT_RETENTION_MONTHS": value},
        "settings.AUDIT_RETENTION_MONTHS",
    )
    assert result.returncode != 0
    assert "AUDIT_RETENTION_MONTHS" in result.stderr


@pytest.mark.parametrize(("value", "months"), [("", "None"), ("84", "84"), (" 12 ", "12")])
def test_the_retention_setting_keeps_everything_unless_set(tmp_path, value, months):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "AUDIT_RETENTION_MONTHS": value},
        "settings.AUDIT_RETENTION_MONTHS",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == months


@pytest.mark.django_db
def test_the_audit_log_lists_and_exports_across_months_newest_first(client, manager):
    moments = [at(2024, 1, 31, 23, 59), at(2040, 5, 17), at(2025, 6, 1, 0, 0), at(2019, 12, 1), at(2024, 2, 1)]
    for number, moment in enumerate(moments):
        list_view_at(moment, [100 + number], object_id=f"list {number}")
    services.add_partitions()
    newest_first = [f"list {moments.index(moment)}" for moment in sorted(moments, reverse=True)]
    events = selectors.search_events(object_type="children.child")
    assert [event.object_id for event in events] == newest_first
    sign_in(client, manager)
    page = client.get(reverse("audit:list"), {"child": "102"})
    assert page.status_code == 200 and [row.event.object_id for row in page.context["rows"]] == ["list 2"]
    export = client.get(reverse("audit:export"), {"object_type": "children.child"})
    header, *rows = csv.reader(StringIO(b"".join(export.streaming_content).decode()))
    assert [row[header.index("object_id")] for row in rows] == newest_first


def test_the_partitions_are_made_daily_by_celery_beat():
    from iro_portal.celery import app

    app.loader.import_default_modules()
    app.finalize()
    schedule = app.conf.beat_schedule["add-audit-log-partitions"]
    assert schedule["task"] == "audit.tasks.add_partitions"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({2}, {30})


@pytest.mark.django_db
def test_the_command_makes_the_months_ahead():
    out = StringIO()
    call_command("audit_partitions", stdout=out)
    if not ON_POSTGRESQL:
        assert out.getvalue() == "The audit log is not partitioned on this database: nothing to do.\n"
        return
    this_month = month_of(timezone.now())
    last = add_months(this_month, services.MONTHS_AHEAD)
    assert out.getvalue().startswith("Made the partitions of 0 months; the audit log has partitions for ")
    assert out.getvalue().endswith(f" to {last:%Y-%m}.\n")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_of_a_log_written_before_it(manager):
    """Back to the log as it was before audit 0005, rows written then, and forward again."""
    before = [("audit", "0004_event_child")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before[0]).apps
        old_events, old_children = old.get_model("audit", "AuditEvent"), old.get_model("audit", "AuditEventChild")
        written = {}
        for moment, children in ((at(2023, 1, 5), [1, 2]), (at(2024, 2, 29, 23, 59), [3]), (timezone.now(), [])):
            with mock.patch("django.utils.timezone.now", return_value=moment):
                event = old_events.objects.create(action="view", user_id=manager.pk, object_type="children.child")
            old_children.objects.bulk_create([old_children(event=event, child_id=child) for child in children])
            written[event.pk] = (moment, children)
    finally:  # forward to the latest migrations, for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    for pk, (moment, children) in written.items():
        event = AuditEvent.objects.get(pk=pk)
        assert (event.occurred_at, event.user) == (moment, manager)
        shown = event.children_shown.order_by("child_id")
        assert [(row.child_id, row.event_occurred_at) for row in shown] == [(child, moment) for child in children]
        if ON_POSTGRESQL:
            assert partition_of(AuditEvent, pk) == f"audit_auditevent_p{moment:%Y_%m}"
    # Ids carry on from the old table's.
    assert services.record_event(action="view", object_type="children.child").pk > max(written)
