"""Words a person reads: the sign-in page's errors and the page after signing out, the audit log
naming people, children and records, and a reminder naming the child, each at desktop width and
at 390 px, with axe-core on every state."""

import datetime
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from audit.services import record_event
from children import services as children_services
from reviews.models import Review
from reviews.timescales import add_working_days
from tests.factories import AllocationFactory, ChildFactory, IroFactory

from .axe import assert_no_axe_violations
from .helpers import SIGN_IN_HEADING, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def no_sideways_scrolling(page):
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"


def at_both_widths(page, screenshot, name, label):
    """Check the page with axe and save it at desktop width and at 390 px."""
    for size, suffix in ((DESKTOP, "desktop"), (PHONE, "390")):
        page.set_viewport_size(size)
        assert_no_axe_violations(page, f"{label} at {size['width']} px")
        screenshot(page, f"{name}-{suffix}")
    no_sideways_scrolling(page)
    page.set_viewport_size(DESKTOP)


def test_sign_in_names_each_empty_field_and_signing_out_says_so(page, iro, screenshot):
    page.goto("/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(summary.get_by_role("link")).to_have_text(["Enter your username", "Enter your password"])
    expect(page.locator("main")).not_to_contain_text("This field is required")
    expect(page.locator("#id_username-error")).to_have_text("Error: Enter your username")
    expect(page.locator("#id_password-error")).to_have_text("Error: Enter your password")
    at_both_widths(page, screenshot, "sign-in-empty", "sign-in page with both fields empty")

    summary.get_by_role("link", name="Enter your password").click()
    expect(page.get_by_label("Password")).to_be_focused()

    sign_in(page, iro)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signed-out/$"))
    expect(page).to_have_title("You have signed out – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    expect(page.get_by_role("banner").get_by_text("Signed in as")).to_have_count(0)
    at_both_widths(page, screenshot, "signed-out", "signed-out page")
    page.get_by_role("link", name="Sign in again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    page.problems.assert_none()


def test_the_audit_log_names_people_children_and_records(page, manager, screenshot):
    summer = IroFactory(username="sdavies", first_name="Summer", last_name="Davies")
    omar = ChildFactory(local_child_id="DEMO000238", given_name="Omar", family_name="Abdi")
    review = Review.objects.create(
        child=omar, kind="LAC", number=5, cycle_start=datetime.date(2025, 1, 6), due_date=datetime.date(2025, 5, 21)
    )
    other = ChildFactory(given_name="Casey", family_name="Elsewhere")
    record_event(action="view", user=summer, obj=omar, child_id=omar.pk)
    record_event(action="update", user=summer, obj=review, child_id=omar.pk, detail={"booked_for": "2025-05-21"})
    record_event(action="view", user=manager, obj=other, child_id=other.pk)

    sign_in(page, manager)
    page.goto("/audit/")
    page.get_by_label("Person").fill("Summer Davies")
    page.get_by_label("Child").fill("omar")
    page.get_by_label("Child").press("Enter")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("2 events, newest first")
    updated = table.get_by_role("row", name=re.compile("Review: LAC review 5"))
    expect(updated).to_contain_text("Summer Davies (sdavies)")
    expect(updated).to_contain_text("Omar Abdi (DEMO000238)")
    expect(updated).to_contain_text("21 May 2025")
    expect(table.get_by_role("row", name=re.compile("Child: Omar Abdi \\(DEMO000238\\)"))).to_be_visible()
    expect(table).not_to_contain_text("Casey")
    expect(table).not_to_contain_text("children.child")
    at_both_widths(page, screenshot, "audit-log-in-words", "audit log filtered by names")

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Kind of record").select_option(label="Review")
    page.get_by_role("button", name="Apply filters").click()
    expect(table.locator("caption")).to_have_text("1 event, newest first")
    page.problems.assert_none()


def test_a_reminder_in_the_portal_names_the_child(page, iro, manager, screenshot):
    today = timezone.localdate()
    start = add_working_days(add_working_days(today, 5), -20)
    child = ChildFactory(given_name="Quinn", family_name="Remindercase")
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
    AllocationFactory(child=child, iro=iro, start_date=start - timedelta(days=1))
    call_command("send_reminders", "--no-email", stdout=open("/dev/null", "w"))

    sign_in(page, iro)
    page.get_by_role("link", name=re.compile("^Reminders")).click()
    row = page.locator("tbody tr", has_text="Review due")
    expect(row).to_contain_text(f"Child: Quinn Remindercase ({child.local_child_id})")
    expect(row).to_contain_text(
        re.compile(
            r"LAC review 1 is due in 5 working days \(\d{1,2} [A-Z][a-z]+ \d{4}\) "
            r"and is not booked\."
        )
    )
    expect(row).not_to_contain_text("..")
    at_both_widths(page, screenshot, "reminders-inbox", "reminders inbox")
    page.problems.assert_none()
