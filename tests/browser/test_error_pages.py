"""The pages people meet when something goes wrong: the refusal of a form whose security token
has gone (the CSRF page) and the server error page. Both must be as accessible as the rest and
tell nothing of the fault."""

import pytest
from django.urls import include, path
from playwright.sync_api import expect

from .axe import assert_no_axe_violations
from .helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fails(request):
    raise RuntimeError("Zebedee Quixote's record could not be read")


urlpatterns = [path("fails/", fails), path("", include("iro_portal.urls"))]


def test_a_form_sent_without_its_token_gets_the_expired_form_page(page, iro, screenshot):
    page.goto("/sign-in/")
    page.context.clear_cookies()
    page.get_by_label("Username").fill(iro.username)
    page.get_by_label("Password").fill("not the password")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    assert navigation.value.status == 403
    expect(page).to_have_title("Your form has expired – IRO Portal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your form has expired")
    screenshot(page, "error-csrf")
    assert_no_axe_violations(page, "form expired (CSRF)")


def test_a_server_error_shows_the_service_s_error_page_and_nothing_of_the_fault(page, iro, settings, screenshot):
    sign_in(page, iro)
    settings.ROOT_URLCONF = __name__
    response = page.goto("/fails/")
    assert response.status == 500
    expect(page).to_have_title("Sorry, there is a problem with the service – IRO Portal")
    expect(page.locator("body")).not_to_contain_text("Zebedee")
    expect(page.locator("body")).not_to_contain_text("RuntimeError")
    screenshot(page, "error-500")
    assert_no_axe_violations(page, "server error (500)")
