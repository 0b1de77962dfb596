"""Journeys through the real pages in headless Chromium, with axe-core on every page we land on.

These run against pytest-django's live_server, which serves /static/ from the staticfiles finders
(our static/ and node_modules/govuk-frontend/dist/govuk), so the GOV.UK CSS, JS and fonts load as
they would in production.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import IroFactory

from .axe import assert_no_axe_violations
from .helpers import SIGN_IN_HEADING, sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_govuk_styles_and_fonts_loaded(page):
    """The compiled GOV.UK stylesheet applied and the GDS Transport web fonts were fetched."""
    styles = page.evaluate(
        """async () => {
            await document.fonts.ready;
            const sheet = Array.from(document.styleSheets)
                .find((s) => s.href && s.href.endsWith("/static/build/application.css"));
            return {
                sheetRules: sheet ? sheet.cssRules.length : 0,
                headingFont: getComputedStyle(document.querySelector("h1")).fontFamily,
                fonts: Array.from(document.fonts)
                    .filter((f) => f.family.replace(/["']/g, "") === "GDS Transport")
                    .map((f) => ({weight: f.weight, status: f.status})),
            };
        }"""
    )
    assert styles["sheetRules"] > 100, f"application.css did not load or is empty: {styles}"
    assert "GDS Transport" in styles["headingFont"], f"GOV.UK typography not applied: {styles}"
    assert any(font["status"] == "loaded" for font in styles["fonts"]), (
        f"no GDS Transport font face loaded: {styles['fonts']}"
    )
    loaded = page.problems.static_loaded
    assert any(url.endswith("/static/build/application.css") for url in loaded), loaded
    assert any("/static/govuk/assets/fonts/" in url and url.endswith(".woff2") for url in loaded), (
        f"no font file was served from /static/govuk/assets/fonts/: {loaded}"
    )
    # GOV.UK Frontend's JavaScript ran (it marks the body before initialising components).
    assert page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')")


def test_sign_in_page_is_accessible_and_skip_link_is_first_tab_stop(page):
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    assert_no_axe_violations(page, "sign-in page")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # the GOV.UK skip link appears when focused
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()

    # A failed sign-in: the error summary state of the same page.
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_axe_violations(page, "sign-in page with an error")

    page.problems.assert_none()


def test_iro_caseload_to_child_record_and_board_member_is_refused(
    page, screenshot, iro, board_member, looked_after_child
):
    child = looked_after_child

    sign_in(page, iro)
    expect(page).to_have_url(re.compile(r"/children/caseload/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=child.full_name))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(child.local_child_id)
    expect(page.get_by_role("link", name="My caseload")).to_have_attribute("aria-current", "page")
    assert_govuk_styles_and_fonts_loaded(page)
    screenshot(page, "caseload")
    assert_no_axe_violations(page, "My caseload")

    row.get_by_role("link", name=child.full_name).click()
    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    expect(page.get_by_text(f"Local child ID {child.local_child_id}")).to_be_visible()
    expect(page.get_by_text(f"{iro.get_full_name()}, since")).to_be_visible()
    screenshot(page, "child-detail")
    assert_no_axe_violations(page, "child record (IRO)")

    sign_out(page)
    sign_in(page, board_member)
    response = page.goto(f"/children/{child.pk}/")
    assert response is not None and response.status == 403, (
        f"board member got {response and response.status} for a child's record"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    assert child.full_name not in page.content()
    assert child.local_child_id not in page.content()
    assert_no_axe_violations(page, "403 page")

    page.problems.assert_none()


def test_service_manager_children_list_and_allocate_form_are_accessible(
    page, screenshot, manager, iro, looked_after_child
):
    child = looked_after_child

    sign_in(page, manager)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.get_by_role("navigation").get_by_role("link", name="Children", exact=True).click()
    expect(page).to_have_url(re.compile(r"/children/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Children")
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text(iro.get_full_name())
    assert_govuk_styles_and_fonts_loaded(page)
    screenshot(page, "children-list")
    assert_no_axe_violations(page, "Children list")

    page.get_by_role("link", name=child.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    assert_no_axe_violations(page, "child record (service manager)")

    page.get_by_role("link", name=re.compile(r"^Reallocate IRO")).click()
    expect(page).to_have_url(re.compile(rf"/children/{child.pk}/allocate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reallocate an IRO")
    assert_no_axe_violations(page, "allocate form")

    # Submit it empty: no IRO chosen and the prefilled start date cleared.
    expect(page.get_by_label("Independent Reviewing Officer")).to_have_value("")
    for part in ("Day", "Month", "Year"):
        page.get_by_label(part, exact=True).fill("")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save allocation").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name="Choose the IRO who will review this child")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the date the allocation starts")).to_be_visible()
    # GOV.UK Frontend moves focus to the error summary so screen readers announce it.
    expect(summary).to_be_focused()
    screenshot(page, "allocate-errors")
    assert_no_axe_violations(page, "allocate form with errors")

    # Each error links to its field.
    summary.get_by_role("link", name="Choose the IRO who will review this child").click()
    expect(page.get_by_label("Independent Reviewing Officer")).to_be_focused()

    page.problems.assert_none()


NARROW = {"width": 390, "height": 844}


def test_manager_finds_an_iro_by_typing_with_the_keyboard_at_390px(
    page, browser, live_server, settings, screenshot, manager, iro, other_iro, looked_after_child, other_child
):
    """The IRO filter, among many IROs, is a type-ahead: Tab to it, type part of a name, choose
    with the arrow keys and Enter, apply; clearing it lists every IRO's children again. Without
    JavaScript it is the select it was."""
    settings.CHILDREN_LIST_PAGE_SIZE = 1
    for number in range(40):
        IroFactory(first_name=f"Ira{number:02d}", last_name="Many")
    page.set_viewport_size(NARROW)
    sign_in(page, manager)
    page.goto("/children/")
    box = page.get_by_role("combobox", name="IRO", exact=True)
    expect(box).to_have_value("")
    tab_to(page, box)
    page.keyboard.type("iris")
    matches = page.locator("#id_iro__listbox").get_by_role("option")
    expect(matches).to_have_count(1)
    expect(matches).to_have_text("Iris Reviewer")
    assert_no_axe_violations(page, "Children list, IRO type-ahead open, 390 px")
    screenshot(page, "iro-type-ahead-390")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("Iris Reviewer")
    tab_to(page, page.get_by_role("button", name="Apply filters"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]iro={iro.pk}(&|$)"))
    expect(page.locator("tbody")).to_contain_text(looked_after_child.full_name)
    expect(page.locator("tbody")).not_to_contain_text(other_child.full_name)
    expect(page.get_by_role("combobox", name="IRO", exact=True)).to_have_value("Iris Reviewer")

    box = page.get_by_role("combobox", name="IRO", exact=True)
    tab_to(page, box)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]iro=(&|$)"))
    expect(page.locator("main")).to_contain_text("2 children match")
    expect(page.get_by_role("link", name=re.compile(r"^Next page\s*:\s*2 to 2 of 2$"))).to_be_visible()
    assert_no_axe_violations(page, "Children list, any IRO, 390 px")
    screenshot(page, "children-list-paged-390")
    page.problems.assert_none()

    without_js = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    try:
        plain = without_js.new_page()
        sign_in(plain, manager)
        plain.goto("/children/")
        expect(plain.locator("select#id_iro")).to_be_visible()
        plain.get_by_label("IRO", exact=True).select_option(str(other_iro.pk))
        plain.get_by_role("button", name="Apply filters").click()
        expect(plain.locator("tbody")).to_contain_text(other_child.full_name)
        expect(plain.locator("tbody")).not_to_contain_text(looked_after_child.full_name)
    finally:
        without_js.close()
