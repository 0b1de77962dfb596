"""The review pages, driven as IROs and managers use them."""

from datetime import date as D
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from children import services as children_services
from reviews.models import Review
from reviews.timescales import add_working_days, working_days_overdue
from tests.conftest import brought_into_care, sign_in
from tests.factories import AllocationFactory, ChildFactory
from tests.lac_record import complete, record_held, save_task


def child_in_care(iro, manager, start, name="Robin", dob=D(2012, 6, 1)):
    child = ChildFactory(given_name=name, family_name="Testcase", date_of_birth=dob)
    return brought_into_care(child, by=manager, start=start, iro=iro)


def due_review(child):
    return Review.objects.get(child=child, status__in=["due", "booked"], kind="LAC")


def date_fields(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def record_post(review, held, code="PN1", **extra):
    data = {
        "version": review.version,
        "participation_code": code,
        "parents_participation": "attended",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        **date_fields("held_on", held),
    }
    data.update(extra)
    return data


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.mark.django_db
class TestDueList:
    def test_iro_sees_their_reviews_soonest_first_with_working_days(self, client, iro, other_iro, manager, today):
        child_in_care(iro, manager, today - timedelta(days=2), name="Later")
        sooner = child_in_care(iro, manager, today - timedelta(days=10), name="Sooner")
        child_in_care(other_iro, manager, today - timedelta(days=5), name="Elsewhere")
        sign_in(client, iro)
        content = client.get(reverse("reviews:due")).content.decode()
        assert content.index("Sooner Testcase") < content.index("Later Testcase")
        assert "Elsewhere Testcase" not in content
        remaining = due_review(sooner).due_date - today
        assert remaining.days > 0
        assert "2 reviews due or booked" in content

    def test_late_reviews_are_highlighted(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=60))
        sign_in(client, iro)
        content = client.get(reverse("reviews:due")).content.decode()
        late = -((due_review(child).due_date - today).days)
        assert late > 0
        assert (
            f'govuk-tag--red">Overdue by {working_days_overdue(due_review(child).due_date, today)} working days</strong>'
            in content
        )

    def test_filters_by_kind_and_period(self, client, iro, manager, today):
        overdue = child_in_care(iro, manager, today - timedelta(days=60), name="Overdue")
        child_in_care(iro, manager, today - timedelta(days=1), name="Fresh")
        children_services.record_strategy_discussion(
            overdue, by=manager, date=today - timedelta(days=1), section_47_enquiry_started=True
        )
        sign_in(client, iro)
        content = client.get(reverse("reviews:due"), {"period": "overdue"}).content.decode()
        assert "Overdue Testcase" in content and "Fresh Testcase" not in content
        content = client.get(reverse("reviews:due"), {"kind": "ICPC"}).content.decode()
        assert "Initial child protection conference" in content and "LAC review 1" not in content

    def test_a_child_between_short_breaks_is_listed_as_overdue(self, client, iro, manager, today):
        child = ChildFactory(given_name="Between", family_name="Breaks", date_of_birth=D(2012, 6, 1))
        AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=130))
        for days_ago in (120, 80, 40):
            children_services.record_care_episode(
                child,
                by=manager,
                start_date=today - timedelta(days=days_ago),
                end_date=today - timedelta(days=days_ago - 2),
                reason_episode_ceased="E4A",
                reason_for_new_episode="S",
                legal_status="V3",
                category_of_need="N2",
                placement_type="K2",
                placement_provider="PR1",
            )
        sign_in(client, iro)
        for period in ("overdue", ""):
            content = client.get(reverse("reviews:due"), {"period": period}).content.decode()
            assert "Between Breaks" in content and "LAC review 1" in content

    def test_manager_sees_everyone_and_filters_by_iro(self, client, iro, other_iro, manager, today):
        child_in_care(iro, manager, today - timedelta(days=5), name="Mine")
        child_in_care(other_iro, manager, today - timedelta(days=5), name="Theirs")
        sign_in(client, manager)
        content = client.get(reverse("reviews:due")).content.decode()
        assert "Mine Testcase" in content and "Theirs Testcase" in content
        content = client.get(reverse("reviews:due"), {"iro": other_iro.pk}).content.decode()
        assert "Mine Testcase" not in content and "Theirs Testcase" in content

    def test_query_count_does_not_grow_with_rows(self, client, iro, manager, today):
        sign_in(client, manager)
        child_in_care(iro, manager, today - timedelta(days=5), name="First")

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("reviews:due")).status_code == 200
            return len(queries)

        few = count()
        for number in range(25):
            child_in_care(iro, manager, today - timedelta(days=5 + number), name=f"Child{number}")
        assert count() == few

    def test_board_member_is_refused(self, client, board_member):
        sign_in(client, board_member)
        assert client.get(reverse("reviews:due")).status_code == 403


@pytest.mark.django_db
class TestRecordingThroughThePages:
    def test_record_a_review_and_see_the_next_one_due(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        held = today - timedelta(days=1)
        sign_in(client, iro)
        response = record_held(
            client,
            review,
            held,
            decisions=[("Book a dental check", "Foster carer", held + timedelta(days=30))],
            follow=True,
        )
        content = response.content.decode()
        assert "LAC review 1 for Robin Testcase is complete and recorded as held." in content
        assert "Rate the plan after LAC review 1" in content
        assert "Book a dental check" in client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
        review.refresh_from_db()
        assert (review.status, review.held_on, review.chair) == ("held", held, iro)
        second = due_review(child)
        assert second.number == 2 and second.due_date.month == ((held.month + 2) % 12) + 1
        child_page = client.get(reverse("children:detail", args=[child.pk])).content.decode()
        assert "LAC review 2</a>, due by" in child_page
        assert "In timescale" in child_page

    def test_the_one_page_record_sends_a_lac_review_to_its_task_list(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        tasks = reverse("reviews:record_tasks", args=[review.pk])
        assert client.get(reverse("reviews:record", args=[review.pk]))["Location"] == tasks
        posted = client.post(reverse("reviews:record", args=[review.pk]), record_post(review, today))
        assert posted["Location"] == tasks
        assert Review.objects.get(pk=review.pk).status == "due"
        record_held(client, review, today)
        assert client.get(reverse("reviews:edit", args=[review.pk]))["Location"] == tasks
        detail = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
        assert f'href="{tasks}">Edit this record' in detail
        assert reverse("reviews:edit", args=[review.pk]) not in detail

    def test_pn0_for_an_older_child_is_explained_and_nothing_saved(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        response = record_held(client, review, today, code="PN0")
        content = response.content.decode()
        assert response.status_code == 400
        assert "There is a problem" in content
        participation = reverse("reviews:record_participation", args=[review.pk])
        assert f'href="{participation}">PN0 is only for children under 4; the child was' in content
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_incomplete_action_row_is_explained(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        response = save_task(
            client,
            review,
            "decisions",
            {"actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-0-description": "Visit school"},
        )
        content = response.content.decode()
        assert response.status_code == 400
        assert 'href="#id_actions-0-owner_name">Decision 1: enter who will do it' in content
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_book_a_review(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=3))
        review = due_review(child)
        day = add_working_days(today, 3)
        sign_in(client, iro)
        response = client.post(
            reverse("reviews:book", args=[review.pk]),
            {"version": review.version, "time": "14:30", **date_fields("date", day)},
            follow=True,
        )
        assert "is booked" in response.content.decode()
        review.refresh_from_db()
        assert review.status == "booked"
        assert timezone.localtime(review.booked_for).strftime("%H:%M") == "14:30"

    def test_bad_time_is_explained(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=3))
        review = due_review(child)
        sign_in(client, iro)
        response = client.post(
            reverse("reviews:book", args=[review.pk]),
            {"version": review.version, "time": "25:99", **date_fields("date", today)},
        )
        assert "Enter the time as hours and minutes" in response.content.decode()
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_an_edit_racing_another_save_is_refused(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        record_held(client, review, today - timedelta(days=1))
        review.refresh_from_db()
        opened = review.version
        assert client.get(reverse("reviews:record_participation", args=[review.pk])).status_code == 200
        participation = {"participation_code": "PN1", "parents_participation": "attended"}
        first = save_task(client, review, "participation", {**participation, "advocate_present": "on"}, version=opened)
        assert first.status_code == 302
        second = save_task(client, review, "participation", {**participation, "child_chaired": "on"}, version=opened)
        assert second.status_code == 409
        assert "Someone else changed this review" in second.content.decode()
        saved = Review.objects.get(pk=review.pk)
        assert saved.advocate_present and not saved.child_chaired
        assert saved.version == opened + 1


def field_group(content, field_id):
    """The HTML of the form group holding the field with this id."""
    end = content.index(f'id="{field_id}"')
    return content[content.rindex('<div class="govuk-form-group', 0, end) : end]


@pytest.mark.django_db
class TestWarningsBeforeAMistake:
    def test_booking_after_the_due_date_asks_for_confirmation_and_the_reason_on_the_date(
        self, client, iro, manager, today
    ):
        child = child_in_care(iro, manager, today - timedelta(days=60))
        review = due_review(child)
        day = add_working_days(today, 1)
        sign_in(client, iro)
        url = reverse("reviews:book", args=[review.pk])
        booking = {"version": review.version, "time": "10:00", **date_fields("date", day)}
        first = client.post(url, booking)
        content = first.content.decode()
        assert first.status_code == 400
        warning = (
            f"{day:%-d %B %Y} is after the due date ({review.due_date:%-d %B %Y}), so the review will be "
            "late: change the date, or confirm it and choose why."
        )
        assert f'href="#id_date_day">{warning}' in content
        date_group = field_group(content, "id_date")
        assert "govuk-form-group--error" in date_group and warning in date_group
        assert 'href="#id_late_reason">Choose why the review will be held late.' in content
        assert "Why will the review be held late?" in content
        assert f"Yes, book the review for {day:%-d %B %Y}" in content
        assert Review.objects.get(pk=review.pk).status == "due"

        second = client.post(url, {**booking, "confirmed": "on", "late_reason": "child_unavailable"})
        assert second.status_code == 302
        review.refresh_from_db()
        assert (review.status, review.late_reason) == ("booked", "child_unavailable")
        detail = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
        assert "Reason it will be late" in detail and "Child unavailable" in detail
        meeting = client.get(reverse("reviews:record_meeting", args=[review.pk])).content.decode()
        assert 'value="child_unavailable" checked' in meeting

    def test_booking_a_day_in_the_past_asks_for_confirmation_only(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=5))
        review = due_review(child)
        day = today - timedelta(days=1)
        sign_in(client, iro)
        url = reverse("reviews:book", args=[review.pk])
        booking = {"version": review.version, "time": "10:00", **date_fields("date", day)}
        content = client.post(url, booking).content.decode()
        assert f"{day:%-d %B %Y} is in the past: change the date, or confirm it." in field_group(content, "id_date")
        assert 'name="confirmed"' in content and 'name="late_reason"' not in content
        assert client.post(url, {**booking, "confirmed": "on"}).status_code == 302
        assert Review.objects.get(pk=review.pk).status == "booked"

    def test_a_record_not_circulated_on_the_day_of_the_review_is_due_not_missed(self, client, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=10))
        review = due_review(child)
        sign_in(client, iro)
        record_held(client, review, today)
        content = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
        assert f"Due by {add_working_days(today, 20):%-d %B %Y}" in content
        assert f"Due by {add_working_days(today, 5):%-d %B %Y}" in content
        assert content.count("Not met") == 1  # the social worker's report, due before the review


@pytest.mark.django_db
class TestReviewAccess:
    def test_iro_cannot_see_or_record_another_iros_reviews(self, client, iro, other_iro, manager, today):
        child = child_in_care(other_iro, manager, today - timedelta(days=20))
        review = due_review(child)
        sign_in(client, iro)
        for name in ("reviews:detail", "reviews:book", "reviews:record", "reviews:edit", "reviews:record_tasks"):
            assert client.get(reverse(name, args=[review.pk])).status_code == 404
        assert client.post(reverse("reviews:record", args=[review.pk]), record_post(review, today)).status_code == 404
        assert complete(client, review).status_code == 404
        assert Review.objects.get(pk=review.pk).status == "due"

    def test_iro_loses_access_after_reallocation(self, client, iro, other_iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        children_services.allocate_iro(child, iro=other_iro, start_date=today, by=manager)
        sign_in(client, iro)
        assert client.get(reverse("reviews:detail", args=[due_review(child).pk])).status_code == 404

    def test_board_member_gets_403_on_review_pages(self, client, board_member, iro, manager, today):
        child = child_in_care(iro, manager, today - timedelta(days=20))
        sign_in(client, board_member)
        for name in ("reviews:detail", "reviews:book", "reviews:record", "reviews:edit", "reviews:record_tasks"):
            assert client.get(reverse(name, args=[due_review(child).pk])).status_code == 403

    def test_viewing_a_review_is_audited(self, client, iro, manager, today):
        from audit.models import AuditEvent

        child = child_in_care(iro, manager, today - timedelta(days=20))
        sign_in(client, iro)
        client.get(reverse("reviews:detail", args=[due_review(child).pk]))
        assert AuditEvent.objects.filter(
            action="view", object_type="reviews.review", child_id=child.pk, user=iro
        ).exists()
