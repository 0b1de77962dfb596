"""Cover between IROs in the browser: a service manager grants cover with the keyboard (a wrong
answer first, then check answers and confirmation) and ends it early; the covering IRO finds the
children on their caseload and the child's page says whose they are; the audit log filters what
was seen under cover. axe-core checks every page, also at 390 px wide."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import CoverArrangement, CoverLevel
from audit.models import AuditEvent
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, IroFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


def type_date(page, day):
    """From the day box of a focused GOV.UK date input, type the date and move past the year."""
    for part in (day.day, day.month, day.year):
        page.keyboard.type(str(part))
        page.keyboard.press("Tab")


def fits_the_width(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def check_page(page, title, label, *, error=False, fits=True):
    """Title, axe-core at desktop width and at 390 px, and (for the pages cover adds) no sideways scrolling."""
    expect(page).to_have_title(f"{'Error: ' if error else ''}{title} – IRO Portal")
    assert_no_axe_violations(page, label)
    page.set_viewport_size(NARROW)
    assert not fits or fits_the_width(page), f"{label}: wider than 390 px"
    assert_no_axe_violations(page, f"{label} at 390 px")
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture
def covering(db):
    return IroFactory(first_name="Cora", last_name="Cover")


def test_manager_grants_cover_with_the_keyboard_and_ends_it_early(page, manager, iro, covering, screenshot):
    today = timezone.localdate()
    sign_in(page, manager)
    page.get_by_role("link", name="Manage the service").click()
    page.get_by_role("link", name="Cover between IROs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cover between IROs")
    check_page(page, "Cover between IROs", "cover list, empty")

    page.get_by_role("link", name="Grant cover").click()
    check_page(page, "Grant cover", "grant cover form")
    tab_to(page, page.get_by_label("IRO who is away"))
    page.keyboard.type("Iris")
    page.keyboard.press("Tab")
    expect(page.get_by_label("IRO who covers")).to_be_focused()
    page.keyboard.type("Cora")
    page.keyboard.press("Tab")
    expect(page.get_by_role("group", name="First day of cover").get_by_label("Day")).to_be_focused()
    for _ in range(3):  # the first day is filled in with today
        page.keyboard.press("Tab")
    expect(page.get_by_role("group", name="Last day of cover").get_by_label("Day")).to_be_focused()
    type_date(page, today - datetime.timedelta(days=1))
    page.keyboard.press("Space")  # read only, the first choice
    tab_to(page, page.get_by_label("Reason for cover"))
    page.keyboard.type("Annual leave")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue")).to_be_focused()
    page.keyboard.press("Enter")

    check_page(page, "Grant cover", "grant cover form with an error", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The last day of cover must be the same as or after the first day.")
    assert not CoverArrangement.objects.exists()

    ends = page.get_by_role("group", name="Last day of cover")
    last = today + datetime.timedelta(days=10)
    for part, value in (("Day", last.day), ("Month", last.month), ("Year", last.year)):
        ends.get_by_label(part, exact=True).fill(str(value))
    page.get_by_label(re.compile("^Read and record")).check()
    page.get_by_role("button", name="Continue").click()

    check_page(page, "Check the cover before you grant it", "check answers")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Cora Cover")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Read and record")
    button = page.get_by_role("button", name="Grant cover")
    tab_to(page, button)
    page.keyboard.press("Enter")

    check_page(page, "Cover granted", "confirmation")
    expect(page.locator(".govuk-panel__title")).to_have_text("Cover granted")
    screenshot(page, "cover-granted")
    cover = CoverArrangement.objects.get()
    assert (cover.covering_iro, cover.covered_iro, cover.level) == (covering, iro, CoverLevel.READ_AND_RECORD)

    page.get_by_role("link", name="Back to cover between IROs").click()
    check_page(page, "Cover between IROs", "cover list with current cover")
    end = page.get_by_role("link", name=re.compile("^End early"))
    tab_to(page, end)
    page.keyboard.press("Enter")
    check_page(page, "End cover early", "end cover early")
    page.get_by_role("button", name="End cover now").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Cover ended")
    cover.refresh_from_db()
    assert cover.ended_at is not None


def test_covering_iro_finds_the_children_and_the_audit_log_marks_the_views(page, manager, iro, covering):
    today = timezone.localdate()
    child = ChildFactory(given_name="Robin", family_name="Looked-After")
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    CoverArrangement.objects.create(
        covering_iro=covering,
        covered_iro=iro,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        level=CoverLevel.READ,
        reason="Sickness",
        granted_by=manager,
    )
    sign_in(page, covering)
    page.goto("/children/caseload/")
    heading = page.get_by_role("heading", name=re.compile("^Covering for Iris Reviewer until"))
    expect(heading).to_be_visible()
    check_page(page, "My caseload", "caseload with cover")
    link = page.get_by_role("link", name="Robin Looked-After")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-inset-text")).to_contain_text("You are covering for Iris Reviewer")
    expect(page.get_by_role("link", name=re.compile("^Record oversight"))).to_have_count(0)
    # The child page's episodes table is wider than 390 px whether or not there is cover.
    check_page(page, "Robin Looked-After", "child page under read cover", fits=False)
    sign_out(page)

    sign_in(page, manager)
    page.goto("/audit/")
    checkbox = page.get_by_label("Only under cover")
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    page.get_by_role("button", name="Apply filters").click()
    table = page.get_by_role("table")
    under_cover = AuditEvent.objects.filter(detail__has_key="under_cover")
    assert under_cover.filter(child_id=child.pk).count() == 1, "the child's page"
    assert under_cover.filter(detail__list="/children/caseload/", detail__child_ids_under_cover=[child.pk]).exists()
    expect(table.locator("caption")).to_have_text(f"{under_cover.count()} events, newest first")
    expect(table).to_contain_text(f"Covering for {iro}")
    check_page(page, "Audit log", "audit log filtered to cover")
