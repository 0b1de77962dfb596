"""People without an account complete their consultation forms on a phone: a child under 8 with
pictures and the browser reading the questions aloud, a 13-year-old with the keyboard alone, a
parent who types their code. axe-core checks every state of every page, 390 px wide."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from consultations import services, tokens
from consultations.models import ConsultationResponse, FormVersion
from tests.factories import AllocationFactory, CareEpisodeFactory, ChildFactory, ReviewFactory

from .axe import assert_no_axe_violations
from .helpers import is_focused, tab_to
from .test_content_security_policy import assert_no_violations, open_page, watched  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}
# A browser that can speak, whose speech the test can hear.
LISTENING = """
window.spoken = [];
Object.defineProperty(window, "speechSynthesis", {
  value: {speak: (utterance) => window.spoken.push(utterance.text), cancel: () => {}},
});
Object.defineProperty(window, "SpeechSynthesisUtterance", {value: function (text) { this.text = text; }});
"""
SILENT = 'Object.defineProperty(window, "speechSynthesis", {value: undefined});'


def issued(iro, born, person_type="child"):
    child = ChildFactory(given_name="Robin", family_name="Quillfeather", date_of_birth=born)
    CareEpisodeFactory(child=child)
    AllocationFactory(child=child, iro=iro)
    review = ReviewFactory(child=child, due_date=datetime.date(2030, 7, 10), booked=True)
    return services.issue_invitation(review, person_type=person_type, by=iro)


def no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def check(page, where):
    assert no_sideways_scroll(page), where
    assert_no_axe_violations(page, where)


def test_a_child_under_8_chooses_pictures_and_hears_the_questions(page, screenshot, iro):
    link = issued(iro, datetime.date(2024, 1, 1))
    assert link.invitation.form == FormVersion.CHILD_UNDER_8
    page.set_viewport_size(NARROW)
    page.add_init_script(LISTENING)
    page.goto(f"/have-your-say/{link.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Robin")
    expect(page.get_by_text("Your review meeting is on 10 July 2030.")).to_be_visible()
    buttons = page.get_by_role("button", name=re.compile(r"^Read this to me"))
    expect(buttons).to_have_count(5)
    expect(buttons.first).to_be_visible()
    check(page, "under-8 form")
    screenshot(page, "have-your-say-under-8-390")

    page.get_by_role("button", name="Read this to me: Do you feel safe where you live?").click()
    spoken = page.evaluate("() => window.spoken")
    assert spoken == ["Do you feel safe where you live?. Yes, I feel safe. No, I do not feel safe. I am not sure"]

    page.get_by_role("button", name="Send my answers").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose whether you feel safe where you live")
    check(page, "under-8 form with an error")

    page.get_by_role("radio", name="Happy").check()
    page.get_by_role("radio", name="Yes, I feel safe").check()
    page.get_by_role("checkbox", name="My carer or foster carer").check()
    page.get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(page.get_by_text("You said you do not feel safe")).to_have_count(0)
    check(page, "under-8 confirmation")
    reply = ConsultationResponse.objects.get()
    assert reply.feels_safe is True and reply.answers == {"how_things_are": "happy"}
    assert reply.wants_at_review == ["carer"] and reply.wants_to_attend == "yes"
    page.problems.assert_none()


def test_without_javascript_there_is_no_read_aloud_and_the_form_still_sends(browser, live_server, iro):
    link = issued(iro, datetime.date(2024, 1, 1))
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=NARROW)
    try:
        page = context.new_page()
        page.goto(f"/have-your-say/{link.code}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Hello Robin")
        expect(page.get_by_role("button", name=re.compile(r"^Read this to me"))).to_have_count(0)
        page.get_by_text("No, I do not feel safe").click()
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
        expect(page.get_by_role("heading", name="You said you do not feel safe")).to_be_visible()
        expect(page.locator("main")).to_contain_text("call 999")
        expect(page.locator("main")).to_contain_text("0800 1111")
    finally:
        context.close()
    assert ConsultationResponse.objects.get().feels_safe is False


def test_a_browser_that_cannot_speak_shows_no_read_aloud_button(page, iro):
    link = issued(iro, datetime.date(2024, 1, 1))
    page.add_init_script(SILENT)
    page.goto(f"/have-your-say/{link.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Robin")
    expect(page.get_by_role("button", name=re.compile(r"^Read this to me"))).to_have_count(0)
    page.problems.assert_none()


def press_until_focused(page, locator):
    tab_to(page, locator)
    assert is_focused(locator)


def test_a_13_year_old_completes_their_form_with_the_keyboard_alone(page, screenshot, iro):
    link = issued(iro, datetime.date(2017, 1, 1))
    assert link.invitation.form == FormVersion.CHILD_13_PLUS
    page.set_viewport_size(NARROW)
    page.goto(f"/have-your-say/{link.code}/")
    check(page, "13 and over form")
    press_until_focused(page, page.get_by_label("What is going well for you at the moment?"))
    page.keyboard.type("Drama club")
    press_until_focused(page, page.get_by_label("What do you want to happen next?"))
    page.keyboard.type("Stay where I am")
    feels_safe = page.get_by_role("group", name="Do you feel safe where you live?")
    press_until_focused(page, feels_safe.get_by_role("radio", name="Yes"))
    page.keyboard.press("Space")
    press_until_focused(page, page.get_by_role("checkbox", name="My social worker"))
    page.keyboard.press("Space")
    chair = page.get_by_role("group", name="Would you like to chair part of your review?")
    press_until_focused(page, chair.get_by_role("radio", name="Yes"))
    page.keyboard.press("Space")
    press_until_focused(page, page.get_by_role("button", name="Send my answers"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    check(page, "13 and over confirmation")
    screenshot(page, "have-your-say-13-sent-390")
    reply = ConsultationResponse.objects.get()
    assert (reply.going_well, reply.wishes, reply.feels_safe) == ("Drama club", "Stay where I am", True)
    assert reply.wants_at_review == ["social_worker"] and reply.wants_to_chair is True
    page.problems.assert_none()


def test_a_parent_types_their_code_sends_their_views_and_cannot_read_them_back(page, screenshot, iro):
    link = issued(iro, datetime.date(2020, 1, 1), person_type="parent")
    page.set_viewport_size(NARROW)
    page.goto("/have-your-say/")
    check(page, "start page")
    page.get_by_label("Enter your code").fill("not a code")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check(page, "start page with an error")
    page.get_by_label("Enter your code").fill(link.code.lower().replace("-", " "))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your views for Robin’s review")
    check(page, "parent form")
    page.get_by_label("What is going well for Robin?").fill("Settled at school")
    page.get_by_label("What worries you about Robin?").fill("Contact arrangements")
    page.get_by_role("group", name="Do you plan to come to the review?").get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been sent")
    check(page, "parent confirmation")
    page.goto(f"/have-your-say/{link.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.locator("main")).not_to_contain_text("Contact arrangements")
    check(page, "answered link")
    screenshot(page, "have-your-say-answered-390")
    assert ConsultationResponse.objects.get().worries == "Contact arrangements"
    page.problems.assert_none()


def test_a_guesser_is_shown_the_too_many_attempts_page(page, iro, settings):
    settings.CONSULTATION_RATES = {**settings.CONSULTATION_RATES, "bad_code": "2/hour"}
    page.set_viewport_size(NARROW)
    page.goto(f"/have-your-say/{tokens.new_code()}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    check(page, "unknown link")
    page.goto(f"/have-your-say/{tokens.new_code()}/")
    page.goto(f"/have-your-say/{tokens.new_code()}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    check(page, "too many attempts")


def test_answers_sent_without_the_pages_cookie_are_refused_in_plain_words(page, iro):
    link = issued(iro, datetime.date(2020, 1, 1), person_type="carer")
    page.set_viewport_size(NARROW)
    page.goto(f"/have-your-say/{link.code}/")
    page.get_by_label("What is going well for Robin in your home?").fill("Settled")
    page.context.clear_cookies()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers were not sent")
    check(page, "answers refused without the cookie")
    assert not ConsultationResponse.objects.exists()


def test_the_pages_and_the_read_aloud_script_run_under_the_policy(watched, iro):  # noqa: F811 - the fixture imported above
    link = issued(iro, datetime.date(2024, 1, 1))
    watched.add_init_script(LISTENING)
    open_page(watched, "/have-your-say/")
    open_page(watched, f"/have-your-say/{link.code}/")
    watched.get_by_role("button", name="Read this to me: How do you feel about where you live?").click()
    assert watched.evaluate("() => window.spoken") == ["How do you feel about where you live?. Happy. Okay. Sad"]
    assert_no_violations(watched, "the under-8 form")
