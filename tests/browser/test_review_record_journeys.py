"""An IRO records a LAC review through its task list: attendance (by keyboard alone), views,
care plan checks and decisions; saves a draft, comes back to it, and completes the review."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews.models import Review, ReviewAction
from reviews.record_models import ReviewParticipant
from tests.factories import AllocationFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def review_due(iro, manager):
    start = timezone.localdate() - timedelta(days=20)
    child = ChildFactory(given_name="Jordan", family_name="Recordcase")
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
    return Review.objects.get(child=child, kind="LAC", status="due")


def both_widths(page, screenshot, name):
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, f"{name} at 390 px")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def fill_date(scope, group, day):
    fieldset = scope.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def open_task(page, name):
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_no_axe_violations(page, name)


def status_of(page, task):
    return page.locator(".govuk-task-list__item", has_text=task).locator(".govuk-task-list__status")


def test_iro_records_a_full_review_saves_a_draft_comes_back_and_completes_it(page, iro, review_due, screenshot):
    child = review_due.child
    today = timezone.localdate()
    sign_in(page, iro)
    page.goto(f"/reviews/{review_due.pk}/")
    page.get_by_role("link", name="Record as held").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record LAC review 1")
    expect(status_of(page, "Who was invited and who came")).to_have_text("Not started")
    assert_no_axe_violations(page, "task list")
    both_widths(page, screenshot, "record-task-list")

    # Attendance by keyboard alone, with "add another".
    open_task(page, "Who was invited and who came")
    both_widths(page, screenshot, "record-attendance")
    first = page.get_by_role("group", name="Person 1")
    tab_to(page, first.get_by_label("Attended"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Add another person"))
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    second = page.get_by_role("group", name="Person 2")
    expect(second.get_by_label("Name")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(second.get_by_label("Role")).to_be_focused()
    second.get_by_label("Role").press("M")
    expect(second.get_by_label("Role")).to_have_value("mother")
    page.keyboard.press("Tab")
    page.keyboard.type("Sam Parent")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(second.get_by_label("Gave apologies")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save and continue", exact=True).last)
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(status_of(page, "Who was invited and who came")).to_have_text("Completed")
    assert sorted(ReviewParticipant.objects.values_list("role", "attendance")) == [
        ("child", "attended"),
        ("mother", "apologies"),
    ]

    # Views, then "Save and come back later": the draft is kept.
    open_task(page, "Views")
    page.get_by_label("The child's wishes and feelings").fill("I want to see my brother more.")
    page.get_by_role("group", name="How were the child's wishes and feelings given?").get_by_label("In person").check()
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your draft is saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("LAC review 1")

    page.get_by_role("link", name="Record as held").click()
    expect(status_of(page, "Views")).to_have_text("Completed")

    open_task(page, "The meeting")
    fill_date(page, "Date the review was held", today)
    page.get_by_role("button", name="Save and continue").last.click()

    open_task(page, "Care plan checks")
    both_widths(page, screenshot, "record-checks")
    page.get_by_role("group", name="Care plan up to date").get_by_label("Yes", exact=True).check()
    page.get_by_role("group", name="Contact arrangements, including siblings").get_by_label("No", exact=True).check()
    page.get_by_label("Note on contact arrangements, including siblings").fill("Sibling contact has lapsed")
    page.get_by_role("group", name="Does the care plan meet the child's needs?").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save and continue").last.click()
    expect(status_of(page, "Care plan checks")).to_have_text("In progress")

    open_task(page, "Decisions and recommendations")
    decision = page.get_by_role("group", name="Decision 1")
    decision.get_by_label("Agreed action").fill("Restart sibling contact")
    decision.get_by_label("Who will do it").fill("Social worker")
    fill_date(decision, "Due by", today + timedelta(days=28))
    page.get_by_role("button", name="Save and continue").last.click()

    open_task(page, "Participation")
    expect(page.locator("main")).to_contain_text("the suggested code is PN1")
    page.get_by_label("PN1: attends and speaks for self").check()
    page.get_by_role("button", name="Save and continue").last.click()
    assert Review.objects.get(pk=review_due.pk).status == "due", "still a draft until completed"

    page.get_by_role("link", name="Check your answers and complete the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.locator("main")).to_contain_text("Sam Parent (mother)")
    expect(page.get_by_role("link", name="raise an escalation")).to_be_visible()
    assert_no_axe_violations(page, "check your answers")
    both_widths(page, screenshot, "record-check-answers")
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rate the plan after LAC review 1")
    held = Review.objects.get(pk=review_due.pk)
    assert (held.status, held.held_on, held.participation_code) == ("held", today, "PN1")
    assert ReviewAction.objects.get(review=held).title == "Decision 1"
    assert child.reviews.filter(status="due", number=2).exists()

    # The held review's page shows the record; a correction goes through the same task list.
    page.goto(f"/reviews/{review_due.pk}/")
    attendance = page.get_by_role("table", name="Who was invited and who came")
    expect(attendance.get_by_role("row", name="Sam Parent")).to_contain_text("Gave apologies")
    expect(page.locator("main")).to_contain_text("I want to see my brother more.")
    expect(page.get_by_role("table", name="Care plan checks")).to_contain_text("Sibling contact has lapsed")
    expect(page.get_by_role("table", name="Decisions and recommendations")).to_contain_text("Decision 1")
    assert_no_axe_violations(page, "held review with its record")
    both_widths(page, screenshot, "held-review-record")
    page.get_by_role("link", name="Edit this record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the record of LAC review 1")
    assert_no_axe_violations(page, "task list of a held review")
    open_task(page, "Who was invited and who came")
    page.get_by_role("group", name="Person 2").get_by_label("Attended").check()
    page.get_by_role("button", name="Save and continue").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the record of LAC review 1")
    page.get_by_role("link", name="Back to the review").click()
    attendance = page.get_by_role("table", name="Who was invited and who came")
    expect(attendance.get_by_role("row", name="Sam Parent")).to_contain_text("Attended")
    page.problems.assert_none()
