"""A service manager searches the audit log with the keyboard, downloads what they found, and
meets a validation error and an empty result; axe-core checks each state of the page."""

import csv
import datetime
import io
import re
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from audit.services import record_event

from .axe import assert_no_axe_violations
from .helpers import sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")


def event_on(day, **fields):
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime.datetime.combine(day, datetime.time(10, 30), tzinfo=LONDON)
    ):
        return record_event(**fields)


def type_date(page, day, month, year):
    """From the day box of a focused GOV.UK date input, type the date and move past the year."""
    for part in (day, month, year):
        page.keyboard.type(part)
        page.keyboard.press("Tab")


@pytest.fixture
def events(iro):
    event_on(datetime.date(2026, 3, 2), action="export", user=iro, object_type="ssda903.return", object_id="2025")
    event_on(datetime.date(2026, 3, 9), action="export", user=iro, object_type="ssda903.return", object_id="2026")
    event_on(datetime.date(2026, 3, 2), action="view", user=iro, object_type="children.child", object_id="77")


def test_manager_filters_the_audit_log_by_action_and_dates(page, manager, events, screenshot):
    sign_in(page, manager)
    page.get_by_role("link", name="Manage the service").click()
    page.get_by_role("link", name="Audit log").click()
    expect(page).to_have_title("Audit log – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    table = page.get_by_role("table")
    expect(table.get_by_role("row", name=re.compile("Child 77 \\(no longer held\\)"))).to_be_visible()
    assert_no_axe_violations(page, "audit log with events")

    action = page.get_by_label("Action")
    tab_to(page, action)
    page.keyboard.type("Export")
    expect(action).to_have_value("export")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kind of record")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("group", name="On or after").get_by_label("Day")).to_be_focused()
    type_date(page, "1", "3", "2026")
    expect(page.get_by_role("group", name="On or before").get_by_label("Day")).to_be_focused()
    type_date(page, "5", "3", "2026")
    expect(page.get_by_label("Only under cover")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Apply filters")).to_be_focused()
    page.keyboard.press("Enter")

    expect(table.locator("caption")).to_have_text("1 event, newest first")
    expect(table).to_contain_text("SSDA903 return: 2025")
    expect(table).not_to_contain_text("SSDA903 return: 2026")
    expect(table).not_to_contain_text("Child 77")
    assert_no_axe_violations(page, "audit log filtered")
    screenshot(page, "audit-log-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download as CSV")).click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row[12] for row in rows[1:]] == ["2025"]
    assert AuditEvent.objects.get(action="export", user=manager).detail["row_count"] == 1
    page.problems.assert_none()


def test_a_wrong_date_range_is_explained_and_an_empty_search_says_so(page, manager, events, screenshot):
    sign_in(page, manager)
    page.goto("/audit/")
    after = page.get_by_role("group", name="On or after")
    before = page.get_by_role("group", name="On or before")
    for group, (day, month, year) in ((after, ("9", "3", "2026")), (before, ("2", "3", "2026"))):
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    before.get_by_label("Year").press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Audit log"))
    expect(summary).to_contain_text("must be the same as or after")
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Correct the filters")
    assert_no_axe_violations(page, "audit log with a validation error")
    screenshot(page, "audit-log-error")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(before.get_by_label("Day")).to_be_focused()

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Person").fill("nobody-by-this-name")
    page.get_by_label("Person").press("Enter")
    expect(page.get_by_role("table").locator("caption")).to_have_text("0 events, newest first")
    expect(page.get_by_role("table")).to_contain_text("No events match.")
    assert_no_axe_violations(page, "audit log with no results")
    screenshot(page, "audit-log-empty")
    page.problems.assert_none()


def test_the_audit_log_shows_who_saw_a_child_in_a_list(page, iro, manager, looked_after_child):
    sign_in(page, iro)
    page.goto("/children/caseload/")
    expect(page.get_by_role("table")).to_contain_text(looked_after_child.family_name)
    sign_out(page)
    sign_in(page, manager)
    page.goto("/audit/")
    child = page.get_by_label("Child")
    child.fill(looked_after_child.local_child_id)
    child.press("Enter")
    row = page.get_by_role("row", name=re.compile("1 child in a list")).first
    expect(row).to_contain_text(iro.username)
    expect(row).to_contain_text("/children/caseload/")
    assert_no_axe_violations(page, "audit log showing a list view")
    page.problems.assert_none()
