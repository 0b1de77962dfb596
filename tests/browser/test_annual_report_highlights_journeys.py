"""A service manager reads the key highlights at the head of the draft report, rewrites one in
their own words with the keyboard, and finds it on the report; the page passes axe, on a phone
too. The board version of the same draft shows the drafted sentence where a figure is withheld."""

import re

import pytest
from playwright.sync_api import expect

from reporting import services as report_services

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_annual_report_journeys import authority  # noqa: F401  (a fixture: three children, each with a review)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWN_WORDS = "Every child's first review was on time: the team booked each one on the day the child came into care."


def test_manager_rewrites_a_key_highlight(page, manager, authority, screenshot):  # noqa: F811
    sign_in(page, manager)
    page.goto(f"/reports/{authority.year}/")
    highlights = page.locator("#highlights").locator("xpath=..")
    expect(highlights.get_by_role("listitem").first).to_contain_text("3 children were looked after")
    expect(page.get_by_role("table", name="Key figures, with the year before")).to_be_visible()
    # An unedited draft says what it lacks before anyone publishes it.
    expect(page.get_by_role("heading", name="Check before you publish")).to_be_visible()

    page.get_by_role("link", name="Edit the key highlights").click()
    expect(page).to_have_title(re.compile(r"^Key highlights, annual IRO report"))
    assert_no_axe_violations(page, "key highlights form")
    screenshot(page, "key-highlights-form")
    box = page.get_by_label("LAC reviews in timescale")
    tab_to(page, box)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(OWN_WORDS)
    tab_to(page, page.get_by_role("button", name="Save the key highlights"))
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The key highlights have been saved")
    expect(page.locator("#highlights").locator("xpath=..")).to_contain_text(OWN_WORDS)
    assert_no_axe_violations(page, "draft report with key highlights")
    report = report_services.report_for_year(authority.year)
    assert report.highlight_sentences["reviews_in_timescale"]["text"] == OWN_WORDS

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/reports/{authority.year}/highlights/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert_no_axe_violations(page, "key highlights form at 390 px")
    screenshot(page, "key-highlights-form-390")

    # Three children: a small number, so the board version withholds it and never says up or down.
    page.goto(f"/reports/{authority.year}/?variant=board")
    first = page.locator("#highlights").locator("xpath=..").get_by_role("listitem").first
    expect(first).to_have_text(
        "Children looked after: not shown in this version: the numbers are small enough to identify children."
    )
