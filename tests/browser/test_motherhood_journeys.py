"""Whether a girl looked after is a mother (SSDA903 MOTHER and MC_DOB), recorded by her IRO from
her page with the keyboard alone: the question's radios, then the date of birth of her first
child, a failed submit focusing the error summary whose links lead to the radios and then to the
date, and the answer shown on her page. axe-core runs on each state."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from children import services as children_services
from tests.factories import AllocationFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to
from .test_every_page_type import assert_focused_with_govuk_style

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Is Amara Okafor a mother?"


def check(page, title, where):
    expect(page).to_have_title(f"{title} – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_no_axe_violations(page, where)


def test_iro_records_with_the_keyboard_that_a_girl_is_a_mother(page, iro, manager):
    today = timezone.localdate()
    girl = ChildFactory(
        given_name="Amara", family_name="Okafor", date_of_birth=today - timedelta(days=16 * 365), is_mother=None
    )
    started = today - timedelta(days=60)
    children_services.record_care_episode(
        girl,
        by=manager,
        start_date=started,
        reason_for_new_episode="S",
        legal_status="C2",
        category_of_need="N1",
        placement_type="U6",
        placement_provider="PR1",
    )
    AllocationFactory(child=girl, iro=iro, start_date=started)
    sign_in(page, iro)

    page.goto(f"/children/{girl.pk}/")
    mother = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=re.compile(r"^Mother$")))
    expect(mother.locator(".govuk-summary-list__value")).to_have_text("Not recorded")
    check(page, "Amara Okafor", "child's page, motherhood not recorded")
    mother.get_by_role("link", name="Record whether Amara Okafor is a mother").click()
    check(page, QUESTION, "the question")

    yes = page.get_by_label("Yes", exact=True)
    day = page.get_by_role("group", name="Date of birth of Amara Okafor's first child").get_by_label("Day")
    button = page.get_by_role("button", name="Save", exact=True)
    tab_to(page, yes)
    assert_focused_with_govuk_style(yes, "Yes radio")
    page.keyboard.press("Tab")  # a radio group is one tab stop
    assert_focused_with_govuk_style(day, "Day box")
    tab_to(page, button, most_presses=3)
    assert_focused_with_govuk_style(button, "'Save' button")
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check(page, f"Error: {QUESTION}", "the question with no answer")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Select yes if Amara Okafor is a mother")).to_be_focused()
    page.keyboard.press("Enter")
    expect(yes).to_be_focused()
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    page.keyboard.press("Tab")
    expect(day).to_be_focused()
    tab_to(page, button, most_presses=3)
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    assert navigation.value.status == 400
    expect(summary).to_be_focused()
    expect(yes).to_be_checked()
    check(page, f"Error: {QUESTION}", "the question with no date of birth")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Enter the date of birth of Amara Okafor's first child.")).to_be_focused()
    page.keyboard.press("Enter")
    expect(day).to_be_focused()
    born = today - timedelta(days=100)
    for part in (str(born.day), str(born.month), str(born.year)):
        page.keyboard.type(part)
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Amara Okafor is recorded as a mother.")
    expect(mother.locator(".govuk-summary-list__value")).to_have_text(
        f"Yes, her first child was born on {born.day} {born:%B %Y}"
    )
    check(page, "Amara Okafor", "child's page, a mother")
    page.problems.assert_none()
