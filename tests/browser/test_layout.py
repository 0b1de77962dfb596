"""Layout at a desktop's width and a phone's.

At 1280 px every role's service navigation is one row, beside nothing but the service's name and
the person's account above it; on a phone (390 px) it folds behind "Menu". On a phone no page
scrolls sideways: a wide table scrolls inside its own box. Every page type each role can reach by
following links from their home page is loaded at 390 px, on a synthetic authority (seed_demo)
with a published annual report, and document.scrollingElement.scrollWidth must not exceed the
viewport's width.

On a failure the page is saved as a PNG (BROWSER_SCREENSHOT_DIR, or the test's temporary folder).
"""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from reporting import services as report_services
from reviews.timescales import reporting_year_start

from .axe import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "iro-portal-demo"
# Not pages of this service's own layout: the admin site, the API and its documentation, signing out.
NOT_CRAWLED = re.compile(r"^/(admin|api|static|sign-out)/")


@pytest.fixture
def authority(db):
    """A small synthetic authority with the demo's accounts, and last year's report published."""
    call_command("seed_demo", children=40, seed=3, stdout=io.StringIO())
    manager = User.objects.get(username="manager")
    year = reporting_year_start(timezone.localdate()).year - 1
    report_services.publish(report_services.report_for_year(year), by=manager, confirmed=True)
    return year


def sign_in_as(page, username):
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_text("Signed in as")).to_be_visible()


def saved(page, screenshot, tmp_path, name):
    screenshot(page, name)
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def navigation_rows(page):
    """How many rows the service navigation's links take up."""
    return page.locator(".govuk-service-navigation__item").evaluate_all(
        "(items) => new Set(items.map((item) => Math.round(item.getBoundingClientRect().top))).size"
    )


@pytest.mark.parametrize(
    "username, links",
    [
        ("iro1", ["My caseload", "My reviews", "My escalations", "My oversight", "My dashboard"]),
        (
            "manager",
            [
                "Dashboard",
                "Children",
                "Reviews due",
                "Escalations",
                "Oversight",
                "Annual reports",
                "Manage the service",
            ],
        ),
        (
            "admin",
            [
                "Dashboard",
                "Children",
                "Reviews due",
                "Escalations",
                "Oversight",
                "Annual reports",
                "Manage the service",
            ],
        ),
        ("board", ["Annual reports"]),
    ],
)
def test_each_roles_navigation_is_one_row_at_desktop_width_and_folds_on_a_phone(
    page, authority, screenshot, tmp_path, username, links
):
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, username)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link")).to_have_text(links)
    rows = navigation_rows(page)
    assert rows == 1, (
        f"{username}'s navigation takes {rows} rows at 1280 px: {saved(page, screenshot, tmp_path, username)}"
    )
    account = page.get_by_role("navigation", name="Account")
    expect(account.get_by_role("link", name="Your account")).to_be_visible()
    expect(account.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"navigation-{username}-desktop")

    page.set_viewport_size(PHONE)
    toggle = menu.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(menu.get_by_role("link", name=links[0])).to_be_hidden()
    toggle.click()
    expect(menu.get_by_role("link")).to_have_text(links)
    expect(menu.get_by_role("link", name=links[-1])).to_be_visible()
    screenshot(page, f"navigation-{username}-phone")
    assert_no_axe_violations(page, f"{username}'s home page at 390 px, menu open")
    page.problems.assert_none()


def test_manager_finds_the_occasional_pages_under_manage_the_service(page, authority, screenshot):
    sign_in_as(page, "manager")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage the service").click()
    expect(page).to_have_title("Manage the service – IRO Portal")
    main = page.get_by_role("main")
    expect(main.get_by_role("link")).to_have_text(
        ["Cover between IROs", "IRO staffing", "Safety alerts", "SSDA903 return", "Audit log"]
    )
    assert_no_axe_violations(page, "Manage the service")
    screenshot(page, "manage-the-service")
    for link, heading in (
        ("Cover between IROs", "Cover between IROs"),
        ("IRO staffing", "IRO staffing"),
        ("Safety alerts", "Open safety alerts"),
        ("SSDA903 return", "SSDA903 return"),
        ("Audit log", "Audit log"),
    ):
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage the service").click()
        page.get_by_role("main").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        # The navigation says where the person is.
        current = page.get_by_role("navigation", name="Menu").locator("[aria-current='page']")
        expect(current).to_have_text("Manage the service")
    page.problems.assert_none()


def page_type(path):
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@pytest.mark.parametrize("username", ["iro1", "manager", "board"])
def test_no_page_scrolls_sideways_on_a_phone(page, authority, screenshot, tmp_path, username):
    page.set_viewport_size(PHONE)
    sign_in_as(page, username)
    visited, too_wide = {}, []
    waiting = [urlsplit(page.url).path]
    while waiting:
        url = waiting.pop(0)
        path = urlsplit(url).path
        kind = page_type(path)
        if kind is None or kind in visited or NOT_CRAWLED.match(path):
            continue
        visited[kind] = url
        answer = page.request.get(url)
        if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
            continue  # a download (CSV, PDF) or a page that answers only a POST
        page.goto(url)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(
                f"{kind} ({url}) is {width} px wide: {saved(page, screenshot, tmp_path, kind.replace(':', '-'))}"
            )
        waiting += [
            href.split("#")[0]
            for href in page.locator("a[href^='/']").evaluate_all(
                "(links) => links.map((link) => link.getAttribute('href'))"
            )
        ]
    assert len(visited) >= {"iro1": 20, "manager": 40, "board": 5}[username], sorted(visited)
    assert not too_wide, "\n".join(too_wide)
    page.problems.assert_none()


def test_the_childs_page_on_a_phone(page, authority, screenshot):
    """The page an IRO opens most, with its tables: the widest scroll in their own box, which a
    keyboard can reach; the page itself never scrolls sideways."""
    page.set_viewport_size(PHONE)
    sign_in_as(page, "iro1")
    page.get_by_role("table").first.locator("tbody").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/children/\d+/$"))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    periods = page.get_by_role("region", name=re.compile(r"^Period of care from"))
    expect(periods.first).to_be_visible()
    assert periods.first.get_attribute("tabindex") == "0"
    heading = page.get_by_role("heading", name=re.compile(r"^Period of care from")).first
    assert heading.evaluate("(element) => element.getBoundingClientRect().right") <= PHONE["width"]
    assert_no_axe_violations(page, "the child's page at 390 px")
    screenshot(page, "child-page-phone")
    page.problems.assert_none()


SMALLEST_CHART_TEXT = """() => Array.from(document.querySelectorAll("svg.app-chart")).flatMap((chart) => {
    const scale = chart.getBoundingClientRect().width / chart.viewBox.baseVal.width;
    return Array.from(chart.querySelectorAll("text, tspan"))
        .map((text) => parseFloat(getComputedStyle(text).fontSize) * scale);
})"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_chart_text_is_at_least_16_px_on_screen(page, authority, screenshot, viewport):
    page.set_viewport_size(viewport)
    sign_in_as(page, "manager")
    for path in ("/dashboard/", "/dashboard/caseloads/", f"/reports/{authority}/"):
        page.goto(path)
        sizes = page.evaluate(SMALLEST_CHART_TEXT)
        assert sizes, f"no chart on {path}"
        assert min(sizes) >= 15.99, f"chart text on {path} at {viewport['width']} px is {min(sizes):.1f} px"
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"], path
    figure = page.locator("figure.app-report-figure").first
    figure.focus()
    expect(figure).to_be_focused()
    assert_no_axe_violations(page, f"the annual report at {viewport['width']} px")
    screenshot(page, f"annual-report-{viewport['width']}")
    page.problems.assert_none()
