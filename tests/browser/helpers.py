"""Steps every browser journey shares."""

import re

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD

SIGN_IN_HEADING = "Sign in to IRO Portal"


def sign_in(page, user):
    """Sign in through the real form, as a person would."""
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_text("Signed in as")).to_be_visible()
    page.wait_for_load_state("load")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    expect(page).to_have_url(re.compile(r"/signed-out/$"))


def is_focused(locator):
    return locator.evaluate("(element) => element === document.activeElement")


def tab_to(page, locator, most_presses=60):
    """Press Tab until the element has focus, as a keyboard user would."""
    for _ in range(most_presses):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"{locator} never received focus after {most_presses} presses of Tab")


def keyboard_sign_in(page, username, password):
    """Sign in with the keyboard alone: Tab to the username, type, Tab, type, Enter."""
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")


def choose_in_type_ahead(page, label, typed, option):
    """Choose from a type-ahead (static/js/type-ahead.mjs) as a person does: type part of a name
    into the box, then click the match (`option`, a name or pattern)."""
    box = page.locator("input.autocomplete__input").and_(page.get_by_role("combobox", name=label, exact=True))
    box.fill(typed)
    page.get_by_role("option", name=option).first.click()
