"""Local targets in the browser: a service manager opens last reporting year's targets, finds the
year before's carried forward and says so, adds a target without its value (refused: GOV.UK error
summary, focused, "Error: " title), fixes it, saves and reads "Met" and "Not met" in words beside
the figures in the report. axe-core runs on the targets page empty of errors and with them, and on
the report with its targets. At 390 px wide the targets page fits the screen.

The data: three children who came into care in last reporting year, each with a LAC review in
timescale (100%) where the child spoke for themselves (PN1), and a target of at least 95% for
reviews in timescale set the year before."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reporting import services as report_services
from reviews.timescales import reporting_year_start
from tests.conftest import held_review, in_care
from tests.factories import ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


@pytest.fixture
def year(manager):
    year = reporting_year_start(timezone.localdate()).year - 1
    started = date(year, 5, 1)
    for n in range(3):
        child = ChildFactory(given_name=f"Tarquin{n}", family_name="Target")
        in_care(child, started)
        held_review(
            child,
            "LAC",
            due=started + timedelta(days=20),
            held=started + timedelta(days=14),
            cycle_start=started,
            participation_code="PN1",
        )
    report_services.save_targets(
        year - 1,
        by=manager,
        targets={"lac.percent_in_timescale": {"value": Decimal("95"), "direction": "at_least"}},
    )
    return year


def error_summary(page):
    return page.locator(".govuk-error-summary")


def test_a_manager_sets_targets_carried_forward_and_reads_met_in_the_report(page, manager, year, screenshot):
    label = f"April {year} to March {year + 1}"
    sign_in(page, manager)
    page.goto(f"/reports/{year}/")
    page.get_by_role("link", name="Set local targets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Local targets")
    expect(page).to_have_title(f"Local targets, annual IRO report {label} – IRO Portal")
    expect(page.locator("#carried-forward")).to_contain_text(
        f"These are the targets for April {year - 1} to March {year}, carried forward"
    )
    expect(page.locator("#id_target-0-measure")).to_have_value("lac.percent_in_timescale")
    expect(page.locator("#id_target-0-value")).to_have_value("95.0")
    assert_no_axe_violations(page, "targets form, carried forward")

    page.locator("#id_target-1-measure").select_option("lac.participation_rate")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save the targets").click()
    assert navigation.value.status == 400
    expect(page).to_have_title(f"Error: Local targets, annual IRO report {label} – IRO Portal")
    expect(error_summary(page)).to_be_focused()
    expect(error_summary(page)).to_contain_text("Enter the target, for example 98.")
    expect(error_summary(page)).to_contain_text("Choose whether the figure should be at least or at most the target.")
    assert_no_axe_violations(page, "targets form with errors")
    screenshot(page, "targets-form-errors")

    error_summary(page).get_by_role("link", name="Enter the target, for example 98.").click()
    expect(page.locator("#id_target-1-value")).to_be_focused()
    page.locator("#id_target-1-value").fill("50")
    page.locator("#id_target-1-direction_1").check()  # the second choice: at most
    page.get_by_role("button", name="Save the targets").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The local targets have been saved.")

    timeliness = page.locator("#lac-timeliness")
    row = timeliness.get_by_role("row", name="Held in timescale (%)")
    expect(row).to_contain_text("at least 95%")
    expect(row).to_contain_text("Met")
    participation = page.locator("#lac-participation-rate").get_by_role("row", name="Participation rate (%)")
    expect(participation).to_contain_text("at most 50%")
    expect(participation).to_contain_text("Not met")
    expect(page.locator("#trends-lac-in-timescale")).to_be_visible()
    assert_no_axe_violations(page, "report with targets and trends")

    page.set_viewport_size(NARROW)
    page.goto(f"/reports/{year}/targets/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]
    select = page.locator("#id_target-0-measure")
    box = select.bounding_box()
    assert box is not None and box["x"] + box["width"] <= NARROW["width"]
    screenshot(page, "targets-form-390")
