"""An IRO takes an escalation from the child page to resolution in the browser; a manager sees
every open escalation by stage."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations import services
from escalations.codes import Stage
from escalations.models import Escalation
from reviews.timescales import add_working_days
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory

from .axe import assert_no_axe_violations
from .helpers import choose_in_type_ahead, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def child(iro):
    start = timezone.localdate() - timedelta(days=200)
    child = ChildFactory(given_name="Riley", family_name="Escalationcase")
    CareEpisodeFactory(child=child, start_date=start)
    AllocationFactory(child=child, iro=iro, start_date=start)
    return child


def success_banner(page):
    return page.locator(".govuk-notification-banner--success")


def test_iro_raises_escalates_records_the_response_and_resolves(page, iro, child, screenshot):
    today = timezone.localdate()
    sign_in(page, iro)
    page.goto(f"/children/{child.pk}/")
    expect(page.get_by_role("heading", name="Escalations", exact=True)).to_be_visible()
    page.get_by_role("link", name=f"Raise an escalation for {child.full_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise an escalation")
    assert_no_axe_violations(page, "raise an escalation")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Raise the escalation").click()
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose at least one area of concern")
    expect(summary).to_contain_text("Describe what is wrong")
    expect(summary).to_be_focused()
    assert_no_axe_violations(page, "raise an escalation with errors")
    screenshot(page, "escalation-raise-errors")

    page.get_by_label("Placement", exact=True).check()
    page.get_by_label("Education", exact=True).check()
    page.get_by_label("What is wrong?").fill("No personal education plan for two terms.")
    page.get_by_label("What are you asking for?").fill("A PEP meeting within 10 working days.")
    expect(page.get_by_label("Informal resolution")).to_be_checked()
    page.get_by_label("Name of the person").fill("Sam Social")
    page.get_by_label("Their role").fill("Social worker")
    page.get_by_role("button", name="Raise the escalation").click()
    expect(success_banner(page)).to_contain_text(f"Escalation raised for {child.full_name}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalation raised")
    expect(page.locator("main")).to_contain_text("Placement, Education")
    due = add_working_days(today, 5)
    expect(page.get_by_role("row", name="Informal resolution")).to_contain_text(f"{due.day} {due:%B %Y}")
    assert_no_axe_violations(page, "escalation (informal)")
    screenshot(page, "escalation-detail")

    # Past the team manager, straight to the service manager.
    page.get_by_role("link", name="Escalate to a higher stage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalate to a higher stage")
    assert_no_axe_violations(page, "escalate")
    page.get_by_label("Service manager").check()
    page.get_by_label("Name of the person").fill("Sue Senior")
    page.get_by_label("Their role").fill("Service manager")
    page.get_by_role("button", name="Escalate").click()
    expect(success_banner(page)).to_contain_text("has gone to a higher stage")
    expect(page.get_by_role("row", name="Service manager")).to_contain_text("Sue Senior")
    expect(page.get_by_role("row", name="Team manager")).to_have_count(0)

    page.get_by_role("link", name="Record the response").click()
    assert_no_axe_violations(page, "record the response")
    page.get_by_label("Summary of the response").fill("PEP meeting booked with the virtual school.")
    page.get_by_role("button", name="Save response").click()
    expect(success_banner(page)).to_contain_text("The response is recorded")
    expect(page.get_by_role("row", name="Service manager")).to_contain_text("PEP meeting booked")

    page.get_by_role("link", name="Resolve").click()
    assert_no_axe_violations(page, "resolve")
    screenshot(page, "escalation-resolve")
    expect(page.get_by_label("Service manager")).to_be_checked()
    page.get_by_label("Outcome").fill("PEP completed; tutoring agreed.")
    page.get_by_role("button", name="Resolve").click()
    expect(success_banner(page)).to_contain_text("is resolved")
    expect(page.locator("main")).to_contain_text("at the service manager stage")
    assert_no_axe_violations(page, "escalation (resolved)")
    escalation = Escalation.objects.get(child=child)
    assert (escalation.status, escalation.resolved_at_stage) == ("resolved", Stage.SERVICE_MANAGER)
    assert sorted(escalation.concerns.values_list("area", flat=True)) == ["education", "placement"]

    page.get_by_role("link", name=f"Back to {child.full_name}").click()
    expect(page.locator("main")).to_contain_text("Resolved")
    assert_no_axe_violations(page, "child record with escalations")
    screenshot(page, "child-detail-escalations")

    page.get_by_role("link", name="My escalations").click()
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text("Service manager")
    assert_no_axe_violations(page, "My escalations")
    page.problems.assert_none()


def raise_at_team_manager_and_director(child, iro, today):
    """Two escalations about health: one at director level raised a working day ago, one at
    team manager level raised 8 working days ago (its response overdue)."""
    for stage, working_days_ago in ((Stage.DIRECTOR, 1), (Stage.TEAM_MANAGER, 8)):
        services.raise_escalation(
            child,
            by=iro,
            today=today,
            areas=["health"],
            what_is_wrong="Health assessment overdue.",
            what_is_asked="Book it.",
            stage=stage,
            addressed_to_name="A Person",
            addressed_to_role="Manager",
            raised_on=add_working_days(today, -working_days_ago),
        )


def test_manager_sees_open_escalations_by_stage(page, manager, iro, child, screenshot):
    today = timezone.localdate()
    raise_at_team_manager_and_director(child, iro, today)
    sign_in(page, manager)
    page.get_by_role("link", name="Escalations", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalations")
    captions = page.locator("caption")
    expect(captions.nth(0)).to_have_text("Team manager: 1 open")
    expect(captions.nth(1)).to_have_text("Director: 1 open")
    expect(page.get_by_role("region", name="Team manager")).to_contain_text("Response overdue")
    choose_in_type_ahead(page, "IRO", iro.first_name, iro.get_full_name())
    page.get_by_role("button", name="Apply filters").click()
    areas = page.get_by_role("table", name="Areas of concern")
    expect(areas.get_by_role("row", name="Health").get_by_role("cell").first).to_have_text("2")
    assert_no_axe_violations(page, "Escalations (manager)")
    screenshot(page, "escalations-by-stage")

    page.get_by_role("link", name=f"{child.full_name}").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Escalation raised")
    assert_no_axe_violations(page, "escalation (manager)")
    page.problems.assert_none()


def test_manager_moves_to_the_next_page_of_escalations(page, settings, manager, iro, child):
    settings.CHILDREN_LIST_PAGE_SIZE = 1
    today = timezone.localdate()
    raise_at_team_manager_and_director(child, iro, today)
    sign_in(page, manager)
    page.get_by_role("link", name="Escalations", exact=True).click()
    page.get_by_label("Area of concern").select_option("health")
    page.get_by_role("button", name="Apply filters").click()
    main = page.locator("main")
    expect(main).to_contain_text("2 open escalations")
    expect(page.locator("caption").first).to_have_text("Team manager: 1 open")

    expect(page.get_by_role("link", name=re.compile(r"^Next page\s*:\s*2 to 2 of 2$"))).to_be_visible()
    page.get_by_role("navigation", name="Pagination").get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"area=health.*&cursor=[^&]+$"))
    expect(main).to_contain_text("2 open escalations")
    expect(main).to_contain_text("1 with a response overdue")
    expect(page.locator("caption").first).to_have_text("Director: 1 open")
    expect(page.get_by_role("region", name="Team manager")).to_have_count(0)
    expect(page.get_by_label("Area of concern")).to_have_value("health")
    assert_no_axe_violations(page, "Escalations (manager), page 2")
    page.problems.assert_none()
