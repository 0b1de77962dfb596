"""Entering children's records in the browser: a service manager adds a child entering care with
the keyboard alone and is told when the first LAC review is due (read from the review the
scheduling made); business support records a strategy discussion; every data-entry page (and its
failed state, and its check-answers step) passes axe-core. Screenshots at 390 px wide when
BROWSER_SCREENSHOT_DIR is set."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children.models import Child
from iro_portal.dates import format_date
from reviews.models import Review, ReviewKind, ReviewStatus
from tests.conftest import brought_into_care
from tests.factories import ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_every_page_type import assert_focused_with_govuk_style

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def check(page, title, where):
    expect(page).to_have_title(f"{title} – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_no_axe_violations(page, where)


def type_date(page, day):
    for part in (str(day.day), str(day.month), str(day.year)):
        page.keyboard.type(part)
        page.keyboard.press("Tab")


def test_a_manager_adds_a_child_entering_care_with_the_keyboard_and_sees_the_first_review_scheduled(
    page, manager, screenshot
):
    today = timezone.localdate()
    sign_in(page, manager)
    page.goto("/children/")
    page.get_by_role("link", name="Add a child").click()
    check(page, "Add a child", "add a child")

    child_id = page.get_by_label("Local child ID")
    button = page.get_by_role("button", name="Add the child")
    tab_to(page, child_id)
    assert_focused_with_govuk_style(child_id, "local child ID box")
    tab_to(page, button)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check(page, "Error: Add a child", "add a child, nothing entered")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Enter the local child ID")).to_be_focused()
    page.keyboard.press("Enter")
    expect(child_id).to_be_focused()

    page.keyboard.type("KB-2041")
    page.keyboard.press("Tab")
    page.keyboard.type("Riley")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_role("group", name="Date of birth", exact=True).get_by_label("Day")).to_be_focused()
    type_date(page, today.replace(year=today.year - 9, day=min(today.day, 28)))
    male = page.get_by_label("Male", exact=True)
    expect(male).to_be_focused()
    page.keyboard.press("Space")
    expect(male).to_be_checked()
    page.keyboard.press("Tab")
    ethnicity = page.get_by_label("Ethnicity")
    expect(ethnicity).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(ethnicity).to_have_value("WBRI")
    tab_to(page, button, most_presses=12)
    assert_focused_with_govuk_style(button, "'Add the child' button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    child = Child.objects.get(local_child_id="KB-2041")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Riley Keyboard has been added.")
    check(page, "Record that the child started to be looked after – Riley Keyboard", "the first episode")
    started = today - timedelta(days=2)
    group = page.get_by_role("group", name="Date the episode started")
    group.get_by_label("Day").fill(str(started.day))
    group.get_by_label("Month").fill(str(started.month))
    group.get_by_label("Year").fill(str(started.year))
    expect(page.get_by_label("Reason for the new episode")).to_have_value("S")
    page.get_by_label("Legal status").select_option("C2")
    page.get_by_label("Category of need").select_option("N1")
    page.get_by_label("Placement type").select_option("U6")
    page.get_by_label("Placement provider").select_option("PR1")
    page.get_by_label("Home postcode").fill("ng1 5dt")
    page.get_by_label("Placement postcode").fill("NG7 2UH")
    page.get_by_label("Provider URN").fill("SC123456")
    page.get_by_role("button", name="Save the episode").click()

    review = Review.objects.get(child=child, kind=ReviewKind.LAC, status=ReviewStatus.DUE)
    expect(page.locator(".govuk-panel")).to_contain_text("Care episode saved")
    expect(page.locator("#next-review")).to_have_text(
        f"LAC review 1 for Riley Keyboard is due by {format_date(review.due_date)}."
    )
    expect(page.locator(".govuk-summary-list")).to_contain_text("Nottingham (E06000018)")
    expect(page.locator(".govuk-summary-list")).to_contain_text("1.3 miles")
    check(page, "Care episode saved – Riley Keyboard", "the episode saved, with the first review")
    page.set_viewport_size(PHONE)
    screenshot(page, "data-entry-episode-saved-390")
    page.goto("/children/add/")
    screenshot(page, "data-entry-add-a-child-390")
    page.problems.assert_none()


def test_business_support_records_a_strategy_discussion(page, business_support, manager, iro, screenshot):
    today = timezone.localdate()
    child = ChildFactory(given_name="Sasha", family_name="Strategy")
    brought_into_care(child, by=manager, start=today - timedelta(days=40), iro=iro)
    sign_in(page, business_support)
    nav = page.get_by_role("navigation", name="Menu")
    expect(nav.get_by_role("link", name="Children")).to_be_visible()
    expect(page.get_by_role("link", name="Dashboard")).to_have_count(0)
    page.goto(f"/children/{child.pk}/")
    check(page, "Sasha Strategy", "the child's page, for business support")
    page.get_by_role("link", name="Record a strategy discussion for Sasha Strategy").click()
    check(page, "Record a strategy discussion – Sasha Strategy", "strategy discussion form")
    page.get_by_role("button", name="Save the strategy discussion").click()
    check(page, "Error: Record a strategy discussion – Sasha Strategy", "strategy discussion, nothing entered")
    held = today - timedelta(days=1)
    group = page.get_by_role("group", name="Date of the strategy discussion")
    group.get_by_label("Day").fill(str(held.day))
    group.get_by_label("Month").fill(str(held.month))
    group.get_by_label("Year").fill(str(held.year))
    page.get_by_label("Yes", exact=True).check()
    page.set_viewport_size(PHONE)
    screenshot(page, "data-entry-strategy-discussion-390")
    page.get_by_role("button", name="Save the strategy discussion").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The strategy discussion on {format_date(held)} is recorded."
    )
    check(page, "Sasha Strategy", "the child's page after the strategy discussion")
    page.problems.assert_none()


def test_every_episode_and_plan_page_passes_axe(page, manager, iro, screenshot):
    today = timezone.localdate()
    child = ChildFactory(given_name="Morgan", family_name="Pages")
    brought_into_care(child, by=manager, start=today - timedelta(days=60), iro=iro)
    episode = child.episodes.get()
    name = "Morgan Pages"
    sign_in(page, manager)
    page.goto(f"/children/{child.pk}/")
    started = format_date(episode.start_date)

    page.get_by_role("link", name=f"Change the episode from {started}").click()
    check(page, f"Change the care episode from {started} – {name}", "change an episode")
    page.get_by_label("Placement provider").select_option("PR0")
    page.get_by_role("button", name="Save the changes").click()
    check(page, f"Error: Change the care episode from {started} – {name}", "change an episode, refused")
    expect(page.locator(".govuk-error-summary")).to_contain_text("only valid for placement type P1")
    page.get_by_role("link", name=f"Back to {name}").click()

    page.get_by_role("link", name=f"End the episode from {started}").click()
    check(page, f"End the care episode from {started} – {name}", "end an episode")
    page.get_by_role("button", name="Continue").click()
    check(page, f"Error: End the care episode from {started} – {name}", "end an episode, nothing entered")
    group = page.get_by_role("group", name="Date the episode ended")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Reason the episode ended").select_option("E4A")
    page.get_by_role("button", name="Continue").click()
    check(page, f"Check before you end the care episode from {started} – {name}", "end an episode, check")
    page.set_viewport_size(PHONE)
    screenshot(page, "data-entry-end-episode-check-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="End the episode").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"ended on {format_date(today)}")

    page.get_by_role("link", name=f"Start a child protection plan for {name}").click()
    check(page, f"Start a child protection plan – {name}", "start a plan")
    page.get_by_role("button", name="Start the plan").click()
    check(page, f"Error: Start a child protection plan – {name}", "start a plan, nothing entered")
    plan_start = today - timedelta(days=10)
    group = page.get_by_role("group", name="Date the plan started")
    group.get_by_label("Day").fill(str(plan_start.day))
    group.get_by_label("Month").fill(str(plan_start.month))
    group.get_by_label("Year").fill(str(plan_start.year))
    page.get_by_label("Neglect").check()
    page.get_by_role("button", name="Start the plan").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("child protection plan")

    plan_started = format_date(plan_start)
    page.get_by_role("link", name=f"Change category of the plan from {plan_started}").click()
    check(page, f"Change the category of the plan from {plan_started} – {name}", "change a plan's category")
    page.get_by_label("Emotional abuse").check()
    page.get_by_role("button", name="Save the category").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("emotional abuse")

    page.get_by_role("link", name=f"End the plan from {plan_started}").click()
    check(page, f"End the child protection plan from {plan_started} – {name}", "end a plan")
    group = page.get_by_role("group", name="Date the plan ended")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Child no longer at continuing risk of significant harm").check()
    page.get_by_role("button", name="Continue").click()
    check(page, f"Check before you end the child protection plan from {plan_started} – {name}", "end a plan, check")
    page.get_by_role("button", name="End the plan").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The child protection plan ended on {format_date(today)}."
    )
    check(page, name, "the child's page after the plan ended")
    page.problems.assert_none()
