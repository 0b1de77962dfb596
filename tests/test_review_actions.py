"""Agreed actions after the review: recorded done or given a new date, with their history, by
the child's IRO and by the action's owner; reminders stop once an action is done; the mid-way
review lists the open ones; the decisions page adds and removes rows without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CoverArrangement, CoverLevel
from audit.models import AuditEvent
from iro_portal.locking import ChangedByAnotherUser
from notifications.models import Notification, NotificationKind
from notifications.services import sweep_in_process
from reviews import services
from reviews.models import ReviewAction, ReviewActionUpdate
from reviews.selectors import review_reminders
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in
from tests.factories import IroFactory, record_attendance_and_views
from tests.lac_record import decision_rows, record_held, record_version, save_task
from tests.test_review_pages import child_in_care, date_fields, due_review

ACTIONS = "/api/v1/review-actions/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def held_review(iro, manager, today):
    child = child_in_care(iro, manager, today - timedelta(days=60))
    review = services.record_review_held(
        record_attendance_and_views(due_review(child)),
        by=iro,
        fields={
            "held_on": today - timedelta(days=30),
            "participation_code": "PN1",
            "late_reason": "other",
            "late_reason_other": "Snow",
        },
    )
    return review


@pytest.fixture
def action(held_review, today):
    return ReviewAction.objects.create(
        review=held_review,
        description="Arrange a dental check",
        owner_name="Foster carer",
        due_date=today - timedelta(days=5),
    )


def done_post(action, day, note="Seen by the dentist on Tuesday"):
    return {"version": action.version, **date_fields("completed_on", day), "note": note}


def new_date_post(action, day, reason="The dentist cancelled"):
    return {"version": action.version, **date_fields("due_date", day), "reason": reason}


def done_url(action):
    return reverse("reviews:action_done", args=[action.pk])


@pytest.mark.django_db
class TestRules:
    def test_done_keeps_the_date_the_note_and_who_recorded_it(self, action, iro, today):
        services.complete_action(
            action, by=iro, completed_on=today - timedelta(days=1), note=" Seen ", expected_version=1
        )
        action.refresh_from_db()
        assert (action.completed_on, action.version) == (today - timedelta(days=1), 2)
        entry = ReviewActionUpdate.objects.get(action=action)
        assert (entry.kind, entry.completed_on, entry.note, entry.recorded_by) == (
            "completed",
            action.completed_on,
            "Seen",
            iro,
        )
        assert AuditEvent.objects.filter(object_type="reviews.reviewaction", object_id=str(action.pk)).exists()

    def test_a_new_date_keeps_the_old_one_in_the_history(self, action, iro, today):
        old = action.due_date
        services.change_action_due_date(
            action, by=iro, due_date=today + timedelta(days=14), reason="Cancelled", expected_version=1
        )
        services.change_action_due_date(
            action, by=iro, due_date=today + timedelta(days=21), reason="Again", expected_version=2
        )
        action.refresh_from_db()
        assert action.due_date == today + timedelta(days=21) and action.completed_on is None
        assert list(action.updates.values_list("previous_due_date", "new_due_date", "note")) == [
            (old, today + timedelta(days=14), "Cancelled"),
            (today + timedelta(days=14), today + timedelta(days=21), "Again"),
        ]

    @pytest.mark.parametrize(
        "change, field, message",
        [
            ({"completed_on": 1}, "completed_on", "cannot be in the future"),
            ({"completed_on": -31}, "completed_on", "before the review that agreed it"),
            ({"note": "  "}, "note", "Enter a note of what was done"),
        ],
    )
    def test_done_refused(self, action, iro, today, change, field, message):
        arguments = {"completed_on": today, "note": "Done"}
        arguments.update(
            {key: today + timedelta(days=value) if key == "completed_on" else value for key, value in change.items()}
        )
        with pytest.raises(ValidationError) as error:
            services.complete_action(action, by=iro, expected_version=1, **arguments)
        assert message in error.value.message_dict[field][0]
        action.refresh_from_db()
        assert action.completed_on is None and action.version == 1 and not action.updates.exists()

    def test_a_new_date_must_be_new_and_not_past_with_a_reason(self, action, iro, today):
        for due_date, reason, field in (
            (action.due_date, "x", "due_date"),
            (today - timedelta(days=1), "x", "due_date"),
            (today, "", "reason"),
        ):
            with pytest.raises(ValidationError) as error:
                services.change_action_due_date(action, by=iro, due_date=due_date, reason=reason, expected_version=1)
            assert field in error.value.message_dict

    def test_a_done_action_cannot_change_and_a_stale_version_is_refused(self, action, iro, today):
        services.complete_action(action, by=iro, completed_on=today, note="Done", expected_version=1)
        with pytest.raises(ChangedByAnotherUser):
            services.change_action_due_date(
                action, by=iro, due_date=today + timedelta(days=3), reason="x", expected_version=1
            )
        with pytest.raises(ValidationError, match="recorded as done on"):
            services.complete_action(action, by=iro, completed_on=today, note="Again", expected_version=2)


@pytest.mark.django_db
class TestReminders:
    def test_reminders_stop_saying_overdue_once_the_action_is_done(self, client, action, iro, today):
        sweep_in_process(today)
        reminder = Notification.objects.get(kind=NotificationKind.ACTION_OVERDUE, subject_id=action.pk)
        assert reminder.recipient == iro and reminder.read_at is None
        sign_in(client, iro)

        def unread():
            content = client.get(reverse("notifications:inbox")).content.decode()
            return int(re.search(r"(\d+) unread", content).group(1))

        before = unread()
        response = client.post(done_url(action), done_post(action, today))
        assert response.status_code == 302
        reminder.refresh_from_db()
        assert reminder.read_at is not None
        assert unread() == before - 1
        on = today + timedelta(days=1)
        assert not [
            r
            for r in review_reminders(on, action.review.child_id, action.review.child_id)
            if r.kind == NotificationKind.ACTION_OVERDUE
        ]

    def test_the_owner_who_signs_in_is_reminded_too_and_the_reminder_opens_the_action(
        self, action, iro, other_iro, today
    ):
        action.owner = other_iro
        action.save()
        sweep_in_process(today)
        reminders = Notification.objects.filter(kind=NotificationKind.ACTION_OVERDUE, subject_id=action.pk)
        assert {(r.recipient, r.link) for r in reminders} == {
            (iro, reverse("reviews:action", args=[action.pk])),
            (other_iro, reverse("reviews:action", args=[action.pk])),
        }
        services.complete_action(action, by=other_iro, completed_on=today, note="Done", expected_version=1)
        assert not reminders.filter(read_at__isnull=True).exists()

    def test_a_new_date_settles_the_old_reminder_until_the_new_one_passes(self, action, iro, today):
        sweep_in_process(today)
        services.change_action_due_date(
            action, by=iro, due_date=today + timedelta(days=7), reason="Moved", expected_version=1
        )
        assert not Notification.objects.filter(kind=NotificationKind.ACTION_OVERDUE, read_at__isnull=True).exists()
        child = action.review.child_id
        assert not [r for r in review_reminders(today, child, child) if r.kind == NotificationKind.ACTION_OVERDUE]
        later = [
            r
            for r in review_reminders(today + timedelta(days=8), child, child)
            if r.kind == NotificationKind.ACTION_OVERDUE
        ]
        assert [r.due_date for r in later] == [today + timedelta(days=7)]


@pytest.mark.django_db
class TestActionPage:
    def test_the_iro_records_an_action_done_and_the_review_shows_it(self, client, action, iro, today):
        sign_in(client, iro)
        review_page = client.get(reverse("reviews:detail", args=[action.review_id])).content.decode()
        assert "Not yet" not in review_page and "Overdue" in review_page
        assert reverse("reviews:action", args=[action.pk]) in review_page
        action_page = client.get(reverse("reviews:action", args=[action.pk])).content.decode()
        assert done_url(action) in action_page and "Nothing recorded since" in action_page
        assert client.get(done_url(action)).status_code == 200
        response = client.post(done_url(action), done_post(action, today), follow=True)
        content = response.content.decode()
        assert "is recorded as done" in content
        assert f"Done {today:%-d %B %Y}" in content
        history = client.get(reverse("reviews:action", args=[action.pk])).content.decode()
        assert "Seen by the dentist on Tuesday" in history and f"Done on {today:%-d %B %Y}" in history
        assert "Recorded by Iris Reviewer" in history
        assert done_url(action) not in history
        assert client.get(done_url(action)).url == reverse("reviews:action", args=[action.pk])

    def test_a_new_date_with_the_reason(self, client, action, iro, today):
        sign_in(client, iro)
        new = today + timedelta(days=10)
        response = client.post(
            reverse("reviews:action_new_date", args=[action.pk]), new_date_post(action, new), follow=True
        )
        assert f"is now due by {new:%-d %B %Y}" in response.content.decode()
        history = client.get(reverse("reviews:action", args=[action.pk])).content.decode()
        assert f"Date changed from {action.due_date:%-d %B %Y} to {new:%-d %B %Y}" in history
        assert "The dentist cancelled" in history

    def test_errors_name_the_field_and_nothing_is_saved(self, client, action, iro, today):
        sign_in(client, iro)
        url = done_url(action)
        response = client.post(url, {"version": action.version})
        assert response.status_code == 400
        content = response.content.decode()
        assert (
            "<title>Error:" in content and 'href="#id_completed_on_day">Enter the date the action was done' in content
        )
        response = client.post(url, {**done_post(action, today), "note": ""})
        assert 'href="#id_note">Enter a note of what was done' in response.content.decode()
        response = client.post(url, done_post(action, today + timedelta(days=2)))
        assert (
            'href="#id_completed_on_day">The date the action was done cannot be in the future'
            in response.content.decode()
        )
        assert not ReviewAction.objects.filter(completed_on__isnull=False).exists()

    def test_a_stale_page_is_refused(self, client, action, iro, manager, today):
        services.change_action_due_date(
            action, by=manager, due_date=today + timedelta(days=3), reason="x", expected_version=1
        )
        sign_in(client, iro)
        response = client.post(done_url(action), done_post(action, today))
        assert response.status_code == 409
        assert "Someone else changed this action" in response.content.decode()
        assert ReviewAction.objects.get(pk=action.pk).completed_on is None

    def test_the_owner_who_signs_in_records_it_even_without_the_child(self, client, action, other_iro, today):
        action.owner, action.owner_name = other_iro, ""
        action.save()
        sign_in(client, other_iro)
        assert client.get(reverse("reviews:detail", args=[action.review_id])).status_code == 404
        page = client.get(reverse("reviews:action", args=[action.pk])).content.decode()
        assert "Arrange a dental check" in page and "Back to" not in page
        response = client.post(done_url(action), done_post(action, today))
        assert response.status_code == 302 and response.url == reverse("reviews:action", args=[action.pk])
        assert ReviewAction.objects.get(pk=action.pk).completed_on == today

    def test_who_may_not(self, client, action, other_iro, board_member, manager, iro, today):
        url = reverse("reviews:action", args=[action.pk])
        sign_in(client, other_iro)
        assert client.get(url).status_code == 404
        assert client.post(done_url(action), done_post(action, today)).status_code == 404
        sign_in(client, board_member)
        assert client.get(url).status_code == 403
        reader = IroFactory()
        CoverArrangement.objects.create(
            covering_iro=reader,
            covered_iro=iro,
            starts_on=today,
            ends_on=today,
            level=CoverLevel.READ,
            reason="Leave",
            granted_by=manager,
        )
        sign_in(client, reader)
        assert done_url(action) not in client.get(url).content.decode()
        assert client.post(done_url(action), done_post(action, today)).status_code == 403
        assert ReviewAction.objects.get(pk=action.pk).completed_on is None


@pytest.mark.django_db
class TestMidwayReview:
    def test_the_oversight_page_lists_the_childs_open_actions(self, client, action, iro, today):
        done = ReviewAction.objects.create(
            review=action.review,
            description="Book the PEP meeting",
            owner_name="School",
            due_date=today,
            completed_on=today,
        )
        sign_in(client, iro)
        content = client.get(reverse("oversight:record", args=[action.review.child_id])).content.decode()
        assert "Open agreed actions" in content and "Arrange a dental check" in content
        assert reverse("reviews:action", args=[action.pk]) in content
        assert done.description not in content

    def test_done_from_the_oversight_page_goes_back_to_it(self, client, action, iro, today):
        sign_in(client, iro)
        oversight = reverse("oversight:record", args=[action.review.child_id])
        page = client.get(f"{reverse('reviews:action', args=[action.pk])}?next={oversight}").content.decode()
        assert f"{done_url(action)}?next={oversight}" in page
        response = client.post(f"{done_url(action)}?next={oversight}", done_post(action, today))
        assert response.url == oversight
        ReviewAction.objects.filter(pk=action.pk).update(completed_on=None)
        response = client.post(
            f"{done_url(action)}?next=//elsewhere.example/", {**done_post(action, today), "version": 2}
        )
        assert response.url == reverse("reviews:detail", args=[action.review_id])

    def test_a_fixed_number_of_queries_however_many_actions(self, client, action, iro, today):
        sign_in(client, iro)
        url = reverse("oversight:record", args=[action.review.child_id])

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            return len(captured)

        few = queries()
        ReviewAction.objects.bulk_create(
            ReviewAction(review=action.review, description=f"Action {n}", owner_name="SW", due_date=today)
            for n in range(12)
        )
        assert queries() == few


@pytest.mark.django_db
class TestAddAnother:
    def test_one_row_to_start_then_rows_added_and_removed_keeping_what_was_typed(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        url = reverse("reviews:record_decisions", args=[review.pk])
        sign_in(client, iro)
        content = client.get(url).content.decode()
        assert "Decision 1" in content and "Decision 2" not in content and "Add another decision" in content

        first = {
            "actions-0-description": "Dentist",
            "actions-0-owner_name": "Carer",
            **date_fields("actions-0-due_date", today + timedelta(days=9)),
        }
        data = {**decision_rows(None), **first, "add_action": "1"}
        response = save_task(client, review, "decisions", data)
        content = response.content.decode()
        assert response.status_code == 200 and "There is a problem" not in content
        assert "Decision 2" in content and 'value="Dentist"' in content and 'name="actions-1-description"' in content
        assert 'id="id_actions-1-description" name="actions-1-description" type="text" value="" autofocus' in content
        assert record_version(review) == 0

        data = {
            **decision_rows(None, ("School visit", "Social worker", today + timedelta(days=20))),
            **first,
            "remove_action": "0",
        }
        content = save_task(client, review, "decisions", data).content.decode()
        assert "Decision 2" not in content and 'value="School visit"' in content and 'value="Dentist"' not in content
        assert 'name="actions-TOTAL_FORMS" value="1"' in content
        assert record_version(review) == 0

    def test_the_error_summary_names_the_row(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        response = save_task(
            client,
            review,
            "decisions",
            {
                **decision_rows(("Dentist", "Carer", today - timedelta(days=3)), None),
                "actions-1-description": "School visit",
                "actions-1-owner_name": "Social worker",
            },
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert 'href="#id_actions-1-due_date_day">Decision 2: enter the date it is due by</a>' in content
        assert "Enter the date it is due by</p>" in content

        record_held(client, review, today)
        review.refresh_from_db()
        response = save_task(
            client,
            review,
            "decisions",
            decision_rows(None, ("Dentist", "Carer", today - timedelta(days=3))),
            version=review.version,
        )
        assert response.status_code == 400
        assert (
            f'href="#id_actions-1-due_date_day">Decision 2: the date it is due by must be on or after '
            f"{today:%-d %B %Y}, when the review was held.</a>"
        ) in response.content.decode()
        assert not ReviewAction.objects.exists()

    def test_saving_keeps_every_filled_row_and_skips_blank_ones(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        response = record_held(
            client,
            review,
            today,
            decisions=[
                ("Dentist", "Carer", today + timedelta(days=3)),
                None,
                ("School visit", "Social worker", today + timedelta(days=9)),
            ],
        )
        assert response.status_code == 302
        assert list(ReviewAction.objects.order_by("number").values_list("number", "description")) == [
            (1, "Dentist"),
            (2, "School visit"),
        ]


@pytest.mark.django_db
class TestApi:
    def test_done_through_the_api_with_history_and_version(self, action, iro, today):
        client = api_client(iro)
        response = client.post(
            f"{ACTIONS}{action.pk}/complete/",
            {"completed_on": today.isoformat(), "note": "Seen", "version": 1},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["completed"], body["completed_on"], body["version"]) == (True, today.isoformat(), 2)
        assert [(e["kind"], e["note"], e["recorded_by"]) for e in body["history"]] == [("completed", "Seen", iro.pk)]
        assert client.get(f"{ACTIONS}{action.pk}/").json()["history"][0]["completed_on"] == today.isoformat()

    def test_new_date_and_a_stale_version_is_409(self, action, iro, today):
        client = api_client(iro)
        new = today + timedelta(days=5)
        response = client.post(
            f"{ACTIONS}{action.pk}/change-due-date/",
            {"due_date": new.isoformat(), "reason": "Moved", "version": 1},
            format="json",
        )
        assert response.status_code == 200 and response.json()["due_date"] == new.isoformat()
        response = client.post(
            f"{ACTIONS}{action.pk}/complete/",
            {"completed_on": today.isoformat(), "note": "Seen", "version": 1},
            format="json",
        )
        assert_error_shape(response, 409)
        assert ReviewAction.objects.get(pk=action.pk).completed_on is None

    def test_invalid_is_400_with_the_field(self, action, iro, today):
        client = api_client(iro)
        response = client.post(
            f"{ACTIONS}{action.pk}/complete/",
            {"completed_on": (today + timedelta(days=1)).isoformat(), "note": "Seen", "version": 1},
            format="json",
        )
        assert_error_shape(response, 400, "completed_on")
        response = client.post(
            f"{ACTIONS}{action.pk}/change-due-date/", {"due_date": today.isoformat(), "version": 1}, format="json"
        )
        assert_error_shape(response, 400, "reason")

    def test_who_may(self, action, iro, other_iro, board_member, manager, today):
        body = {"completed_on": today.isoformat(), "note": "Seen", "version": 1}
        assert api_client(other_iro).post(f"{ACTIONS}{action.pk}/complete/", body, format="json").status_code == 404
        assert api_client(board_member).post(f"{ACTIONS}{action.pk}/complete/", body, format="json").status_code == 403
        reader = IroFactory()
        CoverArrangement.objects.create(
            covering_iro=reader,
            covered_iro=iro,
            starts_on=today,
            ends_on=today,
            level=CoverLevel.READ,
            reason="Leave",
            granted_by=manager,
        )
        assert api_client(reader).post(f"{ACTIONS}{action.pk}/complete/", body, format="json").status_code == 403
        action.owner = other_iro
        action.save()
        client = api_client(other_iro)
        assert action.pk in {row["id"] for row in client.get(ACTIONS).json()["results"]}
        assert client.post(f"{ACTIONS}{action.pk}/complete/", body, format="json").status_code == 200
