"""Safety alerts: a consultation reply saying the child does not feel safe, or using words the
service watches for, raises one alert with the reply; the child's IRO, the review's chair and
every service manager are told at once in the portal and by email (the child named by initials
and ID only), even when the broker is down; an alert nobody answers goes to the managers again,
once; the IRO records what they did and may rate the plan red with a check the next working day."""

import datetime
import os
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEvent
from children.models import Child
from consultations import alert_services, alerts, services
from consultations.alert_models import WatchedPhrase
from consultations.models import AlertReason, ConsultationResponse, SafetyAlert
from consultations.tasks import escalate_unanswered_alerts
from iro_portal.working_days import add_working_days
from notifications.models import Notification, NotificationKind
from notifications.services import send_pending_emails
from oversight.models import OversightKind, Rag
from oversight.selectors import with_latest_oversight
from tests.conftest import sign_in
from tests.factories import (
    AllocationFactory,
    BusinessSupportFactory,
    CareEpisodeFactory,
    ChildFactory,
    IroFactory,
    ManagerFactory,
    ReviewFactory,
)
from tests.test_settings import settings_in_subprocess

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def chair(db):
    return IroFactory(first_name="Chris", last_name="Chair")


@pytest.fixture
def review(looked_after_child, chair):
    return ReviewFactory(child=looked_after_child, due_date=datetime.date(2030, 7, 10), booked=True, chair=chair)


@pytest.fixture
def managers(db, manager):
    """The active manager, and one who has left (told nothing)."""
    ManagerFactory(first_name="Gone", last_name="Away", is_active=False)
    return [manager]


def reply(review, by, answers, person_type="child", name="Robin"):
    issued = services.issue_invitation(review, person_type=person_type, by=by, name=name)
    return services.submit_response(issued.code, answers)


def watch(*phrases, by):
    for phrase in phrases:
        alert_services.add_watched_phrase(phrase, by=by)


def alert_notifications(alert, step=alerts.RAISED):
    return Notification.objects.filter(kind=NotificationKind.SAFETY_ALERT, subject_id=alert.pk, step=step)


# --- raising ---------------------------------------------------------------------------------


def test_a_child_not_feeling_safe_tells_their_iro_the_chair_and_every_manager(review, iro, chair, managers, other_iro):
    response = reply(review, iro, {"feels_safe": False, "worries": "The shouting at night."})

    alert = SafetyAlert.objects.get(response=response)
    assert (alert.reason, alert.review, alert.responded_at) == (AlertReason.FEELS_UNSAFE, review, None)
    notifications = alert_notifications(alert)
    assert {n.recipient for n in notifications} == {iro, chair, *managers}
    assert all(n.link == f"/consultations/alerts/{alert.pk}/" and n.read_at is None for n in notifications)
    event = AuditEvent.objects.get(object_type="consultations.safetyalert", object_id=str(alert.pk))
    assert (event.action, event.child_id, event.username) == (
        AuditAction.CREATE,
        review.child_id,
        f"consultation link {response.invitation_id}",
    )


def test_words_the_service_watches_for_raise_an_alert_matched_whole_and_in_any_case(review, iro, manager):
    watch("Hurt me", "scared", "don't feel safe", by=manager)

    quiet = reply(review, iro, {"going_well": "Not scaredy at all; nobody unhurt me", "feels_safe": True})
    assert not SafetyAlert.objects.filter(response=quiet).exists()

    worried = reply(review, iro, {"worries": "He HURT\n me. I don\u2019t  feel safe", "wishes": "Nothing"})
    alert = SafetyAlert.objects.get(response=worried)
    assert (alert.reason, alert.matched_words) == (AlertReason.WATCHED_WORDS, "don't feel safe, hurt me")

    in_answers = reply(review, iro, {"picture_words": ["happy", "Scared"]}, person_type="parent")
    assert SafetyAlert.objects.get(response=in_answers).matched_words == "scared"


def test_a_reply_gets_one_alert_however_many_reasons(review, iro, manager):
    watch("scared", by=manager)
    response = reply(review, iro, {"feels_safe": False, "worries": "I am scared", "anything_else": "scared"})
    alert = SafetyAlert.objects.get()
    assert (alert.response, alert.reason, alert.matched_words) == (response, AlertReason.FEELS_UNSAFE, "scared")


def test_a_reply_with_nothing_worrying_raises_nothing(review, iro, manager):
    watch("scared", by=manager)
    reply(review, iro, {"feels_safe": True, "going_well": "Football on Saturdays."})
    reply(review, iro, {"going_well": "Fine"}, person_type="parent")
    assert not SafetyAlert.objects.exists()
    assert not Notification.objects.exists()


def test_the_emails_name_the_child_by_initials_and_id_only(
    review, iro, manager, eager, django_capture_on_commit_callbacks
):
    child = review.child
    with django_capture_on_commit_callbacks(execute=True):
        reply(review, iro, {"feels_safe": False, "worries": f"{child.given_name} is frightened of Uncle Bob."})

    assert sorted(message.to[0] for message in mail.outbox) == sorted([iro.email, review.chair.email, manager.email])
    for message in mail.outbox:
        text = f"{message.subject}\n{message.body}"
        assert message.subject == "IRO Portal: Safety alert"
        assert child.given_name not in text and child.family_name not in text
        assert "Uncle Bob" not in text and "frightened" not in text
        assert f"R.L. ({child.local_child_id})" in text
        assert "does not feel safe" in text
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Celery pointed at a port where nothing listens (as tests/test_reminder_worker.py points it)."""
    from iro_portal.celery import app

    previous = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", CLOSED_PORT_REDIS_URL)
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS_URL
    app._pool = None
    app.conf.broker_url = CLOSED_PORT_REDIS_URL
    yield
    app._pool = None
    app.conf.broker_url = previous


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_reply_and_alert_are_kept_and_emailed_later(broker_down):
    iro, manager = IroFactory(), ManagerFactory()
    child = ChildFactory(given_name="Robin", family_name="Looked-After")
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    review = ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10), booked=True)
    issued = services.issue_invitation(review, person_type="child", by=iro)

    started = timezone.now()
    response = services.submit_response(issued.code, {"feels_safe": False})  # commits, then tries the broker
    assert timezone.now() - started < timedelta(seconds=5)

    assert ConsultationResponse.objects.filter(pk=response.pk).exists()
    alert = SafetyAlert.objects.get(response=response)
    outbox = Notification.objects.filter(subject_id=alert.pk, kind=NotificationKind.SAFETY_ALERT)
    assert {n.recipient for n in outbox} == {iro, manager}
    assert not mail.outbox and all(n.emailed_at is None for n in outbox)

    assert send_pending_emails() == {"sent": 2, "failed": 0, "batch": 2}  # what the scheduled task runs
    assert sorted(message.to[0] for message in mail.outbox) == sorted([iro.email, manager.email])
    assert all("Robin" not in message.body for message in mail.outbox)


# --- escalation ------------------------------------------------------------------------------


def test_an_unanswered_alert_goes_to_the_managers_again_once(
    review, iro, chair, managers, settings, django_capture_on_commit_callbacks
):
    settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES = 30
    old = SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False}))
    answered = SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False}))
    recent = SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False}))
    now = timezone.now()
    SafetyAlert.objects.filter(pk__in=[old.pk, answered.pk]).update(raised_at=now - timedelta(minutes=31))
    SafetyAlert.objects.filter(pk=recent.pk).update(raised_at=now - timedelta(minutes=29))
    alert_services.record_alert_response(answered, by=iro, action_taken="Visited the child.", expected_version=1)

    with django_capture_on_commit_callbacks() as callbacks:
        assert escalate_unanswered_alerts() == 1
    assert callbacks == [alerts.send_emails_now]  # the managers are emailed at once
    old.refresh_from_db()
    assert old.escalated_at is not None and old.version == 2
    escalated = alert_notifications(old, alerts.ESCALATED)
    assert [n.recipient for n in escalated] == managers
    assert "Nobody has recorded what was done about this safety alert 30 minutes after it was raised" in (
        escalated[0].message
    )
    before = Notification.objects.count()

    assert escalate_unanswered_alerts() == 0
    assert alert_services.escalate_unanswered(now + timedelta(days=1)) == 1  # only the recent one, now old
    assert Notification.objects.count() == before + len(managers)
    assert not SafetyAlert.objects.filter(pk=answered.pk, escalated_at__isnull=False).exists()


def test_the_escalation_runs_every_five_minutes_from_celery_beat():
    from iro_portal.celery import app

    app.loader.import_default_modules()
    app.finalize()
    schedule = app.conf.beat_schedule["escalate-unanswered-safety-alerts"]
    assert schedule["task"] == "consultations.tasks.escalate_unanswered_alerts"
    assert str(schedule["schedule"].minute) == str(set(range(0, 60, 5)))


@pytest.mark.parametrize("value", ["2h", "0", "-5"])
def test_the_escalation_delay_setting_is_read_strictly(tmp_path, value):
    result = settings_in_subprocess(
        {"SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path), "SAFETY_ALERT_ESCALATE_AFTER_MINUTES": value},
        "settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES",
    )
    assert result.returncode != 0
    assert "SAFETY_ALERT_ESCALATE_AFTER_MINUTES" in result.stderr


def test_the_escalation_delay_defaults_to_two_hours(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "SAFETY_ALERT_ESCALATE_AFTER_MINUTES"}
    result = settings_in_subprocess(
        {**env, "SECRET_KEY": "x" * 50, "IRO_PORTAL_VAR_DIR": str(tmp_path)},
        "settings.SAFETY_ALERT_ESCALATE_AFTER_MINUTES",
    )
    assert result.stdout.strip() == "120", result.stderr


# --- responding ------------------------------------------------------------------------------


@pytest.fixture
def alert(review, iro):
    return SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False, "worries": "<b>Shouting</b>"}))


def test_the_alert_page_shows_what_raised_it_escaped(client, iro, alert):
    sign_in(client, iro)
    page = client.get(reverse("consultations:alert", args=[alert.pk])).content.decode()
    assert "Said they do not feel safe" in page
    assert "Feels safe where they live" in page
    assert "&lt;b&gt;Shouting&lt;/b&gt;" in page and "<b>Shouting" not in page
    assert "Record what you did" in page and "Rate red with a check within a working day" in page
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(alert.pk), user=iro).exists()


def test_the_iro_records_what_they_did_and_the_alert_leaves_the_top_of_the_inbox(client, iro, manager, alert):
    sign_in(client, iro)
    url = reverse("consultations:alert_respond", args=[alert.pk])

    empty = client.post(url, {"action_taken": "  ", "version": 1})
    assert empty.status_code == 400
    assert "Enter what you did about the alert" in empty.content.decode()
    assert "<title>Error: " in empty.content.decode()

    done = client.post(url, {"action_taken": "Phoned the carer; social worker visiting today.", "version": 1})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert (alert.responded_by, alert.action_taken, alert.version) == (
        iro,
        "Phoned the carer; social worker visiting today.",
        2,
    )
    assert not alert_notifications(alert).filter(read_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(alert.pk), user=iro).exists()
    assert "Phoned the carer" in client.get(reverse("consultations:alert", args=[alert.pk])).content.decode()

    again = client.get(url)
    assert again.status_code == 302


def test_recording_from_a_stale_page_is_refused(client, iro, manager, alert):
    alert_services.rate_red(alert, by=manager, expected_version=1, today=timezone.localdate())
    sign_in(client, iro)
    stale = client.post(
        reverse("consultations:alert_respond", args=[alert.pk]), {"action_taken": "Visited", "version": 1}
    )
    assert stale.status_code == 409
    alert.refresh_from_db()
    assert alert.responded_at is None


def test_rate_red_records_oversight_with_a_check_the_next_working_day(client, iro, alert, clock):
    christmas_eve = datetime.date(2026, 12, 24)  # Thursday; then Christmas, a weekend and Boxing Day's holiday
    clock(christmas_eve)
    sign_in(client, iro)
    url = reverse("consultations:alert_rate_red", args=[alert.pk])
    form = client.get(url).content.decode()
    assert "plan today, 24 December 2026" in form and "29 December 2026 (the next working day)" in form

    assert client.post(url, {"version": 1}).status_code == 302
    alert.refresh_from_db()
    record = alert.oversight_record
    assert (record.kind, record.rag, record.date, record.iro) == (
        OversightKind.MIDWAY_REVIEW,
        Rag.RED,
        christmas_eve,
        iro,
    )
    assert record.next_check_date == add_working_days(christmas_eve, 1) == datetime.date(2026, 12, 29)
    latest = with_latest_oversight(Child.objects.filter(pk=alert.review.child_id), christmas_eve).get()
    assert (latest.current_rag, latest.next_check_date) == (Rag.RED, datetime.date(2026, 12, 29))
    assert alert.responded_at is None  # what was done is still to be recorded

    assert client.post(url, {"version": 2}).status_code == 302
    assert alert.review.child.oversight_records.count() == 1
    with pytest.raises(ValidationError):
        alert_services.rate_red(alert, by=iro, expected_version=2, today=christmas_eve)


def test_who_may_see_and_answer_an_alert(client, alert, iro, other_iro, manager, board_member, administrator):
    detail = reverse("consultations:alert", args=[alert.pk])
    respond = reverse("consultations:alert_respond", args=[alert.pk])
    rate = reverse("consultations:alert_rate_red", args=[alert.pk])
    expected = {
        iro: (200, 200, 200),
        manager: (200, 200, 200),
        administrator: (200, 200, 200),
        other_iro: (404, 404, 404),
        board_member: (403, 403, 403),
        BusinessSupportFactory(): (403, 403, 403),
    }
    for user, statuses in expected.items():
        client.force_login(user)
        assert tuple(client.get(url).status_code for url in (detail, respond, rate)) == statuses, user
    client.logout()
    assert client.get(detail).status_code == 302


def test_only_managers_list_open_alerts_and_manage_watched_words(client, iro, manager, administrator):
    for user, status in ((iro, 403), (manager, 200), (administrator, 200)):
        client.force_login(user)
        assert client.get(reverse("consultations:alerts")).status_code == status
        assert client.get(reverse("consultations:watched_words")).status_code == status


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_open_alerts_list_oldest_first_in_a_fixed_number_of_queries(client, manager, iro, review):
    answered = SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False}))
    alert_services.record_alert_response(answered, by=iro, action_taken="Done.", expected_version=1)
    first = SafetyAlert.objects.get(response=reply(review, iro, {"feels_safe": False}))
    SafetyAlert.objects.filter(pk=first.pk).update(raised_at=timezone.now() - timedelta(hours=3))
    sign_in(client, manager)
    url = reverse("consultations:alerts")
    few = queries_for(client, url)
    for number in range(4):
        child = ChildFactory(given_name=f"Kid{number}")
        CareEpisodeFactory(child=child)
        AllocationFactory(child=child, iro=IroFactory())
        reply(ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10), booked=True), iro, {"feels_safe": False})
    assert queries_for(client, url) == few
    page = client.get(url).content.decode()
    assert "5 alerts" in page
    assert page.index(review.child.full_name) < page.index("Kid0")
    assert page.count("/consultations/alerts/") - page.count("watched-words") == 5


def test_the_inbox_shows_unread_alerts_first_marked_urgent(client, iro, review, alert):
    Notification.objects.create(
        recipient=iro,
        kind=NotificationKind.REVIEW_DUE,
        subject_type="review",
        subject_id=review.pk,
        child=review.child,
        due_date=review.due_date,
        step="10",
        message="The LAC review is due.",
        link=f"/reviews/{review.pk}/",
    )
    sign_in(client, iro)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert page.index("Urgent") < page.index("Safety alert") < page.index("Review due")
    api = client.get("/api/v1/notifications/").json()
    assert [row["kind"] for row in api["results"]] == ["safety_alert", "review_due"]


# --- the words watched for -------------------------------------------------------------------


def test_managers_add_and_remove_watched_words_audited(client, manager):
    sign_in(client, manager)
    url = reverse("consultations:watched_words")
    assert client.post(url, {"phrase": "  Run\u2019s   AWAY "}).status_code == 302
    watched = WatchedPhrase.objects.get()
    assert watched.phrase == "run's away"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="consultations.watchedphrase").exists()

    duplicate = client.post(url, {"phrase": "RUN'S AWAY"})
    assert duplicate.status_code == 400 and "is already watched for" in duplicate.content.decode()
    assert client.post(url, {"phrase": ""}).status_code == 400

    remove = reverse("consultations:watched_word_remove", args=[watched.pk])
    client.post(remove, {"version": 5})
    assert WatchedPhrase.objects.exists()  # a stale page removes nothing
    assert client.post(remove, {"version": 1}).status_code == 302
    assert not WatchedPhrase.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, object_type="consultations.watchedphrase").exists()
    assert client.get(remove).status_code == 405
