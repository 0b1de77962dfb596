"""Recording health (OC2) and a care leaver's status (OC3) in the browser: business support
records both from the child's page, through the check-answers step, and sees them there; a
change made from a stale page is refused with a clear message. Every page passes axe-core.
Screenshots at 390 px wide when BROWSER_SCREENSHOT_DIR is set."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcomes import health_services
from outcomes.models import CareLeaverRecord, HealthRecord
from outcomes.years import last_completed_year, year_label
from tests.conftest import brought_into_care
from tests.factories import CareEpisodeFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def check(page, title, where):
    expect(page).to_have_title(f"{title} – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_no_axe_violations(page, where)


def answer(page, question, choice):
    page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def test_business_support_records_health_and_a_care_leavers_status(page, business_support, manager, iro, screenshot):
    today = timezone.localdate()
    year = last_completed_year(today)
    label = year_label(year)
    child = ChildFactory(given_name="Harper", family_name="Health", date_of_birth=datetime.date(year - 14, 6, 1))
    brought_into_care(child, by=manager, start=today - timedelta(days=800), iro=iro)
    name = "Harper Health"
    sign_in(page, business_support)
    page.goto(f"/children/{child.pk}/")
    check(page, name, "the child's page before health is recorded")
    expect(page.get_by_role("heading", name="Health", exact=True)).to_be_visible()

    page.get_by_role("link", name=f"Record health for {label} for {name}").click()
    check(page, f"Record health for {label} – {name}", "the health form")
    answer(page, "Is the child's annual health assessment up to date?", "Yes")
    answer(page, "Are the child's immunisations up to date?", "Yes")
    answer(page, "Were the child's teeth checked by a dentist in the year?", "No")
    answer(page, "Was the child identified as having a substance misuse problem during the year?", "No")
    answer(page, "Was the child convicted, or given a final warning or reprimand, during the year?", "No")
    page.get_by_label("Strengths and Difficulties Questionnaire (SDQ) score").fill("15")
    page.get_by_label("Reason there is no SDQ score").select_option("SDQ2")
    page.set_viewport_size(PHONE)
    screenshot(page, "health-record-form-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Continue").click()
    check(page, f"Error: Record health for {label} – {name}", "the health form, refused")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give the SDQ score or the reason there is none, not both.")
    page.set_viewport_size(PHONE)
    screenshot(page, "health-record-form-error-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Reason there is no SDQ score").select_option("")
    page.get_by_role("button", name="Continue").click()

    check(page, f"Check the health record for {label} – {name}", "the health record's check page")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Score 15")
    page.get_by_role("button", name="Save the health record").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(f"Health for {label} is recorded.")
    check(page, name, "the child's page with health recorded")
    card = page.locator(".govuk-summary-card", has_text=f"At 31 March, {label}")
    expect(card).to_contain_text("Up to date")
    expect(card).to_contain_text("Score 15")
    assert HealthRecord.objects.get(child=child, year=year).sdq_score == 15

    leaver = ChildFactory(given_name="Jules", family_name="Leaver", date_of_birth=datetime.date(year - 20, 6, 1))
    page.goto(f"/children/{leaver.pk}/")
    page.get_by_role("link", name=f"Record a care leaver's status for {label} for Jules Leaver").click()
    check(page, f"Record a care leaver's status for {label} – Jules Leaver", "the care leaver form")
    answer(page, "Is the authority in touch with the young person?", "In touch (YES)")
    page.get_by_label("Main activity").select_option("F1")
    page.get_by_label("Accommodation", exact=True).select_option("U")
    answer(page, "Is the accommodation suitable?", "Yes")
    page.set_viewport_size(PHONE)
    screenshot(page, "care-leaver-form-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Continue").click()
    check(page, f"Check the care leaver's status for {label} – Jules Leaver", "the care leaver check page")
    page.get_by_role("button", name="Save the care leaver's status").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is recorded")
    section = page.locator(".govuk-summary-card", has_text=label)
    expect(section).to_contain_text("Full-time higher education")
    expect(section).to_contain_text("Independent living")
    check(page, "Jules Leaver", "the child's page with leaving care recorded")
    assert CareLeaverRecord.objects.get(child=leaver).accommodation == "U1"
    page.problems.assert_none()


def test_a_change_from_a_stale_page_is_refused(page, business_support, manager):
    year = last_completed_year(timezone.localdate())
    label = year_label(year)
    child = ChildFactory(given_name="Stale", family_name="Page", date_of_birth=datetime.date(year - 12, 6, 1))
    CareEpisodeFactory(child=child, start_date=datetime.date(year - 3, 1, 10))
    record = health_services.record_health(
        child,
        year=year,
        by=manager,
        immunisations=True,
        teeth_check=True,
        health_assessment=True,
        substance_misuse=False,
    )
    sign_in(page, business_support)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name=f"Change health for {label}").click()
    check(page, f"Change health for {label} – Stale Page", "the health change form")
    health_services.change_health_record(record, by=manager, expected_version=1, teeth_check=False)
    answer(page, "Are the child's immunisations up to date?", "No")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Save the changes").click()
    check(page, f"Error: Change health for {label} – Stale Page", "the stale change, refused")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Someone else changed this record")
    record.refresh_from_db()
    assert (record.immunisations, record.teeth_check, record.version) == (True, False, 2)
    page.problems.assert_none()
