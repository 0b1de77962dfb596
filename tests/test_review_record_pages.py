"""The LAC review recorded through its task list: each task saves to the draft, the draft
survives leaving the page, and completing it records the review held."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import Review, ReviewAction
from reviews.record_models import CarePlanCheck, ReviewParticipant, ReviewRecord, ReviewViews
from tests.conftest import brought_into_care, sign_in
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(iro, manager):
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    brought_into_care(child, by=manager, start=timezone.localdate() - timedelta(days=20), iro=iro)
    return Review.objects.get(child=child, kind="LAC", status="due")


def url(name, review):
    return reverse(f"reviews:{name}", args=[review.pk])


def version(review):
    record = ReviewRecord.objects.filter(review=review).first()
    return record.version if record else 0


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def people(*rows):
    data = {"people-TOTAL_FORMS": str(len(rows)), "people-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"people-{index}-{key}": value for key, value in row.items()})
    return data


def record_everything(client, review, today):
    answers = {
        "meeting": {**date_fields("held_on", today), "version": version(review)},
        "attendance": {
            **people(
                {"role": "child", "invited": "on", "attendance": "attended"},
                {"role": "mother", "name": "Sam Parent", "invited": "on", "attendance": "apologies"},
            ),
        },
        "views": {"child_text": "I want to see my brother more.", "child_given": "in_person"},
        "checks": {"care_plan_answer": "yes", "contact_answer": "no", "contact_note": "Sibling contact has lapsed"},
        "decisions": {
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Restart sibling contact",
            "actions-0-owner_name": "Social worker",
            **date_fields("actions-0-due_date", today + timedelta(days=28)),
        },
        "participation": {"participation_code": "PN1", "parents_participation": "did_not_participate"},
    }
    for task, data in answers.items():
        response = client.post(url(f"record_{task}", review), {**data, "version": version(review)})
        assert response.status_code == 302, (task, response.content.decode()[:2000])
        assert response["Location"] == url("record_tasks", review)


class TestTheTaskList:
    def test_an_iro_records_every_task_then_completes_the_review(self, client, iro, review):
        today = timezone.localdate()
        sign_in(client, iro)
        assert "Not started" in client.get(url("record_tasks", review)).content.decode()
        record_everything(client, review, today)
        tasks = client.get(url("record_tasks", review)).content.decode()
        assert "You have completed 5 of 6 sections." in tasks  # the checks answered in part
        assert Review.objects.get(pk=review.pk).status == "due", "still a draft"

        check = client.get(url("record_check", review)).content.decode()
        for shown in (
            "Sam Parent (mother)",
            "Gave apologies",
            "I want to see my brother more.",
            "Restart sibling contact",
        ):
            assert shown in check
        response = client.post(url("record_check", review), {"version": version(review)})
        assert response.status_code == 302 and response["Location"] == reverse("oversight:rate", args=[review.pk])
        held = Review.objects.get(pk=review.pk)
        assert (held.status, held.held_on, held.participation_code) == ("held", today, "PN1")
        assert ReviewAction.objects.get(review=review).title == "Decision 1"
        assert CarePlanCheck.objects.filter(review=review, answer="no").count() == 1

    def test_save_and_come_back_later_keeps_the_draft(self, client, iro, review):
        sign_in(client, iro)
        response = client.post(
            url("record_views", review),
            {"child_text": "Half typed", "child_given": "written", "version": 0, "later": "1"},
        )
        assert response["Location"] == url("detail", review)
        assert "Half typed" in client.get(url("record_views", review)).content.decode()

    def test_completing_without_attendance_is_refused_with_the_reason_and_nothing_changes(self, client, iro, review):
        sign_in(client, iro)
        client.post(url("record_meeting", review), {**date_fields("held_on", timezone.localdate()), "version": 0})
        response = client.post(url("record_check", review), {"version": version(review)})
        assert response.status_code == 400
        content = response.content.decode()
        assert "Record who was invited to the review and who came." in content and "<title>Error:" in content
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_views_are_shown_escaped(self, client, iro, review):
        sign_in(client, iro)
        client.post(
            url("record_views", review), {"child_text": "<script>x</script>", "child_given": "written", "version": 0}
        )
        content = client.get(url("record_check", review)).content.decode()
        assert "&lt;script&gt;x&lt;/script&gt;" in content and "<script>x</script>" not in content

    def test_a_code_other_than_the_suggestion_is_confirmed_first(self, client, iro, review):
        sign_in(client, iro)
        client.post(
            url("record_attendance", review), {**people({"role": "child", "attendance": "attended"}), "version": 0}
        )
        client.post(
            url("record_views", review), {"child_text": "Fine", "child_given": "in_person", "version": version(review)}
        )
        response = client.post(
            url("record_participation", review), {"participation_code": "PN3", "version": version(review)}
        )
        assert response.status_code == 400
        assert "suggest PN1: choose it, or confirm PN3" in response.content.decode()
        response = client.post(
            url("record_participation", review),
            {"participation_code": "PN3", "confirm_code": "on", "version": version(review)},
        )
        assert response.status_code == 302
        assert ReviewRecord.objects.get(review=review).draft["fields"]["participation_code"] == "PN3"

    def test_add_another_person_keeps_what_was_typed_and_saves_nothing(self, client, iro, review):
        sign_in(client, iro)
        response = client.post(
            url("record_attendance", review),
            {
                **people({"role": "carer", "name": "Pat Carer", "attendance": "attended"}),
                "add_person": "1",
                "version": 0,
            },
        )
        content = response.content.decode()
        assert "Person 2" in content and "Pat Carer" in content
        assert not ReviewParticipant.objects.exists()

    def test_the_plan_not_meeting_needs_offers_the_escalation_filled_in(self, client, iro, review):
        sign_in(client, iro)
        client.post(
            url("record_checks", review),
            {
                "health_assessment_answer": "no",
                "health_assessment_note": "Overdue",
                "plan_meets_needs": "no",
                "version": 0,
            },
        )
        content = client.get(url("record_checks", review)).content.decode()
        raise_url = reverse("escalations:raise", args=[review.child_id])
        assert f"{raise_url}?areas=health&amp;what_is_wrong=" in content
        form = client.get(f"{raise_url}?areas=health&what_is_wrong=Overdue+health+assessment").content.decode()
        assert 'value="health" checked' in form and "Overdue health assessment" in form

    def test_someone_without_recording_rights_is_refused(self, client, other_iro, review):
        sign_in(client, other_iro)
        assert client.get(url("record_tasks", review)).status_code == 404

    @pytest.mark.parametrize("page", ["record_tasks", "record_check"])
    def test_a_fixed_number_of_queries_however_much_is_recorded(self, client, iro, review, page):
        sign_in(client, iro)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(page, review)).status_code == 200
            return len(queries)

        empty = count()
        record_everything(client, review, timezone.localdate())
        for number in range(5):
            ReviewParticipant.objects.create(
                review=review, role="other", name=f"Person {number}", attendance="attended"
            )
        ReviewViews.objects.create(review=review, of="carers", text="All well", given="written")
        assert count() == empty


class TestAutosaveAndOldReviews:
    def test_an_autosave_keeps_the_draft_and_answers_the_version_now_saved(self, client, iro, review):
        sign_in(client, iro)
        response = client.post(
            url("record_views", review),
            {"child_text": "Typed so far", "child_given": "written", "version": 0, "autosave": "1"},
        )
        assert response.status_code == 200 and response.json() == {"version": 1}
        assert ReviewViews.objects.get(review=review).text == "Typed so far"

    def test_a_review_held_before_the_working_record_shows_not_recorded(self, client, iro, review):
        from reviews import services
        from tests.factories import record_attendance_and_views

        held = services.record_review_held(
            record_attendance_and_views(review),
            by=iro,
            fields={"held_on": timezone.localdate(), "participation_code": "PN1"},
        )
        ReviewParticipant.objects.filter(review=held).delete()
        ReviewViews.objects.filter(review=held).delete()
        sign_in(client, iro)
        content = client.get(url("record_check", held)).content.decode()
        assert content.count("Not recorded") >= 5 and "Complete the review" not in content
        assert "Edit the record of LAC review 1" in client.get(url("record_tasks", held)).content.decode()
