"""Warnings before a mistake: booking a review late asks for confirmation and the reason, and a
standard whose deadline has not come is shown as due, not missed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews.models import Review
from reviews.timescales import add_working_days
from tests.factories import AllocationFactory, ChildFactory, record_attendance_and_views

from .axe import assert_no_axe_violations
from .helpers import sign_in
from .test_review_record_journeys import open_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def both_widths(page, screenshot, name):
    """Screenshots at desktop width and at 390 px, checking nothing scrolls sideways on a phone."""
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways"
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def fill_date(page, group, day):
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


@pytest.fixture
def overdue_child(iro, manager):
    start = timezone.localdate() - timedelta(days=60)
    child = ChildFactory(given_name="Sami", family_name="Latecase")
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


def test_booking_a_review_late_asks_for_confirmation_and_the_reason_the_record_then_has(
    page, screenshot, iro, overdue_child
):
    review = Review.objects.get(child=overdue_child, status="due")
    today = timezone.localdate()
    day = add_working_days(today, 1)
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("link", name="Book this review").click()
    fill_date(page, "Date of the review", day)
    page.get_by_label("Time").fill("10:00")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save booking").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(f"Error: Book LAC review 1 for {overdue_child.full_name} – IRO Portal")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(f"{day.day} {day:%B %Y} is after the due date")
    date_group = page.locator(".govuk-form-group", has=page.get_by_role("group", name="Date of the review"))
    expect(date_group).to_have_class("govuk-form-group govuk-form-group--error")
    expect(date_group.locator(".govuk-error-message")).to_contain_text("so the review will be late")
    expect(page.get_by_role("group", name="Date of the review").get_by_label("Day")).to_have_value(str(day.day))
    assert_no_axe_violations(page, "book a review late: confirmation")
    both_widths(page, screenshot, "book-late-confirmation")

    summary.get_by_role("link", name="Choose why the review will be held late.").click()
    expect(page.get_by_label("IRO unavailable")).to_be_focused()
    page.get_by_label("Child unavailable").check()
    page.get_by_label(f"Yes, book the review for {day.day} {day:%B %Y}").check()
    page.get_by_role("button", name="Save booking").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is booked")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Reason it will be late")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Child unavailable")

    record_attendance_and_views(review)  # who came and the child's views, recorded before
    page.goto(f"/reviews/{review.pk}/record/lac/")
    open_task(page, "The meeting")
    expect(page.get_by_label("Child unavailable")).to_be_checked()
    fill_date(page, "Date the review was held", today)
    page.get_by_role("button", name="Save and continue").last.click()
    open_task(page, "Participation")
    page.get_by_label("PN1: attends and speaks for self").check()
    page.get_by_role("button", name="Save and continue").last.click()
    page.get_by_role("link", name="Check your answers and complete the review").click()
    page.get_by_role("button", name="Complete the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is complete and recorded as held")
    review.refresh_from_db()
    assert (review.in_timescale, review.late_reason) == (False, "child_unavailable")

    page.goto(f"/reviews/{review.pk}/")
    record_row = page.locator("tr", has_text="Full record circulated within 20 working days")
    deadline = add_working_days(today, 20)
    expect(record_row).to_contain_text(f"Due by {deadline.day} {deadline:%B %Y}")
    expect(record_row).not_to_contain_text("Not met")
    assert_no_axe_violations(page, "review held today: standards due")
    both_widths(page, screenshot, "review-standards-due")
    page.problems.assert_none()


def test_publishing_the_annual_report_lists_what_to_check_and_the_children_never_read_a_placeholder(
    page, screenshot, manager
):
    from reporting import services as report_services
    from reviews.timescales import reporting_year_start

    year = reporting_year_start(timezone.localdate()).year
    report = report_services.report_for_year(year)
    report_services.update_narrative(
        report, by=manager, fields={"introduction": "Our year."}, action_plan=[], expected_version=report.version
    )
    sign_in(page, manager)
    page.goto(f"/reports/{year}/")
    page.get_by_role("link", name="Read the version for children and young people").click()
    expect(page.locator("main")).to_contain_text("For managers, not shown to children")
    expect(page.get_by_role("heading", name="What changed because of what you said")).to_have_count(0)
    assert_no_axe_violations(page, "draft version for children")
    both_widths(page, screenshot, "children-draft-unwritten")

    page.goto(f"/reports/{year}/")
    page.get_by_role("link", name="Publish this report").click()
    checks = page.get_by_role("list", name="Check before you publish")
    expect(checks.get_by_role("listitem")).to_have_count(6)
    expect(checks).to_contain_text("Achievements this year is empty.")
    expect(checks).to_contain_text("What changed because of what children said is empty")
    expect(checks).to_contain_text(f"The reporting year April {year} to March {year + 1} has not finished")
    assert_no_axe_violations(page, "publish: check before you publish")
    both_widths(page, screenshot, "publish-confirmation")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Publish the report").click()
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Confirm that you want to publish the report as it is")
    assert_no_axe_violations(page, "publish: not confirmed")
    summary.get_by_role("link").click()
    expect(page.get_by_label("I have checked these and want to publish the report as it is")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Publish the report").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Version 1 of the report")
    expect(page.locator("main")).not_to_contain_text("Not written yet.")

    page.get_by_role("link", name="Read the version for children and young people").click()
    main = page.locator("main")
    expect(main).not_to_contain_text("Your IROs will write about this soon")
    expect(main).not_to_contain_text("For managers")
    expect(page.get_by_role("heading", name="What changed because of what you said")).to_have_count(0)
    expect(page.get_by_role("heading", name="How to talk to an IRO")).to_be_visible()
    assert_no_axe_violations(page, "published version for children")
    page.problems.assert_none()
