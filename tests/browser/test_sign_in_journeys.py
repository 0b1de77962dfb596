"""Signing in with the keyboard until the lock-out, one-time codes from an authenticator app,
changing a password, and creating and revoking an API token, with axe-core on every state of
every page."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import ApiToken, Role
from tests.factories import TEST_PASSWORD

from .axe import assert_no_axe_violations
from .helpers import SIGN_IN_HEADING, keyboard_sign_in, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE_HEADING = "Enter the code from your authenticator app"


def code_for(device, steps_ahead=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def test_keyboard_user_gets_a_wrong_password_then_is_locked_out(page, screenshot, iro):
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    keyboard_sign_in(page, iro.username, "not the password at all")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    assert_no_axe_violations(page, "sign-in page with an error")

    for _ in range(4):
        keyboard_sign_in(page, iro.username, "not the password at all")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is locked for 30 minutes")
    expect(page.get_by_text("contact your administrator")).to_be_visible()
    screenshot(page, "locked-out")
    assert_no_axe_violations(page, "locked-out page")

    # The right password no longer helps.
    page.goto("/sign-in/")
    keyboard_sign_in(page, iro.username, TEST_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is locked for 30 minutes")
    expect(page.get_by_role("banner").get_by_text("Signed in as")).to_have_count(0)
    page.problems.assert_none()


def test_a_manager_must_set_up_an_app_then_gives_a_code_each_time(page, screenshot, settings, manager):
    settings.OTP_REQUIRED_FOR_ROLES = [Role.SERVICE_MANAGER]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting between the wrong and the right code
    sign_in(page, manager)
    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_text("Your role requires two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    screenshot(page, "two-factor-setup")
    assert_no_axe_violations(page, "two-factor setup page")

    code = page.get_by_label("Code from your authenticator app")
    code.fill("12345")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code as 6 digits")
    assert_no_axe_violations(page, "two-factor setup page with an error")

    device = TOTPDevice.objects.get(user=manager)
    code.fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Two-factor authentication is on")

    sign_out(page)
    sign_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text(CODE_HEADING)
    assert_no_axe_violations(page, "code page")
    code = page.get_by_label(CODE_HEADING)
    code.fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not correct")
    screenshot(page, "sign-in-code-error")
    assert_no_axe_violations(page, "code page with an error")
    # A wrong code makes the next try wait a second (django-otp's throttling): a person takes
    # longer than that to type the right one, a test may not.
    page.wait_for_timeout(1100)
    code.fill(code_for(device, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    page.problems.assert_none()


def test_changing_a_password_that_is_too_short(page, screenshot, iro):
    sign_in(page, iro)
    page.get_by_role("navigation").get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    screenshot(page, "account")
    assert_no_axe_violations(page, "account page")
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    assert_no_axe_violations(page, "password change page")

    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("Tr0mbone!xq")
    page.get_by_label("Confirm new password").fill("Tr0mbone!xq")
    page.get_by_role("button", name="Change password").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("This password is too short. It must contain at least 12 characters.")
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("autocomplete", "new-password")
    screenshot(page, "password-change-error")
    assert_no_axe_violations(page, "password change page with an error")

    summary.get_by_role("link", name=re.compile("too short")).click()
    expect(page.get_by_label("New password", exact=True)).to_be_focused()
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill("Tr0mbone!xqz")
    page.get_by_label("Confirm new password").fill("Tr0mbone!xqz")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been changed")
    assert_no_axe_violations(page, "password changed page")
    page.problems.assert_none()


def fits_the_width(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_manager_sets_up_codes_then_creates_and_revokes_an_api_token(page, screenshot, settings, manager):
    settings.OTP_REQUIRED_FOR_ROLES = []
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, manager)
    page.goto("/account/")
    page.get_by_role("link", name="Manage your API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    expect(page.get_by_role("button", name="Create a token")).to_have_count(0)
    assert_no_axe_violations(page, "API tokens page without a code")

    # A password alone creates nothing.
    page.goto("/account/api-tokens/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a code to create an API token")
    assert_no_axe_violations(page, "API token page without a code")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    device_code = page.get_by_label("Code from your authenticator app")
    page.wait_for_load_state("load")
    device_code.fill(code_for(TOTPDevice.objects.get(user=manager)))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    page.get_by_role("link", name="Manage your API tokens").click()
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an API token")
    expect(page.get_by_label("How many days should it last?")).to_have_value("90")
    assert_no_axe_violations(page, "create an API token")
    page.get_by_label("How many days should it last?").fill("400")
    page.get_by_role("button", name="Create token").click()
    expect(page).to_have_title(re.compile(r"^Error: Create an API token"))
    summary = page.locator(".govuk-error-summary")
    for message in ("Enter what the token is for", "A token lasts from 1 to 365 days", "Choose what the token may do"):
        expect(summary).to_contain_text(message)
    screenshot(page, "api-token-errors")
    assert_no_axe_violations(page, "create an API token with errors")
    assert fits_the_width(page)

    page.get_by_label("What is the token for?").fill("Case management link")
    page.get_by_label("How many days should it last?").fill("30")
    page.get_by_label("Read only: it cannot change anything").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API token created")
    key = page.locator("#api-token-key").inner_text()
    assert ApiToken.objects.get().prefix == key[:8]
    screenshot(page, "api-token-created")
    assert_no_axe_violations(page, "API token created")
    assert fits_the_width(page), "the key runs off a 390 px screen"

    page.get_by_role("link", name="Go to your API tokens").click()
    expect(page.locator("main")).not_to_contain_text(key)
    expect(page.locator(".govuk-summary-card")).to_contain_text("Read only")
    assert_no_axe_violations(page, "API tokens page with a token")
    page.get_by_role("button", name="Revoke the token “Case management link”").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is revoked")
    expect(page.locator(".govuk-summary-card")).to_contain_text("Revoked")
    assert_no_axe_violations(page, "API tokens page after revoking")
    assert fits_the_width(page)
    page.problems.assert_none()
