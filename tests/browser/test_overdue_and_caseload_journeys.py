"""An IRO's day from the caseload home page: what is overdue looks overdue on every page, the
caseload sorts and searches without JavaScript, and My oversight opens its counts' lists."""

import re
from datetime import date as D

import pytest
from playwright.sync_api import expect

from escalations.codes import Stage
from oversight.models import OversightKind
from reviews.models import Review, ReviewKind
from tests.conftest import escalation_raised, oversight_record, review_due
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, EscalationStepFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUNDAY = D(2025, 5, 18)
TUESDAY = D(2025, 5, 20)
OVERDUE = "Overdue by 7 working days"


def child_of(iro, given, family, local_id):
    child = ChildFactory(given_name=given, family_name=family, local_child_id=local_id)
    CareEpisodeFactory(child=child, start_date=D(2025, 1, 6))
    AllocationFactory(child=child, iro=iro, start_date=D(2025, 1, 6))
    return child


@pytest.fixture
def caseload(iro, clock):
    clock(TUESDAY)
    ben = child_of(iro, "Ben", "Red", "RED002")
    review_due(ben, ReviewKind.LAC, due=D(2025, 5, 9), number=1, cycle_start=D(2025, 1, 6))
    oversight_record(ben, iro, OversightKind.MIDWAY_REVIEW, D(2025, 1, 20), rag="red", next_check_date=D(2025, 5, 1))
    escalation = escalation_raised(ben, iro, D(2025, 5, 1), steps=[])
    EscalationStepFactory(escalation=escalation, stage=Stage.TEAM_MANAGER, response_due=D(2025, 5, 15))
    ada = child_of(iro, "Ada", "Amber", "AMB001")
    review_due(ada, ReviewKind.LAC, due=D(2025, 6, 30), number=2, cycle_start=D(2025, 1, 6))
    oversight_record(ada, iro, OversightKind.MIDWAY_REVIEW, D(2025, 4, 1), rag="amber", next_check_date=D(2025, 6, 2))
    child_of(iro, "Cal", "Unrated", "UNR003")
    return ben


def names_in_order(page):
    return page.locator("tbody tr th[scope=row]").all_inner_texts()


def both_widths(page, screenshot, name, *, no_sideways_scroll=True):
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_axe_violations(page, f"{name} at 390 px")
    if no_sideways_scroll:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways at 390 px"
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_overdue_looks_overdue_from_the_caseload_to_the_review(page, iro, caseload, screenshot):
    sign_in(page, iro)
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    row = page.locator("tbody tr", has_text="Ben Red")
    expect(row.locator(".govuk-tag--red", has_text=OVERDUE)).to_be_visible()
    expect(row).to_contain_text("Team manager stage")
    expect(row).to_contain_text("Response overdue")
    expect(row).to_contain_text("20 January 2025")
    assert names_in_order(page) == ["Ben Red", "Ada Amber", "Cal Unrated"]
    assert_no_axe_violations(page, "caseload")
    both_widths(page, screenshot, "caseload")

    row.get_by_role("link", name="LAC review 1 for Ben Red").click()
    status = page.locator(".govuk-summary-list__row", has_text="Status")
    expect(status.locator(".govuk-tag--red")).to_have_text(OVERDUE)
    expect(status).not_to_contain_text("Due")
    assert_no_axe_violations(page, "overdue review")
    both_widths(page, screenshot, "review-overdue")

    page.get_by_role("link", name="Back to Ben Red").click()
    expect(page.locator(".govuk-tag--red", has_text=OVERDUE)).to_have_count(2)
    assert_no_axe_violations(page, "child with an overdue review")
    both_widths(page, screenshot, "child-overdue", no_sideways_scroll=False)
    page.problems.assert_none()


def test_the_caseload_sorts_and_searches_with_plain_links_and_a_form(page, iro, caseload, screenshot):
    sign_in(page, iro)
    page.get_by_role("link", name="RAG rating").click()
    expect(page).to_have_url(re.compile(r"\?sort=rag$"))
    assert names_in_order(page) == ["Ben Red", "Ada Amber", "Cal Unrated"]
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("RAG rating")
    page.get_by_role("link", name="RAG rating").click()
    expect(page).to_have_url(re.compile(r"\?sort=-rag$"))
    assert names_in_order(page) == ["Cal Unrated", "Ada Amber", "Ben Red"]
    expect(page.locator("th[aria-sort=descending]")).to_have_text("RAG rating")
    page.get_by_role("link", name="Last oversight").click()
    expect(page).to_have_url(re.compile(r"\?sort=last_oversight$"))
    assert names_in_order(page) == ["Cal Unrated", "Ben Red", "Ada Amber"]

    page.get_by_label("Search by name or local child ID").fill("amb001")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("caption").first).to_contain_text("matching “amb001”, by last oversight")
    assert names_in_order(page) == ["Ada Amber"]
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Last oversight")
    assert_no_axe_violations(page, "caseload searched")
    both_widths(page, screenshot, "caseload-searched")
    page.get_by_role("link", name="Clear search").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    page.problems.assert_none()


def test_the_due_list_on_a_sunday_shows_friday_reviews_overdue(page, iro, caseload, clock, screenshot):
    Review.objects.filter(child=caseload).update(due_date=D(2025, 5, 16))
    clock(SUNDAY)
    sign_in(page, iro)
    page.get_by_role("link", name="My reviews").click()
    page.get_by_label("Due", exact=True).select_option("overdue")
    page.get_by_role("button", name="Apply filters").click()
    row = page.locator("tbody tr", has_text="Ben Red")
    expect(row.locator(".govuk-tag--red")).to_have_text("Overdue by 1 working day")
    expect(page.locator("main")).not_to_contain_text("0 left")
    assert_no_axe_violations(page, "reviews due, overdue")
    both_widths(page, screenshot, "due-list-overdue")
    page.problems.assert_none()


def test_my_oversight_puts_overdue_checks_first_and_its_counts_open_their_lists(page, iro, caseload, screenshot):
    sign_in(page, iro)
    page.get_by_role("link", name="My oversight").click()
    assert names_in_order(page)[0] == "Ben Red"
    both_widths(page, screenshot, "my-oversight")
    page.get_by_role("link", name="1 check overdue").click()
    assert names_in_order(page) == ["Ben Red"]
    expect(page.get_by_label("Show")).to_have_value("overdue")
    expect(page.locator("caption")).to_contain_text("1 child with a check overdue")
    assert_no_axe_violations(page, "My oversight, checks overdue")
    page.problems.assert_none()
