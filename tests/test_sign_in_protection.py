"""Sign-in protection: the lock-out after repeated failures (per username and per address), the
30-minute idle session that ends with the browser, the password rules, one-time codes from an
authenticator app (voluntary, or compulsory for some roles), and signing a deactivated account
out everywhere."""

import datetime
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.api_tokens import create_api_token
from accounts.middleware import LAST_ACTIVITY_SESSION_KEY
from accounts.models import ApiToken, Role
from audit.models import AuditAction, AuditEvent
from tests.api_helpers import api_client
from tests.conftest import sign_in
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Sign-in is locked for 30 minutes"
WRONG_PASSWORD = "not the password at all"
WHOAMI = "/api/v1/dashboard/"


def password_sign_in(client, username, password=TEST_PASSWORD, address="10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def fail(client, username, times, address="10.0.0.1"):
    responses = [password_sign_in(client, username, WRONG_PASSWORD, address) for _ in range(times)]
    return responses[-1]


def signed_in_as(client):
    session = client.session
    return session.get(SESSION_KEY)


def code_for(device, steps_ahead=0):
    """The code the person's app shows now (or `steps_ahead` 30-second steps later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


class TestLockOut:
    def test_five_failures_lock_the_username_wherever_the_next_attempt_comes_from(self, client, iro):
        fourth = fail(client, iro.username, 4)
        assert fourth.status_code == 200 and "Enter a correct username and password" in fourth.content.decode()
        fifth = password_sign_in(client, iro.username, WRONG_PASSWORD)
        assert fifth.status_code == 429
        page = fifth.content.decode()
        assert LOCKED in page and "contact your administrator" in page
        # The right password, from another address and another browser, is refused too.
        elsewhere = Client()
        response = password_sign_in(elsewhere, iro.username, address="10.0.0.99")
        assert response.status_code == 429 and LOCKED in response.content.decode()
        assert signed_in_as(elsewhere) is None

    def test_four_failures_do_not_lock(self, client, iro):
        fail(client, iro.username, 4)
        response = password_sign_in(client, iro.username)
        assert response.status_code == 302 and signed_in_as(client) == str(iro.pk)

    def test_five_failures_from_one_address_lock_it_whatever_the_username(self, client, iro, manager):
        for number in range(5):
            password_sign_in(client, f"guess{number}", WRONG_PASSWORD, address="10.0.0.7")
        response = password_sign_in(Client(), manager.username, address="10.0.0.7")
        assert response.status_code == 429 and LOCKED in response.content.decode()
        # The same person from another address is not affected.
        other = Client()
        assert password_sign_in(other, manager.username, address="10.0.0.8").status_code == 302
        assert signed_in_as(other) == str(manager.pk)

    def test_signing_in_clears_the_count(self, client, iro):
        fail(client, iro.username, 4, address="10.0.0.2")
        assert password_sign_in(client, iro.username, address="10.0.0.2").status_code == 302
        client.post(reverse("logout"))
        fail(client, iro.username, 4, address="10.0.0.3")
        assert password_sign_in(client, iro.username, address="10.0.0.3").status_code == 302

    def test_the_lock_ends_after_30_minutes(self, client, iro):
        fail(client, iro.username, 5)
        assert password_sign_in(client, iro.username).status_code == 429
        AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
        assert password_sign_in(client, iro.username).status_code == 302
        assert signed_in_as(client) == str(iro.pk)

    def test_the_lock_out_is_audited(self, client, iro):
        fail(client, iro.username, 5, address="10.0.0.4")
        event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED, detail__locked_out=True)
        assert event.username == iro.username
        assert event.ip_address == "10.0.0.4"
        assert event.detail["cool_off_minutes"] == 30
        # Every failure is in the log as well.
        assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, username=iro.username).count() == 6

    def test_the_admin_sites_sign_in_is_covered(self, client, administrator):
        for _ in range(5):
            response = client.post(
                reverse("admin:login"), {"username": administrator.username, "password": WRONG_PASSWORD}
            )
        assert response.status_code == 429 and LOCKED in response.content.decode()
        response = client.post(reverse("admin:login"), {"username": administrator.username, "password": TEST_PASSWORD})
        assert response.status_code == 429 and signed_in_as(client) is None

    def test_an_administrator_unlocks_a_username_with_a_command(self, client, iro):
        fail(client, iro.username, 5)
        call_command("axes_reset_username", iro.username)
        assert password_sign_in(client, iro.username).status_code == 302

    def test_behind_the_https_proxy_the_address_the_proxy_added_is_counted(self, settings, iro, manager):
        settings.CLIENT_IP_FROM_X_FORWARDED_FOR = True
        proxy = "172.16.0.1"
        for number in range(5):
            # A client cannot dodge the lock-out by making up the earlier entries.
            Client().post(
                reverse("login"),
                {"username": f"guess{number}", "password": WRONG_PASSWORD},
                REMOTE_ADDR=proxy,
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.5",
            )
        blocked = Client().post(
            reverse("login"),
            {"username": manager.username, "password": TEST_PASSWORD},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
        assert blocked.status_code == 429
        # Another person behind the same proxy is not locked out.
        other = Client()
        response = other.post(
            reverse("login"),
            {"username": iro.username, "password": TEST_PASSWORD},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR="198.51.100.9",
        )
        assert response.status_code == 302 and signed_in_as(other) == str(iro.pk)


class TestSessions:
    def test_the_session_cookie_ends_with_the_browser(self, client, iro):
        response = password_sign_in(client, iro.username)
        cookie = response.cookies["sessionid"]
        assert cookie["max-age"] == "" and cookie["expires"] == ""
        assert cookie["httponly"]

    def test_a_session_idle_for_more_than_30_minutes_is_signed_out(self, client, iro):
        password_sign_in(client, iro.username)
        assert client.get(reverse("children:caseload")).status_code == 200
        Session.objects.filter(session_key=client.session.session_key).update(
            expire_date=timezone.now() - datetime.timedelta(seconds=1)
        )
        response = client.get(reverse("children:caseload"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_activity_within_30_minutes_keeps_the_session(self, client, iro):
        password_sign_in(client, iro.username)
        session = client.session
        # 29 minutes idle: one minute left.
        session[LAST_ACTIVITY_SESSION_KEY] = int(time.time()) - 29 * 60
        session.save()
        Session.objects.filter(session_key=session.session_key).update(
            expire_date=timezone.now() + datetime.timedelta(minutes=1)
        )
        response = client.get(reverse("children:caseload"))
        assert response.status_code == 200 and response.cookies["sessionid"]["max-age"] == ""
        left = Session.objects.get(session_key=session.session_key).expire_date - timezone.now()
        assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)

    def test_pages_within_a_minute_do_not_write_the_session_again(self, client, iro):
        password_sign_in(client, iro.username)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("children:caseload")).status_code == 200
        assert not [query for query in queries if 'UPDATE "django_session"' in query["sql"]]


class TestPasswords:
    def test_django_refuses_a_password_of_11_characters(self, iro):
        with pytest.raises(ValidationError) as refused:
            validate_password("Tr0mbone!xq", iro)
        assert "This password is too short. It must contain at least 12 characters." in refused.value.messages
        validate_password("Tr0mbone!xqz", iro)

    def test_the_admin_site_refuses_a_short_password_for_a_new_account(self, client, administrator):
        sign_in(client, administrator)
        add = reverse("admin:accounts_user_add")
        response = client.post(
            add,
            {
                "username": "newiro",
                "usable_password": "true",
                "password1": "Tr0mbone!xq",
                "password2": "Tr0mbone!xq",
                "role": Role.IRO,
                "fte": "1.00",
                "team": "North",
            },
        )
        assert response.status_code == 200
        assert "This password is too short. It must contain at least 12 characters." in response.content.decode()
        response = client.post(
            add,
            {
                "username": "newiro",
                "usable_password": "true",
                "password1": "Tr0mbone!xqz",
                "password2": "Tr0mbone!xqz",
                "role": Role.IRO,
                "fte": "1.00",
                "team": "North",
            },
        )
        assert response.status_code == 302

    def test_changing_your_password_checks_the_rules_and_signs_out_other_sessions(self, client, iro):
        sign_in(client, iro)
        other_browser = sign_in(Client(), iro)
        assert 'href="/account/"' in client.get(reverse("children:caseload")).content.decode()
        page = client.get(reverse("account")).content.decode()
        assert 'href="/account/password/"' in page

        change = reverse("password_change")
        short = client.post(
            change, {"old_password": TEST_PASSWORD, "new_password1": "Tr0mbone!xq", "new_password2": "Tr0mbone!xq"}
        )
        assert short.status_code == 200
        text = short.content.decode()
        assert "There is a problem" in text
        assert "This password is too short. It must contain at least 12 characters." in text
        assert 'href="#id_new_password1"' in text

        wrong = client.post(
            change,
            {"old_password": "not my password", "new_password1": "Tr0mbone!xqz", "new_password2": "Tr0mbone!xqz"},
        )
        assert "Your current password is not correct" in wrong.content.decode()

        done = client.post(
            change,
            {"old_password": TEST_PASSWORD, "new_password1": "Tr0mbone!xqz", "new_password2": "Tr0mbone!xqz"},
            follow=True,
        )
        assert "Your password has been changed" in done.content.decode()
        assert client.get(reverse("children:caseload")).status_code == 200
        assert other_browser.get(reverse("children:caseload")).status_code == 302
        assert AuditEvent.objects.filter(action=AuditAction.UPDATE, user=iro, detail__password_changed=True).exists()
        assert password_sign_in(Client(), iro.username, "Tr0mbone!xqz").status_code == 302


@pytest.fixture
def no_code_throttling(settings):
    """django-otp makes a person wait 1, 2, 4… seconds after each wrong code; these tests do not
    sleep, and the lock-out is what they check."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


class TestOneTimeCodes:
    def test_someone_with_an_app_gives_a_code_after_their_password(self, client, iro, no_code_throttling):
        device = TOTPDevice.objects.create(user=iro, name="phone", confirmed=True)
        response = password_sign_in(client, iro.username, next="/children/caseload/")
        assert response.status_code == 302
        # Every page, the API through the session included, waits for the code.
        for path in ("/children/caseload/", "/account/", WHOAMI, "/admin/"):
            held = client.get(path)
            assert held.status_code == 302, path
            assert held["Location"].startswith(reverse("sign_in_code")), path
        page = client.get(reverse("sign_in_code") + "?next=/children/caseload/").content.decode()
        assert "Enter the code from your authenticator app" in page
        assert "My caseload" not in page  # no navigation until the code is given

        wrong = client.post(reverse("sign_in_code"), {"code": "000000", "next": "/children/caseload/"})
        assert wrong.status_code == 200
        assert "The code is not correct" in wrong.content.decode()
        assert AuditEvent.objects.filter(
            action=AuditAction.LOGIN_FAILED, username=iro.username, detail__step="one-time code"
        ).exists()
        not_digits = client.post(reverse("sign_in_code"), {"code": "12ab56"})
        assert "Enter the code as 6 digits" in not_digits.content.decode()

        right = client.post(reverse("sign_in_code"), {"code": code_for(device), "next": "/children/caseload/"})
        assert right.status_code == 302 and right["Location"] == "/children/caseload/"
        assert client.get("/children/caseload/").status_code == 200
        assert AuditEvent.objects.filter(action=AuditAction.LOGIN, user=iro, detail__step="one-time code").exists()
        # A code works once.
        client.post(reverse("logout"))
        password_sign_in(client, iro.username)
        again = client.post(reverse("sign_in_code"), {"code": code_for(device)})
        assert "The code is not correct" in again.content.decode()

    def test_wrong_codes_count_toward_the_lock_out(self, client, iro, no_code_throttling):
        TOTPDevice.objects.create(user=iro, name="phone", confirmed=True)
        password_sign_in(client, iro.username)
        for _ in range(4):
            assert client.post(reverse("sign_in_code"), {"code": "000000"}).status_code == 200
        locked = client.post(reverse("sign_in_code"), {"code": "000000"})
        assert locked.status_code == 429 and LOCKED in locked.content.decode()
        assert signed_in_as(client) is None
        # Knowing the password does not reset the count of wrong codes.
        assert password_sign_in(Client(), iro.username, address="10.0.0.50").status_code == 429

    def test_a_password_alone_does_not_clear_the_count_of_wrong_codes(self, client, iro, no_code_throttling):
        device = TOTPDevice.objects.create(user=iro, name="phone", confirmed=True)
        password_sign_in(client, iro.username)
        for _ in range(3):
            client.post(reverse("sign_in_code"), {"code": "000000"})
        client.post(reverse("logout"))
        password_sign_in(client, iro.username)
        client.post(reverse("sign_in_code"), {"code": "000000"})
        assert client.post(reverse("sign_in_code"), {"code": "000000"}).status_code == 429
        # The right code clears it.
        other = Client()
        AccessAttempt.objects.all().delete()
        password_sign_in(other, iro.username)
        assert other.post(reverse("sign_in_code"), {"code": code_for(device)}).status_code == 302
        assert not AccessAttempt.objects.exists()

    def test_a_role_that_requires_codes_sets_up_an_app_first(self, client, settings, manager, iro):
        settings.OTP_REQUIRED_FOR_ROLES = [Role.SERVICE_MANAGER]
        password_sign_in(client, manager.username)
        held = client.get(reverse("reporting:dashboard"))
        assert held.status_code == 302
        assert held["Location"] == reverse("two_factor") + "?next=/dashboard/"
        page = client.get(held["Location"]).content.decode()
        assert "Your role requires two-factor authentication" in page
        assert 'role="img"' in page and "<svg" in page
        device = TOTPDevice.objects.get(user=manager, confirmed=False)
        key = re.search(r'id="secret-key">([A-Z2-7 ]+)<', page).group(1)
        assert len(key.replace(" ", "")) == 32
        # A code from another key does not confirm it.
        other_key = TOTPDevice(user=manager, key="00" * 20)
        refused = client.post(reverse("two_factor"), {"code": code_for(other_key), "next": "/dashboard/"})
        assert "The code is not correct" in refused.content.decode()
        device.refresh_from_db()
        device.throttling_failure_count = 0
        device.save()

        confirmed = client.post(reverse("two_factor"), {"code": code_for(device), "next": "/dashboard/"})
        assert confirmed.status_code == 302 and confirmed["Location"] == "/dashboard/"
        assert client.get("/dashboard/").status_code == 200
        device.refresh_from_db()
        assert device.confirmed
        assert AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type="otp_totp.totpdevice", user=manager
        ).exists()
        # It cannot be turned off while the role requires it.
        client.post(reverse("two_factor"), {"turn_off": "1"})
        assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()
        # Next time, the code is asked for.
        client.post(reverse("logout"))
        password_sign_in(client, manager.username)
        assert client.get("/dashboard/")["Location"].startswith(reverse("sign_in_code"))
        assert client.post(reverse("sign_in_code"), {"code": code_for(device, steps_ahead=1)}).status_code == 302
        assert client.get("/dashboard/").status_code == 200
        # Other roles sign in with their password alone.
        other = Client()
        password_sign_in(other, iro.username)
        assert other.get(reverse("children:caseload")).status_code == 200

    def test_anyone_may_turn_codes_on_and_off(self, client, iro):
        sign_in(client, iro)
        page = client.get(reverse("account")).content.decode()
        assert "Two-factor authentication" in page and "Set up" in page
        client.get(reverse("two_factor"))
        device = TOTPDevice.objects.get(user=iro)
        response = client.post(reverse("two_factor"), {"code": code_for(device)}, follow=True)
        assert "Two-factor authentication is on" in response.content.decode()
        assert client.get(reverse("children:caseload")).status_code == 200  # verified in this session
        off = client.post(reverse("two_factor"), {"turn_off": "1"}, follow=True)
        assert "Two-factor authentication is off" in off.content.decode()
        assert not TOTPDevice.objects.filter(user=iro, confirmed=True).exists()
        client.post(reverse("logout"))
        password_sign_in(client, iro.username)
        assert client.get(reverse("children:caseload")).status_code == 200

    def test_only_the_code_page_is_open_before_the_code(self, client, iro):
        """Someone who has only the password cannot turn the app off or change the password."""
        TOTPDevice.objects.create(user=iro, name="phone", confirmed=True)
        password_sign_in(client, iro.username)
        for path in (reverse("two_factor"), reverse("password_change")):
            assert client.post(path, {"turn_off": "1"})["Location"].startswith(reverse("sign_in_code"))
        assert TOTPDevice.objects.filter(user=iro).exists()
        assert client.post(reverse("logout")).status_code == 302
        assert signed_in_as(client) is None

    def test_a_misspelt_required_role_is_a_configuration_error(self, settings):
        settings.OTP_REQUIRED_FOR_ROLES = ["manager"]
        errors = [message for message in run_checks() if message.id == "accounts.E001"]
        assert errors and "manager" in errors[0].msg


def admin_change_data(user, **changes):
    """What the admin site's change form for `user` posts, with `changes` applied."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "fte": str(user.fte),
        "team": user.team,
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


class TestDeactivation:
    def test_deactivating_in_the_admin_site_signs_the_account_out_everywhere(self, client, administrator, manager):
        browser = Client()
        password_sign_in(browser, manager.username)
        assert browser.get(reverse("reporting:dashboard")).status_code == 200
        token, key = create_api_token(manager, name="Case system", by=administrator)
        token_client = api_client()
        token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert token_client.get(WHOAMI).status_code == 200

        sign_in(client, administrator)
        response = client.post(
            reverse("admin:accounts_user_change", args=[manager.pk]), admin_change_data(manager, is_active=None)
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        manager.refresh_from_db()
        assert not manager.is_active

        response = browser.get(reverse("reporting:dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert token_client.get(WHOAMI).status_code == 401
        event = AuditEvent.objects.get(
            object_type="accounts.user", object_id=str(manager.pk), detail__has_key="signed_out_everywhere"
        )
        assert event.detail["signed_out_everywhere"] == {"sessions": 1, "api_tokens": 1}
        # The administrator's own session is untouched.
        assert client.get(reverse("admin:index")).status_code == 200

        # Reactivating the account brings back neither the old sign-in nor the old key.
        client.post(reverse("admin:accounts_user_change", args=[manager.pk]), admin_change_data(manager))
        manager.refresh_from_db()
        assert manager.is_active
        assert browser.get(reverse("reporting:dashboard")).status_code == 302
        assert token_client.get(WHOAMI).status_code == 401
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert ApiToken.objects.filter(user=manager, revoked_at__isnull=True).count() == 0

    def test_other_saves_leave_sessions_alone(self, iro):
        browser = Client()
        password_sign_in(browser, iro.username)
        iro.team = "South"
        iro.save()
        assert browser.get(reverse("children:caseload")).status_code == 200

    def test_an_inactive_account_cannot_sign_in(self, client, iro):
        iro.is_active = False
        iro.save()
        response = password_sign_in(client, iro.username)
        assert response.status_code == 200 and "Enter a correct username and password" in response.content.decode()
