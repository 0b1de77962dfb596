"""A LAC review once held: its page shows the working record (who came, the views, the care plan
checks and the numbered decisions), and the IRO corrects it through the same task list, each
change locked by version and audited."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from reviews.models import Review, ReviewAction
from reviews.record_models import CarePlanCheck, ReviewParticipant, ReviewViews
from tests.conftest import brought_into_care, sign_in
from tests.factories import ChildFactory
from tests.lac_record import complete, date_fields, draft_review, record_held, record_version, save_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def lac_review(iro, manager, days_in_care=20):
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    brought_into_care(child, by=manager, start=timezone.localdate() - timedelta(days=days_in_care), iro=iro)
    return Review.objects.get(child=child, kind="LAC", status="due")


def people(*rows):
    data = {"people-TOTAL_FORMS": str(len(rows)), "people-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"people-{index}-{key}": value for key, value in row.items()})
    return data


@pytest.fixture
def held(client, iro, manager, today):
    """A review recorded through every task, then completed."""
    review = lac_review(iro, manager)
    sign_in(client, iro)
    answers = {
        "attendance": people(
            {"role": "child", "invited": "on", "attendance": "attended"},
            {"role": "mother", "name": "Sam Parent", "invited": "on", "attendance": "apologies"},
            {"role": "health", "name": "Dr Lee", "attendance": "sent_views"},
        ),
        "views": {
            "child_text": "I want to see my <script>brother</script> more.",
            "child_given": "in_person",
            "carers_text": "Settled at school.",
            "carers_given": "written",
        },
        "checks": {
            "care_plan_answer": "yes",
            "contact_answer": "no",
            "contact_note": "Sibling contact has lapsed",
            "plan_meets_needs": "no",
        },
    }
    for task, data in answers.items():
        assert save_task(client, review, task, data).status_code == 302
    response = record_held(
        client,
        review,
        today,
        decisions=[
            ("Restart sibling contact", "Social worker", today + timedelta(days=28)),
            ("Book a dental check", "Foster carer", today + timedelta(days=14)),
        ],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    review.refresh_from_db()
    return review


def detail(client, review):
    return client.get(reverse("reviews:detail", args=[review.pk])).content.decode()


class TestTheHeldReviewPage:
    def test_shows_who_came_the_views_the_checks_and_the_numbered_decisions(self, client, held):
        page = detail(client, held)
        assert "Who was invited and who came" in page
        assert '<th scope="row" class="govuk-table__header">Sam Parent</th>' in page
        assert '<td class="govuk-table__cell">Mother</td>' in page and "Gave apologies" in page
        assert "Dr Lee" in page and "Sent their views" in page
        assert '<th scope="row" class="govuk-table__header">Robin Testcase</th>' in page
        assert "I want to see my &lt;script&gt;brother&lt;/script&gt; more." in page and "<script>brother" not in page
        assert "Given: in person" in page and "Given: written" in page
        assert 'The parents&#x27; views</dt><dd class="govuk-summary-list__value">Not recorded' in page
        assert "Contact arrangements, including siblings" in page and "Sibling contact has lapsed" in page
        assert 'The plan meets the child\'s needs</dt><dd class="govuk-summary-list__value">No' in page
        assert "Decisions and recommendations" in page
        assert page.index("Decision 1</td>") < page.index("Restart sibling contact") < page.index("Decision 2</td>")
        assert f'href="{reverse("reviews:record_tasks", args=[held.pk])}">Edit this record' in page

    def test_a_fixed_number_of_queries_however_much_was_recorded(self, client, held, today):
        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("reviews:detail", args=[held.pk])).status_code == 200
            return len(queries)

        few = count()
        ReviewParticipant.objects.bulk_create(
            ReviewParticipant(review=held, role="other", name=f"Person {n}", attendance="attended") for n in range(10)
        )
        ReviewViews.objects.create(review=held, of="parents", text="We agree.", given="online")
        CarePlanCheck.objects.create(review=held, kind="life_story", answer="yes")
        ReviewAction.objects.bulk_create(
            ReviewAction(review=held, number=3 + n, description=f"Decision {n}", owner_name="SW", due_date=today)
            for n in range(10)
        )
        assert count() == few

    def test_business_support_sees_the_review_but_not_what_was_said(self, client, held, business_support):
        sign_in(client, business_support)
        page = detail(client, held)
        assert "Held on" in page
        assert "Who was invited and who came" not in page and "brother" not in page
        assert "Sibling contact has lapsed" not in page

    def test_a_conference_keeps_its_agreed_actions(self, client, iro, manager, today):
        from tests.factories import HeldReviewFactory

        conference = HeldReviewFactory(child=lac_review(iro, manager).child, kind="ICPC", number=1, held_on=today)
        sign_in(client, iro)
        page = detail(client, conference)
        assert "Agreed actions" in page and "Who was invited and who came" not in page


class TestCorrections:
    def test_the_task_list_edits_the_held_record(self, client, held):
        tasks = client.get(reverse("reviews:record_tasks", args=[held.pk])).content.decode()
        assert "Edit the record of LAC review 1" in tasks
        assert "and complete the review" not in tasks

    def test_attendance_corrected_locked_and_audited(self, client, held, iro):
        opened = record_version(held)
        rows = [
            {"id": p.pk, "role": p.role, "name": p.name, "invited": "on", "attendance": p.attendance}
            for p in held.participants.all()
        ]
        rows[1]["attendance"] = "attended"
        assert save_task(client, held, "attendance", people(*rows)).status_code == 302
        assert held.participants.get(name="Sam Parent").attendance == "attended"
        assert AuditEvent.objects.filter(
            action="update", object_type="reviews.reviewrecord", user=iro, detail__attendance=3
        ).exists()
        stale = save_task(client, held, "attendance", people(*rows[:1]), version=opened)
        assert stale.status_code == 409
        assert "Someone else saved this review&#x27;s record while you were working on it." in stale.content.decode()
        assert held.participants.count() == 3

    def test_the_meeting_corrected_keeps_the_decisions_and_a_new_decision_is_numbered_on(
        self, client, held, iro, today
    ):
        opened = held.version
        meeting = save_task(client, held, "meeting", date_fields("held_on", today - timedelta(days=1)), version=opened)
        assert meeting.status_code == 302
        held.refresh_from_db()
        assert (held.held_on, held.version) == (today - timedelta(days=1), opened + 1)
        assert (
            AuditEvent.objects.filter(action="update", object_type="reviews.review", object_id=str(held.pk)).count()
            == 2
        )
        assert list(held.actions.order_by("number").values_list("number", flat=True)) == [1, 2]
        added = save_task(
            client,
            held,
            "decisions",
            {
                "actions-TOTAL_FORMS": "1",
                "actions-INITIAL_FORMS": "0",
                "actions-0-description": "Review the contact plan",
                "actions-0-owner_name": "Team manager",
                **date_fields("actions-0-due_date", today + timedelta(days=7)),
            },
            version=held.version,
        )
        assert added.status_code == 302
        assert held.actions.get(description="Review the contact plan").number == 3
        stale = save_task(client, held, "meeting", date_fields("held_on", today), version=opened)
        assert stale.status_code == 409
        assert Review.objects.get(pk=held.pk).held_on == today - timedelta(days=1)

    def test_a_correction_needs_the_late_reason_while_the_review_is_late(self, client, iro, manager, today):
        review = lac_review(iro, manager, days_in_care=60)
        sign_in(client, iro)
        record_held(client, review, today, meeting={"late_reason": "child_unavailable"})
        review.refresh_from_db()
        response = save_task(client, review, "meeting", date_fields("held_on", today), version=review.version)
        assert response.status_code == 400
        assert "give the reason" in response.content.decode()
        assert Review.objects.get(pk=review.pk).late_reason == "child_unavailable"


class TestLateAndStale:
    def test_a_late_review_is_completed_only_with_the_reason(self, client, iro, manager, today):
        review = lac_review(iro, manager, days_in_care=60)
        assert review.due_date < today
        sign_in(client, iro)
        refused = record_held(client, review, today)
        assert refused.status_code == 400
        meeting = reverse("reviews:record_meeting", args=[review.pk])
        assert f'href="{meeting}">The review was held after its due date' in refused.content.decode()
        assert Review.objects.get(pk=review.pk).status == "due"
        assert (
            save_task(
                client, review, "meeting", {**date_fields("held_on", today), "late_reason": "child_unavailable"}
            ).status_code
            == 302
        )
        assert complete(client, review).status_code == 302
        saved = Review.objects.get(pk=review.pk)
        assert (saved.status, saved.late_reason) == ("held", "child_unavailable")

    def test_completing_from_a_stale_page_is_refused_and_nothing_changes(self, client, iro, manager, today):
        review = lac_review(iro, manager)
        sign_in(client, iro)
        draft_review(client, review, today)
        opened = record_version(review)
        assert (
            save_task(
                client, review, "participation", {"participation_code": "PN1", "advocate_present": "on"}
            ).status_code
            == 302
        )
        response = complete(client, review, version=opened)
        assert response.status_code == 409
        assert "Someone else saved this review&#x27;s record while you were working on it." in response.content.decode()
        assert Review.objects.get(pk=review.pk).status == "due"
