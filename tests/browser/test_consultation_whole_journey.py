"""The child's voice from end to end, through the pages alone: the IRO sends links for a booked
review; a 13-year-old says through their link that they do not feel safe, and a parent sends their
views through theirs, each on a phone and without signing in; the alert is at the top of the IRO's
inbox and the service manager's; the IRO finds the replies in the review's record and uses them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import SafetyAlert
from reviews.record_models import ReviewViews, ViewsGiven
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, ReviewFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in
from .test_review_record_journeys import open_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def review(iro):
    today = timezone.localdate()
    start = today - timedelta(days=200)
    child = ChildFactory(
        given_name="Rowan", family_name="Wholejourney", date_of_birth=today.replace(year=today.year - 14)
    )
    CareEpisodeFactory(child=child, start_date=start)
    AllocationFactory(child=child, iro=iro, start_date=start)
    return ReviewFactory(child=child, cycle_start=start, due_date=today + timedelta(days=20), booked=True)


def answer_on_a_phone(browser, live_server, code):
    """A person who does not sign in opens their link on their own phone."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/have-your-say/{code}/")
    return context, page


def test_the_iro_sends_links_a_child_says_they_are_unsafe_and_the_replies_reach_the_record(
    page, browser, live_server, iro, manager, review, screenshot
):
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("link", name="Consultation and feedback links").click()
    page.get_by_role("link", name="Send links").click()
    first = page.get_by_role("group", name="Person 1")
    expect(first.get_by_label("Who is it for?")).to_have_value("child")
    first.get_by_label("Show me the link to pass on").check()
    page.get_by_role("button", name="Add another person").click()
    second = page.get_by_role("group", name="Person 2")
    second.get_by_label("Who is it for?").select_option("parent")
    second.get_by_label("Their name (optional)").fill("Morgan Parent")
    second.get_by_label("Show me the link to pass on").check()
    page.get_by_role("button", name="Send links", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation links sent")
    expect(page.get_by_text("/have-your-say/ and type their code")).to_be_visible()
    child_code, parent_code = page.locator("[data-code]").all_inner_texts()

    # The young person, on their phone: only their first name and the review's date.
    context, child_page = answer_on_a_phone(browser, live_server, child_code)
    expect(child_page.get_by_role("heading", level=1)).to_contain_text("Rowan")
    assert "Wholejourney" not in child_page.content()
    child_page.get_by_label("What is going well for you at the moment?").fill("Drama club")
    child_page.get_by_label("What do you want to happen next?").fill("To see my brother more")
    child_page.get_by_role("group", name="Do you feel safe where you live?").get_by_role(
        "radio", name="No", exact=True
    ).check()
    assert_no_axe_violations(child_page, "a 13-year-old's form on a phone")
    child_page.get_by_role("button", name="Send my answers").click()
    expect(child_page.get_by_role("heading", name="You said you do not feel safe")).to_be_visible()
    expect(child_page.get_by_text("0800 1111")).to_be_visible()
    screenshot(child_page, "whole-journey-child-unsafe-sent")
    assert "To see my brother more" not in child_page.content()
    context.close()

    # The parent, on theirs.
    context, parent_page = answer_on_a_phone(browser, live_server, parent_code)
    expect(parent_page.get_by_role("heading", level=1)).to_have_text("Your views for Rowan’s review")
    parent_page.get_by_label("What is going well for Rowan?").fill("Doing well at school")
    parent_page.get_by_label("What worries you about Rowan?").fill("Not enough family time")
    parent_page.get_by_role("group", name="Do you plan to come to the review?").get_by_role("radio", name="Yes").check()
    parent_page.get_by_role("button", name="Send my answers").click()
    expect(parent_page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")
    context.close()

    alert = SafetyAlert.objects.get(review=review)
    assert alert.reason == "feels_unsafe"

    # The IRO: the alert first in the inbox, both replies in the record.
    page.goto("/reminders/")
    expect(page.locator("tbody tr").first).to_contain_text("Urgent")
    expect(page.locator("tbody tr").first).to_contain_text("Safety alert")
    page.goto(f"/reviews/{review.pk}/record/lac/")
    expect(page.locator("#online-replies")).to_contain_text("Online replies: 2 of 2")
    open_task(page, "Views")
    expect(page.locator(".app-online-reply", has_text="Online reply: The child")).to_contain_text("Drama club")
    page.get_by_role("button", name="Use in the record for the child's wishes and feelings").click()
    expect(page.get_by_label("The child's wishes and feelings", exact=True)).to_have_value(
        re.compile("To see my brother more")
    )
    page.get_by_role("button", name="Use in the record for the parents' views").click()
    page.get_by_role("button", name="Save and continue").last.click()
    child_views = ReviewViews.objects.get(review=review, of="child")
    assert child_views.given == ViewsGiven.ONLINE and "Drama club" in child_views.text
    assert "Not enough family time" in ReviewViews.objects.get(review=review, of="parents").text

    # The service manager sees the same alert at the top of their inbox.
    context = browser.new_context(base_url=live_server.url)
    manager_page = context.new_page()
    sign_in(manager_page, manager)
    manager_page.goto("/reminders/")
    first_row = manager_page.locator("tbody tr").first
    expect(first_row).to_contain_text("Urgent")
    expect(first_row).to_contain_text(review.child.full_name)
    assert_no_axe_violations(manager_page, "the manager's inbox with the alert")
    context.close()
