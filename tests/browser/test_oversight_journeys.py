"""Oversight pages in the browser: the worklist, recording oversight and the In-Contact plan."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import choose_in_type_ahead, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def child(iro):
    start = timezone.localdate() - timedelta(days=200)
    child = ChildFactory(given_name="Morgan", family_name="Oversightcase")
    CareEpisodeFactory(child=child, start_date=start)
    AllocationFactory(child=child, iro=iro, start_date=start)
    return child


def test_iro_records_oversight_and_agrees_an_in_contact_plan(page, iro, child):
    sign_in(page, iro)
    page.get_by_role("link", name="My oversight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My oversight")
    row = page.locator("tbody tr", has_text=child.full_name)
    expect(row).to_contain_text("No record")
    assert_no_axe_violations(page, "My oversight")

    row.get_by_role("link", name=child.full_name).click()
    page.get_by_role("link", name=f"Record oversight for {child.full_name}").click()
    assert_no_axe_violations(page, "record oversight")
    page.get_by_label("Mid-way review").check()
    page.get_by_role("button", name="Save oversight").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a RAG rating")
    assert_no_axe_violations(page, "record oversight with errors")

    page.get_by_label("Amber").check()
    page.get_by_label("What are you tracking?").fill("Permanence plan not yet agreed")
    page.get_by_role("button", name="Save oversight").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Oversight recorded")
    expect(page.locator("main")).to_contain_text("Permanence plan not yet agreed")

    page.get_by_role("link", name="Agree the In-Contact plan").click()
    assert_no_axe_violations(page, "In-Contact plan")
    page.get_by_label("Text message").check()
    page.get_by_label("Every how many weeks?").fill("3")
    page.get_by_role("button", name="Save plan").click()
    expect(page.locator("main")).to_contain_text("Text message every 3 weeks")
    assert_no_axe_violations(page, "child record with oversight")
    page.problems.assert_none()


def test_manager_filters_oversight_by_iro_and_rating(page, manager, iro, child):
    sign_in(page, manager)
    page.get_by_role("link", name="Oversight", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversight")
    choose_in_type_ahead(page, "IRO", iro.first_name, iro.get_full_name())
    page.get_by_label("Show").select_option("all")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text(iro.get_full_name())
    assert_no_axe_violations(page, "Oversight (manager)")
    page.problems.assert_none()


def test_manager_moves_to_the_next_page_of_the_worklist(page, settings, manager, iro, child):
    settings.CHILDREN_LIST_PAGE_SIZE = 2
    start = timezone.localdate() - timedelta(days=200)
    for given_name, family_name in (("Avery", "Aardvark"), ("Blake", "Babbage")):
        other = ChildFactory(given_name=given_name, family_name=family_name)
        CareEpisodeFactory(child=other, start_date=start)
        AllocationFactory(child=other, iro=iro, start_date=start)
    sign_in(page, manager)
    page.get_by_role("link", name="Oversight", exact=True).click()
    choose_in_type_ahead(page, "IRO", iro.first_name, iro.get_full_name())
    page.get_by_role("button", name="Apply filters").click()
    caption = page.locator("caption")
    expect(caption).to_have_text("3 children need attention, the most urgent first")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody")).not_to_contain_text(child.full_name)

    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(rf"\?iro={iro.pk}&rag=&show=attention&cursor=[^&]+$"))
    expect(caption).to_have_text("3 children need attention, the most urgent first")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text("No record")
    expect(page.get_by_role("combobox", name="IRO")).to_have_value(iro.get_full_name())
    expect(page.get_by_role("link", name=re.compile(r"^Previous page\s*:\s*1 to 2 of 3$"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Showing 3 to 3 of 3")
    assert_no_axe_violations(page, "Oversight (manager), page 2")
    page.problems.assert_none()
