"""IRO staffing in the browser: a service manager finds it under "Manage the service", opens an
IRO's history, records a change with the keyboard (a date in the future first, then a right one)
and sees it in the history table; then records that an IRO left. axe-core checks every page,
also at 390 px wide."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from staffing.models import StaffingPeriod

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


def type_date(page, day):
    for part in (day.day, day.month, day.year):
        page.keyboard.type(str(part))
        page.keyboard.press("Tab")


def check_page(page, title, label, *, error=False):
    expect(page).to_have_title(f"{'Error: ' if error else ''}{title} – IRO Portal")
    assert_no_axe_violations(page, label)
    page.set_viewport_size(NARROW)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), f"{label}: too wide"
    assert_no_axe_violations(page, f"{label} at 390 px")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_manager_records_a_change_of_hours_with_the_keyboard(page, manager, iro):
    today = timezone.localdate()
    sign_in(page, manager)
    page.get_by_role("link", name="Manage the service").click()
    page.get_by_role("link", name="IRO staffing").click()
    check_page(page, "IRO staffing", "staffing list")
    page.get_by_role("link", name=f"History of {iro}’s staffing").click()
    check_page(page, f"Staffing: {iro}", "IRO staffing history")
    page.get_by_role("link", name="Record a change").click()
    title = f"Record a staffing change: {iro}"
    check_page(page, title, "record a staffing change")

    tab_to(page, page.get_by_role("group", name="Date the change starts").get_by_label("Day"))
    type_date(page, today + datetime.timedelta(days=2))
    expect(page.get_by_label("Full-time equivalent from that date")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("0.8")
    page.keyboard.press("Enter")
    check_page(page, title, "record a staffing change with an error", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The date the change starts must be today or in the past")

    day = page.get_by_role("group", name="Date the change starts").get_by_label("Day")
    day.fill(str(today.day))
    page.get_by_role("group", name="Date the change starts").get_by_label("Month").fill(str(today.month))
    page.get_by_role("group", name="Date the change starts").get_by_label("Year").fill(str(today.year))
    tab_to(page, page.get_by_label("By the authority"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Through an agency (an interim IRO)")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Record the change"))
    page.keyboard.press("Enter")

    check_page(page, f"Staffing: {iro}", "IRO staffing history after a change")
    expect(page.get_by_role("alert")).to_contain_text("works 0.80 FTE, through an agency")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Through an agency")
    assert list(StaffingPeriod.objects.filter(iro=iro).order_by("starts_on").values_list("fte", "agency")) == [
        (StaffingPeriod._meta.get_field("fte").to_python("1.00"), False),
        (StaffingPeriod._meta.get_field("fte").to_python("0.80"), True),
    ]


def test_manager_records_that_an_iro_left_with_the_keyboard(page, manager, iro):
    today = timezone.localdate()
    sign_in(page, manager)
    page.goto(f"/staffing/{iro.pk}/")
    tab_to(page, page.get_by_role("link", name="Record that they left"))
    page.keyboard.press("Enter")
    title = f"Record that an IRO left: {iro}"
    check_page(page, title, "record that an IRO left")

    page.get_by_role("button", name="Record their last day").click()
    check_page(page, title, "record that an IRO left with an error", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter their last day as an IRO")

    tab_to(page, page.get_by_role("group", name="Last day as an IRO").get_by_label("Day"))
    type_date(page, today)
    expect(page.get_by_role("button", name="Record their last day")).to_be_focused()
    page.keyboard.press("Enter")

    check_page(page, f"Staffing: {iro}", "IRO staffing history after leaving")
    expect(page.get_by_role("alert")).to_contain_text(f"{iro}’s last day as an IRO is")
    expect(page.get_by_role("link", name="Record that they left")).to_have_count(0)
    assert StaffingPeriod.objects.get(iro=iro).ends_on == today
