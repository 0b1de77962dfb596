"""The reminder sweep on a fixed date, for a hand-built set of children (in process)."""

from datetime import UTC, datetime, timedelta
from datetime import date as D

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from children import services as children_services
from notifications import services
from notifications.models import Notification
from oversight import services as oversight_services
from reviews import services as review_services
from reviews.models import Review
from reviews.timescales import add_working_days
from tests.conftest import brought_into_care, sign_in
from tests.factories import AllocationFactory, ChildFactory, record_attendance_and_views
from tests.lac_record import record_held

ON = D(2025, 3, 19)  # a Wednesday: quarter ends 31 March, within 10 working days


def child_in_care(iro, manager, start, given="Robin", family="Sweep"):
    child = ChildFactory(given_name=given, family_name=family, date_of_birth=D(2012, 6, 1))
    return brought_into_care(child, by=manager, start=start, iro=iro)


def starting_care_due_in(iro, manager, working_days, **names):
    """A child whose first review (20 working days after care starts) is due `working_days` after ON."""
    start = add_working_days(add_working_days(ON, working_days), -20)
    return child_in_care(iro, manager, start, **names)


def sweep(on=ON):
    call_command("send_reminders", "--date", on.isoformat(), "--no-email", stdout=open("/dev/null", "w"))


def reminders():
    return {(n.kind, n.recipient_id, n.child_id, n.step) for n in Notification.objects.exclude(kind="manager_digest")}


@pytest.mark.django_db
class TestSweep:
    def test_the_expected_reminders_for_a_hand_built_authority(self, iro, other_iro, manager):
        in_five = starting_care_due_in(iro, manager, 5, given="Five")
        in_three = starting_care_due_in(iro, manager, 3, given="Three")
        in_twelve = starting_care_due_in(iro, manager, 12, given="Twelve")
        overdue = child_in_care(other_iro, manager, ON - timedelta(days=40), given="Late")
        booked = starting_care_due_in(iro, manager, 4, given="Booked")
        review = Review.objects.get(child=booked)
        review_services.book_review(
            review,
            by=iro,
            booked_for=datetime.combine(add_working_days(ON, 2), datetime.min.time(), UTC).replace(hour=10),
            today=ON,
        )
        held = child_in_care(iro, manager, ON - timedelta(days=35), given="Held")
        review_services.record_review_held(
            record_attendance_and_views(Review.objects.get(child=held)),
            by=iro,
            today=ON,
            fields={"held_on": add_working_days(ON, -7), "participation_code": "PN1"},
            actions=[
                {
                    "description": "Update the care plan",
                    "owner_name": "Social worker",
                    "due_date": ON - timedelta(days=2),
                }
            ],
        )
        oversight_services.record_oversight(
            held,
            by=iro,
            kind="case_file_check",
            date=ON - timedelta(days=120),
            next_check_date=ON - timedelta(days=10),
            today=ON,
        )
        sweep()
        got = reminders()
        assert ("review_due", iro.pk, in_five.pk, "5") in got
        assert ("review_due", iro.pk, in_three.pk, "5") in got, (
            "3 working days left: the 5-day reminder (missed days catch up)"
        )
        assert not any(child == in_twelve.pk for _, _, child, _ in got if _ == "review_due")
        assert ("review_overdue", other_iro.pk, overdue.pk, "overdue-week-1") in got
        assert ("social_worker_report_missing", iro.pk, booked.pk, "before-review") in got
        assert not any(kind == "review_due" and child == booked.pk for kind, _, child, _ in got), (
            "booked: no due reminder"
        )
        assert ("decisions_not_circulated", iro.pk, held.pk, "once") in got
        assert not any(kind == "record_not_circulated" for kind, *_ in got), "20 working days have not passed"
        assert ("action_overdue", iro.pk, held.pk, "once") in got
        assert ("oversight_check_due", iro.pk, held.pk, "overdue-week-1") in got
        assert ("oversight_missing_this_quarter", other_iro.pk, overdue.pk, "quarter-2025-01") in got

    def test_a_series_of_short_breaks_stays_overdue_between_breaks_until_a_year_passes_without_one(
        self, iro, manager, clock
    ):
        clock(ON)
        child = ChildFactory(given_name="Sky", family_name="Breaks", date_of_birth=D(2012, 6, 1))
        AllocationFactory(child=child, iro=iro, start_date=D(2024, 1, 1))
        for start in (D(2024, 12, 16), D(2025, 1, 10)):
            children_services.record_care_episode(
                child,
                by=manager,
                start_date=start,
                end_date=start + timedelta(days=2),
                reason_episode_ceased="E4A",
                reason_for_new_episode="S",
                legal_status="V3",
                category_of_need="N2",
                placement_type="K2",
                placement_provider="PR1",
            )
        sweep()
        assert any(kind == "review_overdue" and (to, about) == (iro.pk, child.pk) for kind, to, about, _ in reminders())
        sweep(D(2026, 1, 11))
        assert Review.objects.get(child=child).status == "due", "a year after the last break, not before"
        before = Notification.objects.filter(child=child).count()
        sweep(D(2026, 1, 12))
        review = Review.objects.get(child=child)
        assert (review.status, review.cancelled_reason) == ("cancelled", "The child ceased to be looked after.")
        assert Notification.objects.filter(child=child).count() == before, "no reminder once the series has ended"

    def test_running_again_creates_no_duplicates(self, iro, manager):
        starting_care_due_in(iro, manager, 5)
        sweep()
        first = Notification.objects.count()
        sweep()
        assert Notification.objects.count() == first
        assert Notification.objects.filter(kind="manager_digest").count() == 1

    def test_the_next_step_comes_on_its_day(self, iro, manager):
        child = starting_care_due_in(iro, manager, 10)
        sweep()
        sweep(add_working_days(ON, 5))
        sweep(add_working_days(ON, 9))
        steps = sorted(Notification.objects.filter(child=child, kind="review_due").values_list("step", flat=True))
        assert steps == ["1", "10", "5"]

    def test_query_count_does_not_grow_with_children(self, iro, manager):
        from django.utils.module_loading import import_string

        from notifications.tasks import SWEEP_TASKS

        def queries():
            Notification.objects.all().delete()
            with CaptureQueriesContext(connection) as captured:
                for name in SWEEP_TASKS:
                    import_string(name)(ON.isoformat(), 0, 10**9)
            return len(captured)

        starting_care_due_in(iro, manager, 5, given="First")
        few = queries()
        for number in range(15):
            starting_care_due_in(iro, manager, number % 6, given=f"More{number}")
        assert queries() == few

    def test_email_names_no_child_and_failures_are_retried(self, iro, manager, settings):
        child = starting_care_due_in(iro, manager, 5, given="Secretname", family="Hiddenfamily")
        sweep()
        settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
        result = services.send_pending_emails()
        assert result["sent"] == 0 and result["failed"] == Notification.objects.count() > 0
        notification = Notification.objects.get(child=child, kind="review_due")
        assert notification.emailed_at is None and notification.email_attempts == 1
        assert "SMTPServerDisconnected" in notification.last_error
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert services.send_pending_emails()["sent"] == result["failed"]
        assert services.send_pending_emails()["sent"] == 0, "each reminder is emailed once"
        assert not Notification.objects.filter(emailed_at__isnull=True).exists()
        link = f"/reviews/{Review.objects.get(child=child).pk}/"
        (message,) = [m for m in mail.outbox if link in m.body]
        assert "Secretname" not in message.body and "Hiddenfamily" not in message.body
        assert f"S.H. ({child.local_child_id})" in message.body
        assert all("Secretname" not in m.body and "Hiddenfamily" not in m.body for m in mail.outbox)


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.mark.django_db
class TestInbox:
    def test_inbox_unread_first_and_mark_read(self, client, iro, manager):
        first = starting_care_due_in(iro, manager, 5, given="Alpha")
        second = starting_care_due_in(iro, manager, 1, given="Beta")
        sweep()
        sign_in(client, iro)
        unread = Notification.objects.filter(recipient=iro).count()
        assert unread >= 2
        page = client.get(reverse("notifications:inbox")).content.decode()
        assert f'Reminders <strong class="govuk-tag govuk-tag--blue">{unread}</strong>' in page
        older = Notification.objects.get(child=first, kind="review_due")
        response = client.post(reverse("notifications:read", args=[older.pk]), {"open": "1"})
        assert response["Location"] == older.link
        page = client.get(reverse("notifications:inbox")).content.decode()
        assert f'govuk-tag--blue">{unread - 1}</strong>' in page
        assert page.index(f"({second.local_child_id})") < page.index("review 1 is due in 5 working days")

    def test_nobody_else_can_read_my_reminders(self, client, iro, other_iro, manager):
        starting_care_due_in(iro, manager, 5)
        sweep()
        notification = Notification.objects.get(kind="review_due")
        sign_in(client, other_iro)
        assert client.post(reverse("notifications:read", args=[notification.pk])).status_code == 404
        assert Notification.objects.get(pk=notification.pk).read_at is None


@pytest.mark.django_db
def test_saving_a_review_does_not_need_the_broker(client, iro, manager, monkeypatch):
    """The web app never waits on Celery: with the broker unreachable, a review still saves."""
    from django.utils import timezone

    from iro_portal.celery import app

    today = timezone.localdate()
    child = child_in_care(iro, manager, today - timedelta(days=20))
    review = Review.objects.get(child=child)
    unreachable = "redis://127.0.0.1:1/0"
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    monkeypatch.setattr(app.conf, "broker_url", unreachable)
    monkeypatch.setattr(app.conf, "broker_connection_timeout", 1)
    monkeypatch.setattr(app, "_pool", None)
    sign_in(client, iro)
    response = record_held(client, review, today)
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).status == "held"
    monkeypatch.setattr(app, "_pool", None)


@pytest.mark.django_db
def test_escalation_reminders(iro, other_iro, manager):
    from escalations import services as escalation_services

    def raised(child, stage, raised_on):
        return escalation_services.raise_escalation(
            child,
            by=iro,
            areas=["placement"],
            what_is_wrong="Drift",
            what_is_asked="A plan",
            stage=stage,
            addressed_to_name="A Manager",
            addressed_to_role="Team manager",
            raised_on=raised_on,
            today=ON,
        )

    tomorrow = child_in_care(iro, manager, ON - timedelta(days=90), given="Tomorrow")
    overdue = child_in_care(other_iro, manager, ON - timedelta(days=90), given="Overdue")
    formal = child_in_care(iro, manager, ON - timedelta(days=90), given="Formal")
    raised(tomorrow, 1, add_working_days(ON, -4))
    raised(overdue, 2, add_working_days(ON, -9))
    long_running = raised(formal, 2, add_working_days(ON, -25))
    escalation_services.record_response(
        long_running, by=iro, responded_on=add_working_days(ON, -22), response_summary="Will look again", today=ON
    )
    escalation_services.escalate(
        long_running,
        by=iro,
        stage=3,
        addressed_to_name="B Manager",
        addressed_to_role="Service manager",
        sent_on=add_working_days(ON, -2),
        today=ON,
    )
    sweep()
    got = {
        (kind, recipient, child, step) for kind, recipient, child, step in reminders() if kind.startswith("escalation")
    }
    assert got == {
        ("escalation_response_due", iro.pk, tomorrow.pk, "due"),
        ("escalation_response_overdue", other_iro.pk, overdue.pk, "overdue-week-0"),
        ("escalation_formal_too_long", iro.pk, formal.pk, "formal-limit"),
    }
