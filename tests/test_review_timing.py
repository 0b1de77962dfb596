"""Overdue looks overdue everywhere: one rule for a review's status and working days, on the
due list, the review, the child's page, the caseload and the API."""

from datetime import date as D

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewKind, ReviewStatus
from reviews.selectors import review_timing
from tests.conftest import sign_in
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

FRIDAY = D(2025, 5, 9)
SUNDAY = D(2025, 5, 11)
# 7 working days after Friday 9 May 2025 (Monday 26 May is a bank holiday, after the window).
SEVEN_WORKING_DAYS_LATER = D(2025, 5, 20)


def review(status=ReviewStatus.DUE, due=FRIDAY, **fields):
    return Review(kind=ReviewKind.LAC, number=1, cycle_start=D(2025, 1, 1), status=status, due_date=due, **fields)


class TestTheRule:
    def test_due_on_friday_is_overdue_by_one_working_day_on_sunday_not_zero_left(self):
        timing = review_timing(review(), SUNDAY)
        assert timing.is_overdue and timing.label == "Overdue"
        assert (timing.working_days_overdue, timing.working_days_left) == (1, None)
        assert timing.summary == "Overdue by 1 working day"

    def test_counts_working_days_past_due(self):
        assert review_timing(review(), SEVEN_WORKING_DAYS_LATER).summary == "Overdue by 7 working days"

    def test_a_booked_review_past_its_due_date_is_overdue(self):
        assert review_timing(review(status=ReviewStatus.BOOKED), SUNDAY).label == "Overdue"

    def test_due_today_and_days_left(self):
        assert review_timing(review(), FRIDAY).summary == "Due today"
        timing = review_timing(review(due=D(2025, 5, 12)), SUNDAY)
        assert (timing.label, timing.summary, timing.due_soon) == ("Due", "1 working day left", True)
        assert not review_timing(review(due=D(2025, 6, 30)), SUNDAY).due_soon

    def test_held_and_cancelled_reviews_are_neither_due_nor_overdue(self):
        held = review_timing(review(status=ReviewStatus.HELD, held_on=D(2025, 5, 20)), SUNDAY)
        assert (held.label, held.summary, held.is_overdue) == ("Held", "", False)
        assert review_timing(review(status=ReviewStatus.CANCELLED), SUNDAY).label == "Cancelled"


@pytest.fixture
def overdue_child(db, iro, clock):
    """A child whose LAC review was due on a Friday, seen seven working days later."""
    clock(SEVEN_WORKING_DAYS_LATER)
    child = ChildFactory(given_name="Olly", family_name="Overdue")
    CareEpisodeFactory(child=child, start_date=D(2025, 1, 6))
    AllocationFactory(child=child, iro=iro, start_date=D(2025, 1, 6))
    Review.objects.create(child=child, kind=ReviewKind.LAC, number=1, cycle_start=D(2025, 1, 6), due_date=FRIDAY)
    return child


RED_OVERDUE = '<strong class="govuk-tag govuk-tag--red">Overdue by 7 working days</strong>'


@pytest.mark.django_db
class TestPages:
    def test_due_list_on_a_sunday_shows_red_overdue_not_yellow_zero_left(self, client, iro, overdue_child, clock):
        clock(SUNDAY)
        sign_in(client, iro)
        content = client.get(reverse("reviews:due"), {"period": "overdue"}).content.decode()
        assert '<strong class="govuk-tag govuk-tag--red">Overdue by 1 working day</strong>' in content
        assert "0 left" not in content and "govuk-tag--yellow" not in content

    def test_review_page_says_overdue_not_due(self, client, iro, overdue_child):
        sign_in(client, iro)
        review = overdue_child.reviews.get()
        content = client.get(reverse("reviews:detail", args=[review.pk])).content.decode()
        status = content[content.index(">Status</dt>") : content.index(">Due by</dt>")]
        assert RED_OVERDUE in status and ">Due<" not in status and ">Due</dd>" not in status

    def test_child_page_says_overdue_in_next_and_history(self, client, iro, overdue_child):
        sign_in(client, iro)
        content = client.get(reverse("children:detail", args=[overdue_child.pk])).content.decode()
        assert content.count(RED_OVERDUE) == 2
        history = content[content.index("Review history") :]
        assert ">Due</td>" not in history

    def test_caseload_shows_red_overdue(self, client, iro, overdue_child):
        sign_in(client, iro)
        content = client.get(reverse("children:caseload")).content.decode()
        assert RED_OVERDUE in content

    def test_api_says_overdue_with_working_days(self, client, iro, overdue_child):
        sign_in(client, iro)
        review = overdue_child.reviews.get()
        body = client.get(f"/api/v1/reviews/{review.pk}/").json()
        assert (body["status"], body["status_today"]) == ("due", "overdue")
        assert (body["working_days_overdue"], body["working_days_left"]) == (7, None)
