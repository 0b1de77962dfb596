"""Recording missing episodes and adoption in the browser: business support records that a child
went missing and that they came back, and both show on the child's page; a manager records a
decision that a child should be placed for adoption and reverses it; a change made from a page
someone else has since saved is refused clearly and changes nothing. Every page passes axe-core;
screenshots at 390 px wide when BROWSER_SCREENSHOT_DIR is set."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from iro_portal.dates import format_date
from outcomes import missing_services
from outcomes.models import AdoptionDecision, MissingEpisode
from tests.conftest import brought_into_care
from tests.factories import ChildFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def check(page, title, where):
    expect(page).to_have_title(f"{title} – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert_no_axe_violations(page, where)


def fill_date(page, group_name, day):
    group = page.get_by_role("group", name=group_name)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_business_support_records_a_missing_episode_and_the_child_coming_back(
    page, business_support, manager, iro, screenshot
):
    today = timezone.localdate()
    child = ChildFactory(given_name="Jamie", family_name="Runner")
    brought_into_care(child, by=manager, start=today - timedelta(days=60), iro=iro)
    name = "Jamie Runner"
    sign_in(page, business_support)
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_role("heading", name="Missing from placement")).to_be_visible()
    page.get_by_role("link", name=f"Record a missing episode for {name}").click()
    check(page, f"Record a missing or away episode – {name}", "missing episode form")
    page.set_viewport_size(PHONE)
    screenshot(page, "missing-episode-form-390")
    page.get_by_role("button", name="Save the episode").click()
    check(page, f"Error: Record a missing or away episode – {name}", "missing episode, nothing entered")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the child went missing or away")
    screenshot(page, "missing-episode-form-errors-390")

    went = today - timedelta(days=3)
    page.get_by_label("Missing", exact=True).check()
    fill_date(page, "Date the child went missing or away", went)
    page.get_by_role("button", name="Save the episode").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The episode from {format_date(went)} is recorded."
    )
    expect(page.get_by_text("Not back yet")).to_be_visible()
    check(page, name, "the child's page with an open missing episode")

    page.get_by_role("link", name=f"Record that the child came back (episode from {format_date(went)})").click()
    check(page, f"Record that the child came back (episode from {format_date(went)}) – {name}", "came back form")
    fill_date(page, "Date the child came back", today - timedelta(days=1))
    page.get_by_role("button", name="Continue").click()
    check(
        page,
        f"Check before you record that the child came back (episode from {format_date(went)}) – {name}",
        "came back, check",
    )
    screenshot(page, "missing-came-back-check-390")
    page.get_by_role("button", name="Record that the child came back").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The child came back on {format_date(today - timedelta(days=1))}."
    )
    expect(page.get_by_text("Not back yet")).to_have_count(0)
    assert MissingEpisode.objects.get(child=child).end_date == today - timedelta(days=1)

    episode = MissingEpisode.objects.get(child=child)
    page.get_by_role("link", name=f"Change the episode from {format_date(went)}").click()
    page.get_by_label("Away from placement without authorisation").check()
    missing_services.change_missing_episode(
        episode, by=manager, expected_version=episode.version, today=today, end_date=today
    )
    page.get_by_role("button", name="Save the changes").click()
    check(page, f"Error: Change the episode from {format_date(went)} – {name}", "a stale change refused")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Someone else changed this record")
    episode.refresh_from_db()
    assert (episode.kind, episode.end_date) == ("M", today)
    page.problems.assert_none()


def test_a_manager_records_a_decision_to_place_for_adoption_and_reverses_it(page, manager, iro, screenshot):
    today = timezone.localdate()
    child = ChildFactory(given_name="Ola", family_name="Adopted")
    brought_into_care(child, by=manager, start=today - timedelta(days=300), iro=iro)
    name = "Ola Adopted"
    sign_in(page, manager)
    page.goto(f"/children/{child.pk}/")
    page.get_by_role("link", name=f"Record a decision to place for adoption for {name}").click()
    check(page, f"Record a decision that the child should be placed for adoption – {name}", "decision form")
    fill_date(page, "Date of the decision that the child should be placed for adoption", today - timedelta(days=400))
    page.get_by_role("button", name="Save the decision").click()
    check(page, f"Error: Record a decision that the child should be placed for adoption – {name}", "decision refused")
    expect(page.locator(".govuk-error-summary")).to_contain_text("started to be looked after")

    decided = today - timedelta(days=100)
    fill_date(page, "Date of the decision that the child should be placed for adoption", decided)
    page.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"The decision of {format_date(decided)} is recorded."
    )
    check(page, name, "the child's page with an adoption decision")

    page.get_by_role("link", name=f"Reverse the decision of {format_date(decided)}").click()
    check(
        page,
        f"Reverse the decision of {format_date(decided)} that the child should be placed for adoption – {name}",
        "reverse form",
    )
    fill_date(page, "Date the child should no longer be placed for adoption", today - timedelta(days=10))
    page.get_by_label("Prospective adopters could not be found (RD3)").check()
    page.set_viewport_size(PHONE)
    screenshot(page, "adoption-decision-reverse-390")
    page.get_by_role("button", name="Continue").click()
    check(page, f"Check before you reverse the decision of {format_date(decided)} – {name}", "reverse, check")
    page.get_by_role("button", name="Reverse the decision").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("no longer be placed for adoption")
    expect(page.get_by_text("Prospective adopters could not be found")).to_be_visible()
    assert AdoptionDecision.objects.get(child=child).reason_ceased == "RD3"

    page.get_by_role("link", name="Record the adoption of Ola Adopted").click()
    check(page, f"Record the adoption – {name}", "adoption form")
    page.goto(f"/children/{child.pk}/previous-permanence/")
    check(page, f"Permanence before care – {name}", "previous permanence form")
    screenshot(page, "previous-permanence-390")
    page.problems.assert_none()
