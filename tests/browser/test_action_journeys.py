"""Agreed actions in the browser: added row by row at the review ("add another", with and without
JavaScript), then recorded done or given a new date, and listed at the mid-way review."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews import record_services
from reviews.models import ReviewAction
from tests.factories import record_attendance_and_views
from tests.test_review_pages import due_review

from .axe import assert_no_axe_violations
from .helpers import sign_in
from .test_review_journeys import child_with_review_due, fill_date  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_iro_agrees_actions_row_by_row_then_records_one_done_and_moves_another(
    page,
    iro,
    child_with_review_due,  # noqa: F811 - the fixture imported above
    screenshot,
):
    child = child_with_review_due
    review = record_attendance_and_views(due_review(child))
    today = timezone.localdate()
    sign_in(page, iro)
    record_services.save_draft(
        review, by=iro, fields={"held_on": today, "participation_code": "PN1"}, expected_version=None
    )
    page.goto(f"/reviews/{review.pk}/record/lac/decisions/")
    expect(page.get_by_role("group", name="Decision 1")).to_be_visible()
    expect(page.get_by_role("group", name="Decision 2")).to_have_count(0)

    first = page.get_by_role("group", name="Decision 1")
    first.get_by_label("Agreed action").fill("Arrange a dental check")
    first.get_by_label("Who will do it").fill("Foster carer")
    fill_date(first, "Due by", today + timedelta(days=14))
    page.get_by_role("button", name="Add another decision").click()
    second = page.get_by_role("group", name="Decision 2")
    expect(second.get_by_label("Agreed action")).to_be_focused()
    expect(first.get_by_label("Agreed action")).to_have_value("Arrange a dental check")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    second.get_by_label("Agreed action").fill("Visit the school about the PEP")
    second.get_by_label("Who will do it").fill("Social worker")
    screenshot(page, "actions-record-add-another")
    assert_no_axe_violations(page, "record a review with two decision rows")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save and continue").last.click()
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Decision 2: enter the date it is due by")
    expect(page.get_by_role("group", name="Decision 2")).to_contain_text("Enter the date it is due by")
    assert_no_axe_violations(page, "record a review with an error in decision 2")
    screenshot(page, "actions-record-row-error")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "actions-record-row-error-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    fill_date(page.get_by_role("group", name="Decision 2"), "Due by", today + timedelta(days=28))
    page.get_by_role("button", name="Save and continue").last.click()
    page.get_by_role("link", name="Check your answers and complete the review").click()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")
    assert ReviewAction.objects.filter(review=review).count() == 2

    page.goto(f"/reviews/{review.pk}/")
    table = page.get_by_role("table", name="Decisions and recommendations")
    expect(table).to_contain_text("Open")
    screenshot(page, "actions-review-open")
    page.get_by_role("link", name=re.compile("Update action 1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreed action")
    assert_no_axe_violations(page, "an agreed action")
    screenshot(page, "actions-update")

    page.get_by_role("link", name="Record it done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the action done")
    assert_no_axe_violations(page, "record an action done")
    screenshot(page, "actions-done-form")
    page.get_by_label("What was done").fill("Seen by the dentist; next check in six months.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is recorded as done")
    row = page.get_by_role("table", name="Decisions and recommendations").locator(
        "tr", has_text="Arrange a dental check"
    )
    expect(row).to_contain_text(f"Done {today.day} {today:%B %Y}")
    expect(row).to_contain_text("View")

    page.get_by_role("link", name=re.compile("Update action 2")).click()
    page.get_by_role("link", name="Give it a new date").click()
    fill_date(page, "New date it is due by", today + timedelta(days=40))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason the date changed")
    assert_no_axe_violations(page, "new date with an error")
    screenshot(page, "actions-new-date-error")
    page.get_by_label("Why the date changed").fill("The school asked to meet after half term.")
    page.get_by_role("button", name="Save").click()
    new_date = today + timedelta(days=40)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"is now due by {new_date.day} {new_date:%B %Y}"
    )
    assert_no_axe_violations(page, "review with actions done and moved")
    screenshot(page, "actions-review-after")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "actions-review-after-390")

    page.goto(f"/reviews/actions/{ReviewAction.objects.get(description__startswith='Visit').pk}/")
    expect(page.locator("main")).to_contain_text("The school asked to meet after half term.")
    assert no_sideways_scroll(page)
    screenshot(page, "actions-history-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "actions-history")

    page.goto(f"/oversight/child/{child.pk}/record/")
    open_actions = page.get_by_role("table", name="Open agreed actions")
    expect(open_actions).to_contain_text("Visit the school about the PEP")
    expect(open_actions).not_to_contain_text("Arrange a dental check")
    assert_no_axe_violations(page, "record oversight with open actions")
    screenshot(page, "actions-oversight")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "actions-oversight-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Done from the mid-way review, and straight back to it.
    open_actions.get_by_role("link", name="Visit the school about the PEP").click()
    page.get_by_role("link", name="Record it done").click()
    page.get_by_label("What was done").fill("Met the designated teacher; PEP targets agreed.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record oversight")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is recorded as done")
    expect(page.locator("main")).to_contain_text("No agreed actions are open.")
    page.problems.assert_none()


def test_add_another_and_remove_work_without_javascript(browser, live_server, iro, child_with_review_due):  # noqa: F811 - the fixture imported above
    review = due_review(child_with_review_due)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, iro)
        page.goto(f"/reviews/{review.pk}/record/lac/decisions/")
        page.get_by_role("group", name="Decision 1").get_by_label("Agreed action").fill("First")
        page.get_by_role("button", name="Add another decision").click()
        page.get_by_role("group", name="Decision 2").get_by_label("Agreed action").fill("Second")
        page.get_by_role("button", name="Add another decision").click()
        expect(page.get_by_role("group", name="Decision 3")).to_be_visible()
        page.get_by_role("button", name="Remove decision 1").click()
        expect(page.get_by_role("group", name="Decision 3")).to_have_count(0)
        expect(page.get_by_role("group", name="Decision 1").get_by_label("Agreed action")).to_have_value("Second")
        # Enter in a text box saves the page rather than pressing the first "Remove" button.
        page.get_by_role("group", name="Decision 1").get_by_label("Agreed action").press("Enter")
        expect(page.locator(".govuk-error-summary")).to_contain_text("Decision 1: enter who will do it")
        expect(page.get_by_role("group", name="Decision 1").get_by_label("Agreed action")).to_have_value("Second")
    finally:
        context.close()
