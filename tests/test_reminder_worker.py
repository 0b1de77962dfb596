"""The reminder sweep through the real task machinery: a Redis broker and real Celery worker
subprocesses sharing the test database, started, killed and stopped by the tests.

Runs only on PostgreSQL with a redis:// CELERY_BROKER_URL (the worker must see the rows the test
commits); otherwise it is skipped, or fails if REQUIRE_CELERY_WORKER_TESTS=1 (CI). Locally:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iro_portal CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
    REQUIRE_CELERY_WORKER_TESTS=1 .venv/bin/python -m pytest tests/test_reminder_worker.py

The broker is a Redis database of the tests' own (15, emptied before and after every test); the
expected reminders are computed in the test process by calling the selectors for every child.
"""

import email
import os
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import date as D

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from children.models import Allocation, Child
from notifications.models import Notification, NotificationKind
from notifications.tasks import SWEEP_TASKS, daily_sweep, send_notification_emails
from oversight import services as oversight_services
from reviews import services as review_services
from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.timescales import add_working_days
from tests.celery_worker import (
    REQUIRE_ENV,
    VISIBILITY_TIMEOUT,
    Broker,
    Unavailable,
    Worker,
    check_environment,
    database_url,
    wait_for,
    wait_until_drained,
    worker_env,
)
from tests.factories import ChildFactory, IroFactory, ManagerFactory, record_attendance_and_views
from tests.test_reminders import ON, child_in_care, starting_care_due_in

REQUIRED = os.environ.get(REQUIRE_ENV) == "1"
WAIT = 60  # seconds: the longest any single wait may take
ALL_CHILDREN = (0, 2**62)
DIGEST = NotificationKind.MANAGER_DIGEST.value


def _static_reason():
    """Why these tests cannot run, from the settings alone (no network), or None."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return (
            "Celery worker tests need PostgreSQL (set DATABASE_URL=postgres://...); skipped on "
            + settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        )
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        return f"Celery worker tests need a Redis broker (CELERY_BROKER_URL=redis://...), not {settings.CELERY_BROKER_URL!r}"
    return None


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REQUIRED and _static_reason() is not None, reason=str(_static_reason())),
]


# --- the machinery ------------------------------------------------------------------------


def _point_app_at(app, url):
    """Send .delay()/send_task to `url`: forget the pools of the previous URL (kombu keeps one
    pool per URL for the whole process, so they are left open for when it is used again).
    Celery reads the CELERY_BROKER_URL environment variable before app.conf, so the fixture
    sets that too."""
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app.conf.broker_url = url


class Workers:
    """Starts workers against the test database and broker; stops every one of them at teardown."""

    def __init__(self, broker, tmp_path):
        self.broker = broker
        self.tmp_path = tmp_path
        self.started = []
        self.email_dir = tmp_path / "emails"
        self.email_dir.mkdir()
        (tmp_path / "var").mkdir()

    def start(
        self, *, email_backend="django.core.mail.backends.locmem.EmailBackend", chunk_size=3, label="worker", queues=()
    ):
        name = f"{label}-{uuid.uuid4().hex[:8]}"
        env = worker_env(
            database_url=database_url(connection.settings_dict),
            broker_url=self.broker.url,
            secret_key=settings.SECRET_KEY,
            var_dir=self.tmp_path / "var",
            email_backend=email_backend,
            email_dir=self.email_dir,
            chunk_size=chunk_size,
            application_name=name,
        )
        worker = Worker(env, self.tmp_path, name, queues).start()
        self.started.append(worker)
        return worker

    def wait_ready(self, *workers):
        """Until every worker answers a ping (so messages sent next find them all consuming)."""
        from iro_portal.celery import app

        def all_answer():
            for worker in workers:
                assert worker.alive(), f"worker {worker.name} died:\n{worker.log_tail()}"
            replies = {name.split("@")[0] for reply in app.control.ping(timeout=0.5) for name in reply}
            return all(worker.name in replies for worker in workers)

        wait_for(all_answer, WAIT, interval=0, describe=lambda: "\n".join(w.log_tail() for w in workers))

    def drain(self, *workers):
        """Wait until the workers have done everything queued; no task may have failed."""
        wait_until_drained(self.broker, workers or [w for w in self.started if w.alive()], WAIT)
        for worker in self.started:
            assert not worker.errors(), f"worker {worker.name} logged errors:\n{worker.log_tail()}"

    def stop_all(self):
        for worker in self.started:
            worker.stop()


@pytest.fixture
def workers(transactional_db, tmp_path, monkeypatch):
    try:
        broker_url = check_environment(connection.settings_dict, settings.CELERY_BROKER_URL)
    except Unavailable as reason:
        if REQUIRED:
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1, so this is an error)", pytrace=False)
        pytest.skip(str(reason))
    from iro_portal.celery import app

    broker = Broker(broker_url)
    broker.flush()
    previous_url = app.conf.get("broker_url")
    for name in ("CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    _point_app_at(app, broker_url)
    app.conf.task_always_eager = False
    assert app.conf.broker_write_url == broker_url, "the tests must publish to their own Redis database"
    pool = Workers(broker, tmp_path)
    try:
        yield pool
    finally:
        try:
            pool.stop_all()
        finally:
            _point_app_at(app, previous_url)
            # Drop the override rather than set the old value back: a value set on app.conf
            # would hide Django's CELERY_TASK_ALWAYS_EAGER from every later test in the process.
            app.conf.pop("task_always_eager", None)
            broker.flush()
            broker.close()


# --- what to expect -----------------------------------------------------------------------

FIELDS = ("kind", "subject_type", "subject_id", "due_date", "recipient_id", "step", "child_id", "message", "link")


def _key(values):
    kind, subject_type, *rest = values
    return (str(kind), str(subject_type), *rest)


def sweep_selectors():
    """The selector behind each sweep task: app.tasks.sweep_X_reminders reads app.selectors.X_reminders."""
    return [import_string(name.replace(".tasks.sweep_", ".selectors.")) for name in SWEEP_TASKS]


def expected_reminders(on=ON):
    """What the sweep should store: every sweep's selector called for all children at once (pure reads)."""
    reminders = [reminder for selector in sweep_selectors() for reminder in selector(on, *ALL_CHILDREN)]
    return Counter(_key([getattr(r, field) for field in FIELDS]) for r in reminders)


def stored_reminders():
    return Counter(_key(row) for row in Notification.objects.exclude(kind=DIGEST).values_list(*FIELDS))


def active_managers():
    from accounts.models import Role, User

    return sorted(User.objects.filter(role=Role.SERVICE_MANAGER, is_active=True).values_list("pk", flat=True))


def digest_recipients(on=ON):
    return sorted(Notification.objects.filter(kind=DIGEST, due_date=on).values_list("recipient_id", flat=True))


def assert_exactly_expected(expected):
    got = stored_reminders()
    duplicated = {key: n for key, n in got.items() if n > 1}
    assert not duplicated, f"reminders stored more than once: {duplicated}"
    missing, extra = expected - got, got - expected
    assert not missing and not extra, f"missing {sorted(missing)}\nextra {sorted(extra)}"
    assert digest_recipients() == active_managers(), "one digest for each active service manager"
    assert Notification.objects.filter(kind=DIGEST).count() == len(active_managers())


# --- the authorities ----------------------------------------------------------------------


def hand_built_authority(iro, other_iro, manager):
    """Children whose reminders on ON are known: several IROs, reviews due in 10/5/1 working days,
    overdue, booked without the social worker's report, an oversight check overdue, an
    escalation's response overdue."""
    from escalations import services as escalation_services

    third_iro = IroFactory(first_name="Tia", last_name="Third")
    ManagerFactory(first_name="Ivy", last_name="Inactive", is_active=False)
    children = {
        "due_10": starting_care_due_in(iro, manager, 10, given="Ten"),
        "due_5": starting_care_due_in(other_iro, manager, 5, given="Five"),
        "due_1": starting_care_due_in(third_iro, manager, 1, given="One"),
        "overdue": child_in_care(other_iro, manager, ON - timedelta(days=40), given="Late"),
        "booked": starting_care_due_in(iro, manager, 4, given="Booked"),
        "checked": child_in_care(third_iro, manager, ON - timedelta(days=35), given="Held"),
    }
    review = Review.objects.get(child=children["booked"])
    review_services.book_review(
        review,
        by=iro,
        booked_for=datetime.combine(add_working_days(ON, 2), datetime.min.time(), UTC).replace(hour=10),
        today=ON,
    )
    review_services.record_review_held(
        record_attendance_and_views(Review.objects.get(child=children["checked"])),
        by=third_iro,
        today=ON,
        fields={"held_on": add_working_days(ON, -7), "participation_code": "PN1"},
        actions=[
            {"description": "Update the care plan", "owner_name": "Social worker", "due_date": ON - timedelta(days=2)}
        ],
    )
    oversight_services.record_oversight(
        children["checked"],
        by=third_iro,
        kind="case_file_check",
        date=ON - timedelta(days=120),
        next_check_date=ON - timedelta(days=10),
        today=ON,
    )
    escalation_services.raise_escalation(
        children["overdue"],
        by=other_iro,
        areas=["placement"],
        what_is_wrong="Drift",
        what_is_asked="A plan",
        stage=2,
        addressed_to_name="A Manager",
        addressed_to_role="Team manager",
        raised_on=add_working_days(ON, -9),
        today=ON,
    )
    return children, third_iro


def bulk_authority(count, iros):
    """`count` children in care, allocated round the IROs, most with a LAC review due somewhere
    between 15 working days ago and 12 ahead: at least one reminder each (the quarter ends soon)."""
    children = Child.objects.bulk_create(ChildFactory.build_batch(count, family_name="Bulk"))
    Allocation.objects.bulk_create(
        Allocation(child=child, iro=iros[i % len(iros)], start_date=D(2024, 1, 10)) for i, child in enumerate(children)
    )
    Review.objects.bulk_create(
        Review(
            child=child,
            kind=ReviewKind.LAC,
            number=2,
            cycle_start=D(2024, 1, 10),
            status=ReviewStatus.DUE,
            due_date=add_working_days(ON, i % 28 - 15),
        )
        for i, child in enumerate(children)
        if i % 4
    )
    return children


# --- the tests ----------------------------------------------------------------------------


def test_a_worker_sweep_stores_exactly_the_expected_reminders(workers, iro, other_iro, manager):
    children, third_iro = hand_built_authority(iro, other_iro, manager)
    expected = expected_reminders()
    picked = {(kind, recipient, child, step) for kind, _, _, _, recipient, step, child, *_ in expected}
    for wanted in [
        ("review_due", iro.pk, children["due_10"].pk, "10"),
        ("review_due", other_iro.pk, children["due_5"].pk, "5"),
        ("review_due", third_iro.pk, children["due_1"].pk, "1"),
        ("review_overdue", other_iro.pk, children["overdue"].pk, "overdue-week-1"),
        ("social_worker_report_missing", iro.pk, children["booked"].pk, "before-review"),
        ("oversight_check_due", third_iro.pk, children["checked"].pk, "overdue-week-1"),
        ("action_overdue", third_iro.pk, children["checked"].pk, "once"),
        ("oversight_missing_this_quarter", iro.pk, children["due_10"].pk, "quarter-2025-01"),
        ("escalation_response_overdue", other_iro.pk, children["overdue"].pk, "overdue-week-0"),
    ]:
        assert wanted in picked, f"the hand-built authority should give {wanted}"

    worker = workers.start(chunk_size=5)  # six children: ranges of 5 and of 1
    daily_sweep.delay(ON.isoformat())
    workers.drain(worker)

    assert_exactly_expected(expected)
    (digest,) = Notification.objects.filter(kind=DIGEST)
    assert digest.recipient_id == manager.pk and digest.step == "daily" and digest.due_date == ON
    assert "Owen Other: 1" in digest.message, digest.message


def test_sweeping_twice_creates_no_duplicates(workers, iro, other_iro, manager):
    hand_built_authority(iro, other_iro, manager)
    bulk_authority(30, [iro, other_iro])
    expected = expected_reminders()
    worker = workers.start(chunk_size=3)

    daily_sweep.delay(ON.isoformat())
    workers.drain(worker)
    assert_exactly_expected(expected)
    first = sorted(Notification.objects.values_list("pk", flat=True))

    daily_sweep.delay(ON.isoformat())
    workers.drain(worker)
    assert_exactly_expected(expected)
    assert sorted(Notification.objects.values_list("pk", flat=True)) == first, "the second sweep added nothing"


def test_two_workers_sweeping_at_once_create_no_duplicates(workers, iro, other_iro, manager):
    from iro_portal.celery import app

    hand_built_authority(iro, other_iro, manager)
    bulk_authority(60, [iro, other_iro])
    expected = expected_reminders()
    first, second = workers.start(chunk_size=2, label="first"), workers.start(chunk_size=2, label="second")
    workers.wait_ready(first, second)

    daily_sweep.delay(ON.isoformat())
    daily_sweep.delay(ON.isoformat())
    workers.drain(first, second)

    assert_exactly_expected(expected)
    stats = app.control.inspect(timeout=2).stats() or {}
    totals = {
        w.name: next((s["total"] for host, s in stats.items() if host.startswith(w.name + "@")), None)
        for w in (first, second)
    }
    assert all(total is not None for total in totals.values()), f"both workers should answer: {stats.keys()}"
    assert sum(total.get("notifications.tasks.daily_sweep", 0) for total in totals.values()) == 2
    for name, total in totals.items():
        assert total.get("reviews.tasks.sweep_review_reminders", 0) > 0, f"{name} swept nothing: {total}"


SWEEP_TASK = {
    "review": "reviews.tasks.sweep_review_reminders",
    "oversight": "oversight.tasks.sweep_oversight_reminders",
}
TABLE_READ_BY = {"review": '"reviews_review', "oversight": '"oversight_oversightrecord"'}


def last_query(worker):
    """What the worker's database connection last ran (pg_stat_activity keeps the text once
    the query is done), or None if it has no connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE application_name = %s", [worker.name])
        rows = cursor.fetchall()
    return rows[0][0] if len(rows) == 1 else None


def kill_mid_task(workers, worker, task):
    """SIGKILL `worker` while it is inside a `task` ("review" or "oversight") sweep task, before
    that task's insert: freeze it, and keep it frozen only if its last query is one of that
    task's reads. Return what it had in flight and how many reminders were stored."""

    def frozen_inside_the_task():
        assert worker.alive(), worker.log_tail()
        worker.freeze()
        query = last_query(worker) or ""
        reading = query.lstrip().upper().startswith("SELECT") and "COUNT(" not in query.upper()
        if reading and TABLE_READ_BY[task] in query:
            return query
        worker.thaw()
        time.sleep(0.002)
        return None

    wait_for(frozen_inside_the_task, WAIT, interval=0)
    in_flight = workers.broker.unacked_tasks()
    stored = Notification.objects.exclude(kind=DIGEST).count()
    worker.kill()
    assert in_flight == [SWEEP_TASK[task]], (
        f"the broker should hold the task the worker was killed in, unacknowledged: {in_flight}"
    )
    return in_flight, stored, time.monotonic()


def test_workers_killed_mid_sweep_are_made_good_by_the_next(workers, iro, other_iro, manager):
    """Two workers in turn are killed inside a sweep task (one of each app); the third finishes
    the sweep, redoing the tasks they had in flight, and the result is what one run gives."""
    third_iro = IroFactory(first_name="Tia", last_name="Third")
    bulk_authority(300, [iro, other_iro, third_iro])
    expected = expected_reminders()
    total = sum(expected.values())
    assert total >= 300
    daily_sweep.delay(ON.isoformat())
    stored_at_kill = 0
    for task in ("review", "oversight"):
        worker = workers.start(chunk_size=2, label=f"doomed-{task}")
        at_least = stored_at_kill + 20

        def progress(worker=worker, at_least=at_least):
            assert worker.alive(), worker.log_tail()
            return Notification.objects.count() >= at_least

        wait_for(progress, WAIT, interval=0.02)
        in_flight, stored_at_kill, killed_at = kill_mid_task(workers, worker, task)
        assert stored_at_kill < total, f"the sweep was not interrupted: {stored_at_kill} of {total} stored"
        assert workers.broker.queued() > 0, "work should be left in the queue"
        print(f"killed in {in_flight} with {stored_at_kill} of {total} reminders stored")
        # The task stays unacknowledged until its visibility timeout has passed and a worker
        # starting up puts it back in the queue.
        time.sleep(max(0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - killed_at)))

    successor = workers.start(chunk_size=2, label="successor")
    workers.drain(successor)
    assert_exactly_expected(expected)


def _emails(directory):
    """Every message the file backend wrote (one file may hold several)."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(directory.iterdir()):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def test_emails_fail_then_are_sent_exactly_once(workers, iro, other_iro, manager):
    children, _ = hand_built_authority(iro, other_iro, manager)
    failing = workers.start(email_backend="tests.celery_worker.FailingBackend", label="no-mail")
    daily_sweep.delay(ON.isoformat())
    workers.drain(failing)
    failing.stop()

    notifications = list(Notification.objects.select_related("recipient"))
    assert len(notifications) == sum(expected_reminders().values()) + len(active_managers())
    for notification in notifications:
        assert notification.emailed_at is None
        assert notification.email_attempts >= 1, notification
        assert "SMTPServerDisconnected" in notification.last_error
    assert not any(workers.email_dir.iterdir()), "the failing backend wrote nothing"

    working = workers.start(email_backend="django.core.mail.backends.filebased.EmailBackend", label="mail")
    send_notification_emails.delay()
    workers.drain(working)
    # A later run, and a whole second sweep, must send nothing again.
    daily_sweep.delay(ON.isoformat())
    send_notification_emails.delay()
    workers.drain(working)

    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert not Notification.objects.exclude(last_error="").exists()
    assert Notification.objects.count() == len(notifications)
    messages = _emails(workers.email_dir)
    sent = Counter()
    for message in messages:
        body = message.get_payload(decode=True).decode()
        # Two children's reminders can read the same: the link in the email tells them apart.
        (match,) = [
            n
            for n in notifications
            if n.recipient.email == message["To"] and body.startswith(n.message + "\n") and f"{n.link}\n" in body
        ]
        sent[match.pk] += 1
    assert sent == Counter({n.pk: 1 for n in notifications}), f"each reminder emailed once: {sent}"
    assert all(children["due_10"].given_name not in m.get_payload(decode=True).decode() for m in messages)


def waiting_for_a_row_lock(worker):
    """The statement the worker's connection is stuck in, waiting for a lock, or None. Inside a
    transaction PostgreSQL keeps showing the activity it first read, so the snapshot is dropped."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT query FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
            [worker.name],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def test_reminders_are_sent_while_a_long_pdf_keeps_the_other_worker_busy(workers, iro, other_iro, manager):
    """As docker-compose.yml runs them: a worker for the reminders queue alone, another for every
    other queue. A report PDF is held up inside its task (the test keeps its row locked, as a long
    render would keep the worker); the whole sweep, its digests and its emails are done meanwhile,
    and the PDF is made once it is let go."""
    from reporting import services as reporting_services
    from reporting.models import DocumentStatus, ReportDocument, Variant

    hand_built_authority(iro, other_iro, manager)
    expected = expected_reminders()
    report = reporting_services.report_for_year(2025)
    document = reporting_services.request_document(report, variant=Variant.BOARD, by=manager)
    assert workers.broker.redis.llen("documents") == 1, "the PDF's task waits in the documents queue"

    def status():
        return ReportDocument.objects.get(pk=document.pk).status

    with transaction.atomic():
        ReportDocument.objects.select_for_update().get(pk=document.pk)
        others = workers.start(label="others", queues=["--exclude-queues", "reminders"])
        blocked = wait_for(lambda: waiting_for_a_row_lock(others), WAIT, describe=others.log_tail)
        assert "reporting_reportdocument" in blocked, blocked
        reminders = workers.start(label="reminders", queues=["--queues", "reminders"])
        daily_sweep.delay(ON.isoformat())

        def swept():
            assert others.alive() and reminders.alive(), others.log_tail() + reminders.log_tail()
            return stored_reminders() == expected and digest_recipients() == active_managers()

        wait_for(swept, WAIT, describe=reminders.log_tail)
        wait_for(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(), WAIT)
        assert "reporting_reportdocument" in (waiting_for_a_row_lock(others) or ""), "still inside the PDF's task"
        assert status() == DocumentStatus.QUEUED

    wait_for(lambda: status() == DocumentStatus.READY, 90, interval=0.2, describe=others.log_tail)
    workers.drain(others, reminders)
    assert_exactly_expected(expected)
