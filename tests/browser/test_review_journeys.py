"""An IRO books and records a review in the browser; a manager sees every IRO's reviews."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews.models import Review
from reviews.timescales import add_months
from tests.factories import AllocationFactory, ChildFactory, record_attendance_and_views

from .axe import assert_no_axe_violations
from .helpers import choose_in_type_ahead, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def child_with_review_due(iro, manager):
    today = timezone.localdate()
    start = today - timedelta(days=20)
    child = ChildFactory(given_name="Jordan", family_name="Reviewcase")
    children_services.record_care_episode(
        child,
        by=manager,
        start_date=start,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=child, iro=iro, start_date=start)
    return child


def fill_date(page, group, day):
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def test_iro_books_and_records_a_review_and_sees_the_next_one(page, iro, child_with_review_due):
    child = child_with_review_due
    today = timezone.localdate()
    sign_in(page, iro)
    page.get_by_role("link", name="My reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My reviews")
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text("LAC review 1")
    assert_no_axe_violations(page, "My reviews")

    page.get_by_role("link", name=f"LAC review 1 for {child.full_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("LAC review 1")
    assert_no_axe_violations(page, "review (due)")

    page.get_by_role("link", name="Book this review").click()
    assert_no_axe_violations(page, "book a review")
    fill_date(page, "Date of the review", today)
    page.get_by_label("Time").fill("10:30")
    page.get_by_role("button", name="Save booking").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is booked")

    # Recorded through the task list, once who came and the child's views are recorded (the
    # task list's whole journey is tests/browser/test_review_record_journeys.py).
    review = record_attendance_and_views(Review.objects.get(child=child, status="booked"))
    page.reload()
    page.get_by_role("link", name="Record as held").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record LAC review 1")
    page.get_by_role("link", name="The meeting", exact=True).click()
    fill_date(page, "Date the review was held", today)
    page.get_by_role("button", name="Save and continue").last.click()

    # A child of 11 recorded as PN0: completing is refused with a message and nothing saved.
    page.get_by_role("link", name="Participation", exact=True).click()
    page.get_by_label("PN0: child under 4 at the time of the review").check()
    page.get_by_role("button", name="Save and continue").last.click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("suggest PN1")
    page.get_by_label("Yes, use this code").check()
    page.get_by_role("button", name="Save and continue").last.click()
    page.get_by_role("link", name="Check your answers and complete the review").click()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Complete the review").click()
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("PN0 is only for children under 4")
    expect(summary).to_be_focused()
    assert_no_axe_violations(page, "complete a review with errors")
    assert Review.objects.get(pk=review.pk).status == "booked"

    summary.get_by_role("link", name=re.compile("PN0 is only for children under 4")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participation")
    page.get_by_label("PN1: attends and speaks for self").check()
    page.get_by_role("group", name="Parents' participation").get_by_label("Attended").check()
    page.get_by_role("button", name="Save and continue").last.click()
    page.get_by_role("link", name="Decisions and recommendations", exact=True).click()
    action = page.get_by_role("group", name="Decision 1")
    action.get_by_label("Agreed action").fill("Arrange a health assessment")
    action.get_by_label("Who will do it").fill("Social worker")
    fill_date(action, "Due by", today + timedelta(days=28))
    page.get_by_role("button", name="Save and continue").last.click()
    page.get_by_role("link", name="Check your answers and complete the review").click()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")

    # Straight on to rating the plan: red means a follow-up within 4 weeks.
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate the plan after LAC review 1")
    assert_no_axe_violations(page, "rate the plan")
    page.get_by_label("Red").check()
    page.get_by_label("What are you tracking?").fill("Placement stability: carers have asked for support")
    page.get_by_role("button", name="Save rating").click()
    follow_up = today + timedelta(weeks=2)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"plan is rated red. Next check: {follow_up.day} {follow_up:%B %Y}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    expect(page.locator("main")).to_contain_text("Placement stability: carers have asked for support")

    page.get_by_role("link", name="LAC review 1", exact=True).click()
    expect(page.get_by_role("cell", name="Arrange a health assessment", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "review (held)")

    page.get_by_role("link", name=f"Back to {child.full_name}").click()
    next_due = add_months(today, 3)
    expect(page.get_by_text(re.compile(r"LAC review 2, due by"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"due by {next_due.day} {next_due:%B %Y}")
    assert Review.objects.get(child=child, status="due").due_date == next_due
    assert_no_axe_violations(page, "child record with review history")
    page.problems.assert_none()


def test_manager_sees_every_iros_reviews(page, manager, iro, child_with_review_due):
    sign_in(page, manager)
    page.get_by_role("link", name="Reviews due").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews due")
    row = page.locator("tbody tr", has_text=child_with_review_due.full_name)
    expect(row).to_contain_text(iro.get_full_name())
    choose_in_type_ahead(page, "IRO", iro.first_name, iro.get_full_name())
    page.get_by_role("button", name="Apply filters").click()
    expect(row).to_be_visible()
    assert_no_axe_violations(page, "Reviews due (manager)")
    page.problems.assert_none()
