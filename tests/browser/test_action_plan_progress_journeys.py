"""Progress against last year's action plan, in the browser: a service manager opens this year's
narrative page, finds last year's two priorities carried forward, comments on one without saying
how far it got (refused: GOV.UK error summary, focused, "Error: " title, its link focusing the
status), chooses each priority's status by keyboard, saves, and reads them in the report's
"Progress against last year's action plan" table, the one carried forward also in the plan for
the year ahead. axe-core runs on the form (empty, with errors, at 390px wide) and on the report.
"""

import pytest
from playwright.sync_api import expect

from reporting import services
from tests.annual_report.authority import PLAN, YEAR

from .axe import assert_no_axe_violations
from .helpers import sign_in, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


def error_summary(page):
    return page.locator(".govuk-error-summary")


def test_manager_reports_progress_on_last_years_priorities(page, manager, screenshot):
    last_year = services.report_for_year(YEAR - 1)
    services.update_narrative(last_year, by=manager, fields={}, action_plan=PLAN, expected_version=last_year.version)
    label = services.report_for_year(YEAR).label

    sign_in(page, manager)
    page.goto(f"/reports/{YEAR}/narrative/")
    first, second = page.get_by_role("group", name="Priority 1"), page.get_by_role("group", name="Priority 2")
    expect(first.get_by_label("Priority", exact=True)).to_have_value(PLAN[0]["priority"])
    expect(second.get_by_label("Priority", exact=True)).to_have_value(PLAN[1]["priority"])
    expect(first.get_by_label("Progress against last year's plan")).to_have_value("")
    assert_no_axe_violations(page, "narrative form with last year's priorities")
    page.set_viewport_size(NARROW)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]
    assert_no_axe_violations(page, "narrative form at 390px")
    screenshot(page, "action-plan-progress-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    second.get_by_label("Comment on progress").fill("Advocates offered from May.")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save the narrative and action plan").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(f"Error: Narrative and action plan, annual IRO report {label} – IRO Portal")
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page)).to_contain_text("Choose how far priority 2 got, or empty its comment on progress.")
    assert_no_axe_violations(page, "narrative form with a comment but no progress")

    error_summary(page).get_by_role("link").click()
    status = page.get_by_role("group", name="Priority 2").get_by_label("Progress against last year's plan")
    expect(status).to_be_focused()
    status.select_option(label="Carried forward")
    first_status = page.get_by_role("group", name="Priority 1").get_by_label("Progress against last year's plan")
    tab_to(page, first_status)
    first_status.select_option(label="Achieved")
    page.get_by_role("group", name="Priority 1").get_by_label("Comment on progress").fill("97% held on time.")
    save = page.get_by_role("button", name="Save the narrative and action plan")
    tab_to(page, save)
    page.keyboard.press("Enter")

    progress = page.get_by_role("table", name=f"The priorities of {last_year.label} and how far they got")
    expect(progress.locator("tbody tr")).to_have_count(2)
    expect(progress.locator("tbody tr").first).to_contain_text("Achieved")
    expect(progress.locator("tbody tr").nth(1)).to_contain_text("Carried forward")
    expect(progress.locator("tbody tr").nth(1)).to_contain_text("Advocates offered from May.")
    ahead = page.get_by_role("table", name=f"Priorities for {label} and beyond")
    expect(ahead.locator("tbody tr")).to_have_count(1)
    expect(ahead.locator("tbody tr")).to_contain_text(PLAN[1]["priority"])
    assert_no_axe_violations(page, "report with progress against last year's plan")
