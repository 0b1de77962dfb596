"""RAG-rated oversight between reviews: the follow-up window, recording, and the worklist."""

from datetime import date as D
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from children import services as children_services
from oversight import services
from oversight.models import InContactPlan, OversightRecord
from oversight.selectors import worklist
from reviews import services as review_services
from reviews.models import Review
from tests.conftest import sign_in
from tests.factories import AllocationFactory, ChildFactory

TODAY = D(2025, 11, 20)


class TestNextCheckWindow:
    def test_red_is_any_day_up_to_four_weeks(self):
        window = services.next_check_window("red", D(2025, 3, 3))
        assert (window.earliest, window.proposed, window.latest) == (D(2025, 3, 3), D(2025, 3, 17), D(2025, 3, 31))

    def test_amber_is_five_to_eight_weeks(self):
        window = services.next_check_window("amber", D(2025, 3, 3))
        assert (window.earliest, window.proposed, window.latest) == (D(2025, 4, 7), D(2025, 4, 7), D(2025, 4, 28))
        assert D(2025, 4, 6) not in window and D(2025, 4, 29) not in window

    def test_green_is_around_the_midpoint_before_the_next_review(self):
        window = services.next_check_window("green", D(2025, 3, 3), next_review_due=D(2025, 9, 3))
        assert window.proposed == D(2025, 6, 3), "92 days into 184"
        assert (window.earliest, window.latest) == (D(2025, 5, 20), D(2025, 6, 17))

    def test_green_with_a_close_next_review_stays_before_it(self):
        window = services.next_check_window("green", D(2025, 3, 3), next_review_due=D(2025, 3, 20))
        assert window.latest == D(2025, 3, 20) and window.earliest == D(2025, 3, 4)

    def test_green_with_no_review_due_assumes_six_months(self):
        assert services.next_check_window("green", D(2025, 3, 3)).proposed == D(2025, 6, 3)


@pytest.fixture
def child(db, iro, manager):
    child = ChildFactory(given_name="Alex", family_name="Oversight", date_of_birth=D(2012, 6, 1))
    children_services.record_care_episode(child, by=manager, start_date=D(2025, 1, 6), reason_for_new_episode="S",
                                          legal_status="C2", category_of_need="N1", placement_type="U6", placement_provider="PR1")
    AllocationFactory(child=child, iro=iro, start_date=D(2025, 1, 6))
    return child


def held_review(child, iro, held=D(2025, 2, 1)):
    review = Review.objects.get(child=child, status="due")
    return review_services.record_review_held(review, by=iro, fields={"held_on": held, "participation_code": "PN1"}, today=TODAY)


@pytest.mark.django_db
class TestRecording:
    def test_rating_after_a_review_uses_the_proposed_date(self, child, iro):
        review = held_review(child, iro)
        record = services.record_oversight(child, by=iro, kind="post_review", date=review.held_on, rag="red",
                                           review=review, today=TODAY)
        assert record.next_check_date == D(2025, 2, 15)
        assert AuditEvent.objects.filter(object_type="oversight.oversightrecord", action="create", user=iro).exists()

    def test_green_midpoint_counts_to_the_next_review(self, child, iro):
        review = held_review(child, iro)
        next_due = Review.objects.get(child=child, status="due").due_date
        assert next_due == D(2025, 5, 1)
        record = services.record_oversight(child, by=iro, kind="post_review", date=review.held_on, rag="green",
                                           review=review, today=TODAY)
        assert record.next_check_date == D(2025, 3, 17), "halfway through 89 days, rounded down"

    def test_green_after_an_older_review_counts_to_that_cycles_next_review(self, child, iro, manager):
        first = held_review(child, iro)
        second = Review.objects.get(child=child, status="due")
        review_services.record_review_held(second, by=iro, fields={"held_on": D(2025, 4, 28), "participation_code": "PN1"}, today=TODAY)
        children_services.record_strategy_discussion(child, by=manager, date=D(2025, 2, 3), section_47_enquiry_started=True)
        record = services.record_oversight(child, by=iro, kind="post_review", date=first.held_on, rag="green",
                                           review=first, today=TODAY)
        assert record.next_check_date == D(2025, 3, 17), "midway to the second review's due date, 1 May"

    def test_a_next_check_outside_the_window_is_refused(self, child, iro):
        review = held_review(child, iro)
        with pytest.raises(ValidationError) as error:
            services.record_oversight(child, by=iro, kind="post_review", date=review.held_on, rag="red",
                                      next_check_date=D(2025, 3, 5), review=review, today=TODAY)
        assert error.value.message_dict["next_check_date"] == [
            "After a red rating the next check must be between 1 February 2025 and 1 March 2025."]
        assert not OversightRecord.objects.exists()

    def test_a_rated_kind_needs_a_rating(self, child, iro):
        with pytest.raises(ValidationError) as error:
            services.record_oversight(child, by=iro, kind="midway_review", date=D(2025, 3, 1), today=TODAY)
        assert "Choose a RAG rating" in error.value.message_dict["rag"][0]

    def test_a_review_is_rated_once(self, child, iro):
        review = held_review(child, iro)
        services.record_oversight(child, by=iro, kind="post_review", date=review.held_on, rag="green", review=review, today=TODAY)
        with pytest.raises(ValidationError):
            services.record_oversight(child, by=iro, kind="post_review", date=review.held_on, rag="red", review=review, today=TODAY)
        assert OversightRecord.objects.count() == 1

    def test_future_dates_are_refused(self, child, iro):
        with pytest.raises(ValidationError) as error:
            services.record_oversight(child, by=iro, kind="case_file_check", date=TODAY + timedelta(days=1), today=TODAY)
        assert error.value.message_dict["date"] == ["The date cannot be in the future."]

    def test_in_contact_plan_replaces_the_previous_one(self, child, iro):
        first = services.agree_in_contact_plan(child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY)
        services.agree_in_contact_plan(child, by=iro, method="visit", every_weeks=6, agreed_on=D(2025, 5, 1), today=TODAY)
        first.refresh_from_db()
        assert first.ended_on == D(2025, 5, 1)
        assert InContactPlan.objects.get(child=child, ended_on__isnull=True).method == "visit"
        with pytest.raises(ValidationError):
            services.agree_in_contact_plan(child, by=iro, method="visit", every_weeks=30, agreed_on=D(2025, 6, 1), today=TODAY)
        assert InContactPlan.objects.filter(child=child).count() == 2

    def test_in_contact_plan_ends_when_care_ends(self, child, iro, manager):
        plan = services.agree_in_contact_plan(child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY)
        episode = child.episodes.get()
        children_services.update_care_episode(episode, by=manager, end_date=D(2025, 6, 2), reason_episode_ceased="E4A")
        plan.refresh_from_db()
        assert plan.ended_on == D(2025, 6, 2)
        assert AuditEvent.objects.filter(object_type="oversight.incontactplan", action="update", child_id=child.pk).exists()

    def test_a_placement_change_keeps_the_plan(self, child, iro, manager):
        plan = services.agree_in_contact_plan(child, by=iro, method="phone", every_weeks=4, agreed_on=D(2025, 2, 1), today=TODAY)
        episode = child.episodes.get()
        children_services.update_care_episode(episode, by=manager, end_date=D(2025, 6, 2), reason_episode_ceased="X1",
                                              reason_for_placement_change="CARPL")
        plan.refresh_from_db()
        assert plan.ended_on is None


@pytest.mark.django_db
class TestWorklist:
    def test_flags_overdue_checks_quarters_and_contact(self, child, iro):
        today = timezone.localdate()
        services.record_oversight(child, by=iro, kind="case_file_check", date=today - timedelta(days=200),
                                  next_check_date=today - timedelta(days=3), today=today)
        services.agree_in_contact_plan(child, by=iro, method="phone", every_weeks=2, agreed_on=today - timedelta(days=60), today=today)
        (row,) = worklist(iro, today)
        assert row.check_overdue and row.no_record_this_quarter and row.contact_behind
        services.record_oversight(child, by=iro, kind="contact_with_child", date=today, today=today)
        assert worklist(iro, today) == [], "contact today meets the plan, the quarter and the overdue check"

    def test_only_the_iros_children(self, child, iro, other_iro, other_child):
        assert [row.child for row in worklist(iro, timezone.localdate())] == [child]
        assert [row.child for row in worklist(other_iro, timezone.localdate())] == [other_child]

    def test_manager_filters_by_rag(self, child, iro, manager, other_child):
        today = timezone.localdate()
        services.record_oversight(child, by=iro, kind="midway_review", date=today, rag="amber", today=today)
        assert [row.child for row in worklist(manager, today)] == [other_child], "rated today: nothing needed"
        assert {row.child for row in worklist(manager, today, attention_only=False)} == {child, other_child}
        assert [row.child for row in worklist(manager, today, rag="amber", attention_only=False)] == [child]

    def test_query_count_does_not_grow_with_children(self, client, iro, manager):
        today = timezone.localdate()
        sign_in(client, manager)

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("oversight:worklist")).status_code == 200
            return len(queries)

        AllocationFactory(child=ChildFactory(), iro=iro, start_date=today - timedelta(days=30))
        few = count()
        for _ in range(20):
            AllocationFactory(child=ChildFactory(), iro=iro, start_date=today - timedelta(days=30))
        assert count() == few


@pytest.mark.django_db
class TestPages:
    def test_record_oversight_page(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(reverse("oversight:record", args=[child.pk]), {
            "kind": "midway_review", "rag": "amber", "tracking": "Education plan drifting",
            "date_day": today.day, "date_month": today.month, "date_year": today.year}, follow=True)
        content = response.content.decode()
        assert "Oversight recorded for Alex Oversight." in content
        assert "Education plan drifting" in content and "govuk-tag--orange" in content
        assert OversightRecord.objects.get().next_check_date == today + timedelta(weeks=5)

    def test_errors_are_shown_and_nothing_saved(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(reverse("oversight:record", args=[child.pk]), {
            "kind": "post_review", "rag": "red", "date_day": today.day, "date_month": today.month, "date_year": today.year})
        assert response.status_code == 400
        assert "A post-review rating follows a held review." in response.content.decode()
        assert not OversightRecord.objects.exists()

    def test_rate_page_after_recording_a_review(self, client, child, iro):
        review = held_review(child, iro)
        sign_in(client, iro)
        response = client.post(reverse("oversight:rate", args=[review.pk]), {"rag": "red"}, follow=True)
        assert "plan is rated red. Next check: 15 February 2025." in response.content.decode()

    def test_in_contact_page(self, client, child, iro):
        sign_in(client, iro)
        today = timezone.localdate()
        response = client.post(reverse("oversight:in_contact", args=[child.pk]), {
            "method": "video", "every_weeks": "0", "agreed_on_day": today.day, "agreed_on_month": today.month,
            "agreed_on_year": today.year})
        assert "Enter at least 1 week" in response.content.decode()
        response = client.post(reverse("oversight:in_contact", args=[child.pk]), {
            "method": "video", "every_weeks": "3", "agreed_on_day": today.day, "agreed_on_month": today.month,
            "agreed_on_year": today.year}, follow=True)
        assert "Video call every 3 weeks" in response.content.decode()

    def test_access(self, client, child, other_iro, board_member):
        sign_in(client, other_iro)
        assert client.get(reverse("oversight:record", args=[child.pk])).status_code == 404
        assert client.get(reverse("oversight:in_contact", args=[child.pk])).status_code == 404
        client.logout()
        sign_in(client, board_member)
        assert client.get(reverse("oversight:worklist")).status_code == 403
        assert client.get(reverse("oversight:record", args=[child.pk])).status_code == 403
