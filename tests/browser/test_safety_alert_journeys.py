"""A child's consultation reply says they do not feel safe: the alert is at the top of their
IRO's inbox and the service manager's, marked urgent; the manager finds it among the open alerts
and the words the service watches for; the IRO, on a phone and with the keyboard alone, opens it,
records what they did and rates the plan red with a check the next working day."""

import datetime
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from consultations import services
from consultations.models import SafetyAlert
from iro_portal.working_days import add_working_days
from notifications.models import Notification
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, ReviewFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in, sign_out, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def review(iro):
    start = timezone.localdate() - timedelta(days=200)
    child = ChildFactory(given_name="Skye", family_name="Alertcase", date_of_birth=datetime.date(2016, 3, 4))
    CareEpisodeFactory(child=child, start_date=start)
    AllocationFactory(child=child, iro=iro, start_date=start)
    return ReviewFactory(child=child, due_date=timezone.localdate() + timedelta(days=20), booked=True)


def first_inbox_row(page):
    return page.locator("tbody tr").first


def test_a_child_feeling_unsafe_reaches_the_iro_and_the_manager_who_act_on_it(
    page, iro, manager, review, eager, screenshot
):
    child = review.child
    issued = services.issue_invitation(review, person_type="child", by=iro, name="Skye")
    Notification.objects.create(
        recipient=iro,
        kind="review_due",
        subject_type="review",
        subject_id=review.pk,
        child=child,
        due_date=review.due_date,
        step="10",
        message="The LAC review is due in 10 working days.",
        link=f"/reviews/{review.pk}/",
    )
    services.submit_response(
        issued.code, {"feels_safe": False, "worries": "Shouting at night <b>every</b> night.", "going_well": "School"}
    )
    alert = SafetyAlert.objects.get()
    emails = [message for message in mail.outbox if message.subject == "IRO Portal: Safety alert"]
    assert sorted(message.to[0] for message in emails) == sorted([iro.email, manager.email])
    assert not any(child.given_name in message.body for message in emails)

    # The manager: the alert first in the inbox, and in the open alerts.
    sign_in(page, manager)
    page.goto("/reminders/")
    expect(first_inbox_row(page)).to_contain_text("Urgent")
    expect(first_inbox_row(page)).to_contain_text("Safety alert")
    expect(first_inbox_row(page)).to_contain_text(child.full_name)
    assert_no_axe_violations(page, "manager's inbox with a safety alert")
    screenshot(page, "safety-alert-manager-inbox")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage the service").click()
    page.get_by_role("main").get_by_role("link", name="Safety alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open safety alerts")
    expect(page.locator("tbody tr", has_text=child.full_name)).to_contain_text("Said they do not feel safe")
    assert_no_axe_violations(page, "open safety alerts")
    page.get_by_role("link", name="Words the service watches for").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Words the service watches for")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a word or phrase to watch for")
    expect(page).to_have_title("Error: Words the service watches for – IRO Portal")
    assert_no_axe_violations(page, "watched words with an error")
    page.get_by_label("Word or phrase to watch for").fill("Scared")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("“scared” now raise a safety alert")
    expect(page.locator(".govuk-summary-list")).to_contain_text("scared")
    assert_no_axe_violations(page, "watched words")
    sign_out(page)

    # The IRO, on a phone, with the keyboard alone.
    page.set_viewport_size(PHONE)
    sign_in(page, iro)
    page.goto("/reminders/")
    expect(first_inbox_row(page)).to_contain_text("Urgent")
    expect(page.locator("tbody tr").nth(1)).to_contain_text("Review due")
    assert_no_axe_violations(page, "IRO's inbox with a safety alert, 390 px")
    screenshot(page, "safety-alert-iro-inbox-phone")
    open_button = page.get_by_role("button", name="Open safety alert 1")
    tab_to(page, open_button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safety alert")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Said they do not feel safe")
    expect(main).to_contain_text("Shouting at night <b>every</b> night.")
    expect(main.locator("b")).to_have_count(0)
    assert_no_axe_violations(page, "safety alert, 390 px")
    screenshot(page, "safety-alert-phone")

    tab_to(page, page.get_by_role("link", name="Record what you did"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what you did")
    tab_to(page, page.get_by_role("button", name="Save what you did"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what you did about the alert")
    expect(summary).to_be_focused()
    assert_no_axe_violations(page, "record what you did, with an error, 390 px")
    tab_to(page, page.get_by_label("What did you do?"))
    page.keyboard.type("Phoned the carer and the social worker; a visit is booked for this afternoon.")
    tab_to(page, page.get_by_role("button", name="Save what you did"))
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "What you did about the alert is recorded"
    )
    expect(main).to_contain_text("a visit is booked for this afternoon")
    assert_no_axe_violations(page, "safety alert answered, 390 px")

    tab_to(page, page.get_by_role("link", name="Rate red with a check within a working day"))
    page.keyboard.press("Enter")
    check = add_working_days(timezone.localdate(), 1)
    expect(page.get_by_role("main")).to_contain_text(f"{check.day} {check:%B %Y}")
    assert_no_axe_violations(page, "rate red, 390 px")
    tab_to(page, page.get_by_role("button", name="Rate red"))
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"plan is rated red, with the next check on {check.day} {check:%B %Y}"
    )
    assert_no_axe_violations(page, "safety alert rated red, 390 px")

    alert.refresh_from_db()
    assert alert.responded_by == iro and alert.oversight_record.next_check_date == check
    page.goto("/reminders/")
    expect(page.get_by_text("Urgent")).to_have_count(0)
    page.problems.assert_none()
