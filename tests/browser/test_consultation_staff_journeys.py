"""The IRO sends consultation links from the review's page: one person by email, one shown to
pass on, with the "add another" rows and the error summary; sees the code once; withdraws a link;
reads a reply with what is not to be shared set apart. Axe on every page, and 390px wide."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from consultations import services
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, ReviewFactory

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}
CODE = re.compile(r"([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]{4}")


@pytest.fixture
def review(iro):
    start = timezone.localdate() - timedelta(days=200)
    child = ChildFactory(given_name="Jordan", family_name="Consultcase", date_of_birth=date(2016, 5, 1))
    CareEpisodeFactory(child=child, start_date=start)
    AllocationFactory(child=child, iro=iro, start_date=start)
    return ReviewFactory(child=child, cycle_start=start, due_date=timezone.localdate() + timedelta(days=20))


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_iro_sends_links(page, iro, review, screenshot):
    sign_in(page, iro)
    page.goto(f"/reviews/{review.pk}/")
    page.get_by_role("link", name="Consultation and feedback links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation and feedback links")
    expect(page.locator("main")).to_contain_text("No consultation links have been sent")
    assert_no_axe_violations(page, "consultation links, none sent")

    page.get_by_role("link", name="Send links").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send consultation links")
    first = page.get_by_role("group", name="Person 1")
    expect(first.get_by_label("Who is it for?")).to_have_value("child")
    first.get_by_label("Show me the link to pass on").check()
    page.get_by_role("button", name="Add another person").click()
    second = page.get_by_role("group", name="Person 2")
    expect(second.get_by_label("Their name (optional)")).to_be_focused()
    second.get_by_label("Who is it for?").select_option("parent")
    second.get_by_label("Their name (optional)").fill("Pat Parent")
    second.get_by_label("Send it by email").check()
    assert_no_axe_violations(page, "send links, two people")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send links", exact=True).click()
    assert navigation.value.status == 400
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Person 2: enter the email address to send the link to")
    assert re.match(r"Error: ", page.title())
    assert_no_axe_violations(page, "send links with an error")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "consultation-send-error-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("group", name="Person 2").get_by_label("Email address (if sent by email)").fill("pat@example.org")
    page.get_by_role("button", name="Send links", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultation links sent")
    code = page.locator("[data-code]").inner_text()
    assert CODE.fullmatch(code)
    expect(page.locator("#emailed")).to_contain_text("Pat Parent")
    assert_no_axe_violations(page, "links sent")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "consultation-sent-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    (message,) = mail.outbox
    assert "Jordan" in message.body and "Consultcase" not in message.body

    page.get_by_role("link", name="Go to the consultation links for this review").click()
    expect(page.get_by_role("row", name=re.compile("Pat Parent"))).to_contain_text("Not opened")
    assert code not in page.content()
    services.submit_response(code, {"going_well": "<i>My football</i>", "not_to_share": "About my dad."})
    page.reload()
    expect(page.get_by_role("row", name=re.compile("The child"))).to_contain_text("Replied")
    assert_no_axe_violations(page, "consultation links, one replied")

    page.get_by_role("link", name="Withdraw the link for Pat Parent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw the link for Pat Parent?")
    assert_no_axe_violations(page, "withdraw a link")
    page.get_by_role("button", name="Withdraw the link").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is withdrawn")
    expect(page.get_by_role("row", name=re.compile("Pat Parent"))).to_contain_text("Withdrawn")

    page.get_by_role("link", name=re.compile("Read the reply")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Views from The child")
    expect(page.locator("#not-to-share")).to_contain_text("Not for sharing")
    expect(page.locator("#answers")).to_contain_text("<i>My football</i>")
    assert_no_axe_violations(page, "a reply")
    page.set_viewport_size(NARROW)
    assert no_sideways_scroll(page)
    screenshot(page, "consultation-reply-390")
