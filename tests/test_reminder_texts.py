"""What each kind of reminder says: whole sentences, dates as people write them, the child named
in the portal and by initials and ID only in email."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from escalations import services as escalation_services
from notifications import services
from notifications.models import Notification
from oversight import services as oversight_services
from reviews import services as review_services
from reviews.models import Review
from reviews.timescales import add_working_days
from tests.conftest import sign_in
from tests.factories import record_attendance_and_views
from tests.test_reminders import ON, child_in_care, starting_care_due_in, sweep


def build_one_of_each_kind(iro, manager):
    """Children whose records make every kind of reminder on ON (19 March 2025)."""
    starting_care_due_in(iro, manager, 5, given="Dana", family="Due")
    child_in_care(iro, manager, ON - timedelta(days=40), given="Olly", family="Overdue")
    booked = starting_care_due_in(iro, manager, 4, given="Bea", family="Booked")
    review_services.book_review(
        Review.objects.get(child=booked),
        by=iro,
        booked_for=datetime.combine(add_working_days(ON, 2), datetime.min.time(), UTC).replace(hour=10),
        today=ON,
    )
    held = child_in_care(iro, manager, ON - timedelta(days=35), given="Hana", family="Held")
    review_services.record_review_held(
        record_attendance_and_views(Review.objects.get(child=held)),
        by=iro,
        today=ON,
        fields={"held_on": add_working_days(ON, -7), "participation_code": "PN1"},
        actions=[
            {
                "description": "Update the care plan with today's decisions and share it with the child and the "
                "carers, and agree with the school how the child will catch up on the lost term.",
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
    held_long_ago = child_in_care(iro, manager, ON - timedelta(days=90), given="Ezra", family="Escalated")
    escalation = escalation_services.raise_escalation(
        held_long_ago,
        by=iro,
        areas=["placement"],
        what_is_wrong="Drift",
        what_is_asked="A plan",
        stage=2,
        addressed_to_name="A Manager",
        addressed_to_role="Team manager",
        raised_on=add_working_days(ON, -25),
        today=ON,
    )
    escalation_services.record_response(
        escalation, by=iro, responded_on=add_working_days(ON, -22), response_summary="Will look again", today=ON
    )
    escalation_services.escalate(
        escalation,
        by=iro,
        stage=3,
        addressed_to_name="B Manager",
        addressed_to_role="Service manager",
        sent_on=add_working_days(ON, -2),
        today=ON,
    )
    recorded_late = child_in_care(iro, manager, ON - timedelta(days=45), given="Rory", family="Record")
    review_services.record_review_held(
        record_attendance_and_views(Review.objects.get(child=recorded_late)),
        by=iro,
        today=ON,
        fields={
            "held_on": add_working_days(ON, -22),
            "participation_code": "PN1",
            "decisions_circulated": add_working_days(ON, -20),
        },
        actions=[],
    )
    overdue = child_in_care(iro, manager, ON - timedelta(days=90), given="Owen", family="Answer")
    escalation_services.raise_escalation(
        overdue,
        by=iro,
        areas=["placement"],
        what_is_wrong="Drift",
        what_is_asked="A plan",
        stage=2,
        addressed_to_name="A Manager",
        addressed_to_role="Team manager",
        raised_on=add_working_days(ON, -9),
        today=ON,
    )
    tomorrow = child_in_care(iro, manager, ON - timedelta(days=90), given="Toby", family="Tomorrow")
    escalation_services.raise_escalation(
        tomorrow,
        by=iro,
        areas=["placement"],
        what_is_wrong="Drift",
        what_is_asked="A plan",
        stage=1,
        addressed_to_name="A Manager",
        addressed_to_role="Team manager",
        raised_on=add_working_days(ON, -4),
        today=ON,
    )
    sweep()


EXPECTED = {
    ("review_due", "Dana"): "LAC review 1 is due in 5 working days (26 March 2025) and is not booked.",
    ("review_overdue", "Olly"): "LAC review 1 was due on 7 March 2025 and has not been held.",
    (
        "social_worker_report_missing",
        "Bea",
    ): "The social worker's report for LAC review 1, booked for 21 March 2025, has not been received.",
    (
        "decisions_not_circulated",
        "Hana",
    ): "The decisions of LAC review 1, held on 10 March 2025, should have been circulated by 17 March 2025.",
    (
        "record_not_circulated",
        "Rory",
    ): "The full record of LAC review 1, held on 17 February 2025, should have been circulated by 17 March 2025.",
    (
        "action_overdue",
        "Hana",
    ): "An action agreed at LAC review 1 was due on 17 March 2025. Owner: Social worker. Action: Update the care "
    "plan with today's decisions and share it with the child and the carers, and agree with the school how the "
    "child will catch up on the lost term.",
    ("oversight_check_due", "Hana"): "An oversight check was due on 9 March 2025.",
    ("oversight_missing_this_quarter", "Dana"): "No oversight is recorded this quarter, which ends on 31 March 2025.",
    (
        "escalation_response_due",
        "Toby",
    ): "The response to your escalation at the informal resolution stage is due on 20 March 2025.",
    (
        "escalation_response_overdue",
        "Owen",
    ): "The response to your escalation at the team manager stage was due on 13 March 2025.",
    (
        "escalation_formal_too_long",
        "Ezra",
    ): "The formal escalation started on 12 February 2025 has gone past its limit of 20 working days.",
}


@pytest.mark.django_db
class TestReminderTexts:
    def test_each_kind_says_what_is_due_in_whole_sentences(self, iro, manager):
        build_one_of_each_kind(iro, manager)
        said = {
            (n.kind, n.child.given_name): n.message
            for n in Notification.objects.exclude(kind="manager_digest").select_related("child")
        }
        assert {kind for kind, _ in said} == {kind for kind, _ in EXPECTED}, "one of each kind"
        for key, message in EXPECTED.items():
            assert said[key] == message, key
        for message in said.values():
            assert ".." not in message and " ." not in message and "Child:" not in message, message
            assert message.endswith("."), message

    def test_the_inbox_names_the_child_and_the_email_gives_initials_and_id_only(self, client, iro, manager):
        build_one_of_each_kind(iro, manager)
        sign_in(client, iro)
        inbox = client.get(reverse("notifications:inbox")).content.decode()
        held = Notification.objects.get(kind="decisions_not_circulated").child
        assert f"Child: Hana Held ({held.local_child_id})<br>{EXPECTED[('decisions_not_circulated', 'Hana')]}" in inbox
        services.send_pending_emails()
        (email,) = [m for m in mail.outbox if "decisions of LAC review 1" in m.body]
        assert email.body.startswith(
            f"{EXPECTED[('decisions_not_circulated', 'Hana')]}\n\nChild: H.H. ({held.local_child_id})\n\n"
            "Open it in IRO Portal: http"
        )
        for message in mail.outbox:
            assert "Hana" not in message.body and "Held (" not in message.body
            assert ".." not in message.body, message.body
