"""A conference chair records a quorate ICPC with a plan in the browser: attendance by agency,
the parents, the plan, the core group, then the conference held and its first core group meeting."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from reviews.models import ConferenceRecord, Review
from tests.factories import AllocationFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_review_journeys import fill_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def check_narrow(page, screenshot, name):
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page), name
    screenshot(page, f"{name}-390")
    page.set_viewport_size(WIDE)


@pytest.fixture
def icpc_due(iro, manager):
    today = timezone.localdate()
    child = ChildFactory(given_name="Robin", family_name="Testcase")
    AllocationFactory(child=child, iro=iro, start_date=today - timedelta(days=400))
    children_services.record_strategy_discussion(
        child, by=manager, date=today - timedelta(days=10), section_47_enquiry_started=True
    )
    return Review.objects.get(child=child, kind="ICPC", status="due")


def add_person(page, name, agency, view="A plan is needed", keyboard=False):
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label(agency).check()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label(view).check()
    if keyboard:
        tab_to(page, page.get_by_role("button", name="Add this person"))
        page.keyboard.press("Enter")
    else:
        page.get_by_role("button", name="Add this person").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"{name} was added")


def test_a_chair_records_a_quorate_icpc_with_a_plan_and_its_first_core_group(page, iro, icpc_due, screenshot):
    review = icpc_due
    today = timezone.localdate()
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("link", name="Record as held").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the initial child protection conference")
    assert_no_axe_violations(page, "conference record, empty")
    screenshot(page, "conference-record-empty")

    change_attendance = page.get_by_role("link", name="Change attendance")
    tab_to(page, change_attendance)  # by keyboard alone, as a keyboard user would
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add this person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter their name")
    assert_no_axe_violations(page, "attendance with errors")
    add_person(page, "Sam Social", "Children's social care")
    add_person(page, "Pat Patrol", "Police")
    expect(page.get_by_text("2 agencies attended")).to_be_visible()
    add_person(page, "Hana Health", "Health (health visitor, school nurse or GP)", keyboard=True)
    expect(page.get_by_text("3 agencies attended")).to_be_visible()
    expect(page.get_by_role("table", name="People added")).to_contain_text("Hana Health")
    assert_no_axe_violations(page, "attendance, quorate")
    screenshot(page, "conference-attendance")
    check_narrow(page, screenshot, "conference-attendance")
    page.get_by_role("link", name="Back to the conference record").first.click()

    page.get_by_role("link", name="Change the parents' part").click()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Yes", exact=True).check()
    fill_date(page, "Date they saw it", today - timedelta(days=1))
    assert_no_axe_violations(page, "the parents")
    page.get_by_role("button", name="Save and return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The parents saved.")

    page.get_by_role("link", name="Change the plan and quorum").click()
    page.get_by_label("Lead social worker").fill("Sam Social")
    page.get_by_label("Outline child protection plan").fill("Weekly visits by the social worker; parenting course.")
    assert_no_axe_violations(page, "the plan")
    page.get_by_role("button", name="Save and return").click()

    page.get_by_role("link", name="Change the core group").click()
    page.get_by_label("Name", exact=True).fill("Sam Social")
    page.get_by_label("Children's social care").check()
    page.get_by_role("button", name="Add this member").click()
    expect(page.get_by_role("table", name="Core group members")).to_contain_text("Sam Social")
    assert_no_axe_violations(page, "the core group")
    page.get_by_role("link", name="Back to the conference record").first.click()

    expect(page.get_by_text("3 agencies attended")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Weekly visits by the social worker")
    assert_no_axe_violations(page, "conference record, checked")
    screenshot(page, "conference-record-checked")
    check_narrow(page, screenshot, "conference-record-checked")

    page.get_by_role("link", name="Continue to record the conference as held").click()
    fill_date(page, "Date the review was held", today)
    page.get_by_label("Child protection plan made").check()
    page.get_by_label("Category of abuse").select_option("NEG")
    page.get_by_role("button", name="Save as held").click()
    expect(page.locator(".govuk-panel__title")).to_have_text("Initial child protection conference recorded")
    expect(page.locator("main")).to_contain_text("The first core group meeting is due by")
    assert_no_axe_violations(page, "conference held confirmation")
    screenshot(page, "conference-held")
    check_narrow(page, screenshot, "conference-held")

    page.get_by_role("link", name="View the conference record").click()
    expect(page.locator("main")).to_contain_text("Child protection plan made")
    page.get_by_role("link", name="Record the meeting").click()
    fill_date(page, "Date the first core group meeting was held", today)
    assert_no_axe_violations(page, "first core group meeting")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("first core group meeting is recorded")
    expect(page.locator("main")).to_contain_text("In timescale")
    assert_no_axe_violations(page, "conference page with its record")
    screenshot(page, "conference-detail")
    check_narrow(page, screenshot, "conference-detail")
    record = ConferenceRecord.objects.get(review=review)
    assert record.quorate and record.first_core_group_held == today
