"""Your account, API tokens: a person who signed in with a one-time code creates their own token
(a name, how long it lasts, read-only or not) and sees its key once; without the code nobody
creates one; each person lists and revokes only their own. The api_token command gives no
token to anyone whose role requires codes."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.api_tokens import create_api_token, hash_key
from accounts.models import ApiToken, Role
from audit.models import AuditAction, AuditEvent
from tests.api_helpers import assert_error_shape
from tests.conftest import sign_in, sign_in_with_code
from tests.test_api_tokens import WHOAMI, token_client

pytestmark = pytest.mark.django_db

TOKENS = reverse("api_tokens")
NEW = reverse("api_token_new")
KEY = re.compile(r'id="api-token-key">([A-Za-z0-9_-]{40,})<')


def create(client, **changes):
    return client.post(NEW, {"name": "Case management link", "days": "30", "access": "read_only", **changes})


def test_a_manager_signed_in_with_a_code_creates_a_token_and_sees_its_key_once(client, manager):
    sign_in_with_code(client, manager)
    assert 'href="/account/api-tokens/"' in client.get(reverse("account")).content.decode()
    form = client.get(NEW)
    assert form.status_code == 200
    assert 'value="90"' in form.content.decode()  # the default lifetime

    created = create(client)
    assert created.status_code == 200
    page = created.content.decode()
    assert "API token created" in page and "will not be shown again" in page
    assert "no-store" in created["Cache-Control"]
    key = KEY.search(page).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.name, token.read_only) == (
        manager,
        manager,
        "Case management link",
        True,
    )
    assert token.key_hash == hash_key(key)
    assert token.expires_at - token.created_at == timedelta(days=30)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="accounts.apitoken")
    assert event.user == manager and event.detail["read_only"] is True and key not in str(event.detail)

    # The key works; the list shows the token but never its key again.
    assert token_client(key).get(WHOAMI).status_code == 200
    listed = client.get(TOKENS).content.decode()
    assert "Case management link" in listed and "Read only" in listed and token.prefix in listed
    assert key not in listed


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": "  "}, "Enter what the token is for"),
        ({"name": "x" * 101}, "What the token is for must be 100 characters or fewer"),
        ({"days": ""}, "Enter how many days the token lasts"),
        ({"days": "ninety"}, "Enter the number of days as a whole number, for example 90"),
        ({"days": "0"}, "A token lasts from 1 to 365 days"),
        ({"days": "400"}, "A token lasts from 1 to 365 days"),
        ({"access": ""}, "Choose what the token may do"),
    ],
)
def test_mistakes_are_explained_and_nothing_is_created(client, iro, changes, message):
    sign_in_with_code(client, iro)
    response = create(client, **changes)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: Create an API token" in page and "There is a problem" in page and message in page
    assert not ApiToken.objects.exists()


def test_every_mistake_shows_at_once(client, iro):
    sign_in_with_code(client, iro)
    page = client.post(NEW, {"name": "", "days": "400"}).content.decode()
    for message in ("Enter what the token is for", "A token lasts from 1 to 365 days", "Choose what the token may do"):
        assert message in page
    assert not ApiToken.objects.exists()


def test_without_a_code_nobody_creates_a_token(client, manager, settings):
    """A password alone (no authenticator app, and a role that does not require one) is not enough."""
    settings.OTP_REQUIRED_FOR_ROLES = []
    sign_in(client, manager)
    listed = client.get(TOKENS)
    assert listed.status_code == 200
    assert "Set up two-factor authentication" in listed.content.decode() and NEW not in listed.content.decode()
    for response in (client.get(NEW), create(client)):
        assert response.status_code == 403
        assert "Sign in with a code to create an API token" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_each_person_revokes_only_their_own_tokens(client, manager, iro):
    own, own_key = create_api_token(manager, name="Own link", by=manager)
    others, others_key = create_api_token(iro, name="The IRO's link", by=iro)
    sign_in(client, manager)
    listed = client.get(TOKENS).content.decode()
    assert "Own link" in listed and "The IRO&#x27;s link" not in listed and "The IRO's link" not in listed

    assert client.post(reverse("api_token_revoke", args=[others.pk])).status_code == 404
    assert token_client(others_key).get(WHOAMI).status_code == 200

    revoked = client.post(reverse("api_token_revoke", args=[own.pk]), follow=True)
    assert "The token “Own link” is revoked" in revoked.content.decode()
    assert "Revoked" in revoked.content.decode()
    assert_error_shape(token_client(own_key).get(WHOAMI), 401)
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="accounts.apitoken", object_id=str(own.pk), user=manager
    ).exists()


def test_when_codes_are_required_a_manager_gives_one_before_creating_a_token(settings, manager):
    settings.OTP_REQUIRED_FOR_ROLES = [Role.SERVICE_MANAGER, Role.ADMINISTRATOR]
    browser = Client()
    browser.post(reverse("login"), {"username": manager.username, "password": "correct horse battery staple"})
    held = create(browser)
    assert held.status_code == 302 and held["Location"].startswith(reverse("two_factor"))
    assert not ApiToken.objects.exists()
    assert create(sign_in_with_code(Client(), manager)).status_code == 200
    assert ApiToken.objects.get().user == manager


def run_command(*args):
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_the_command_applies_expiry_and_scope_and_refuses_roles_that_need_codes(settings, manager, iro):
    settings.OTP_REQUIRED_FOR_ROLES = [Role.SERVICE_MANAGER, Role.ADMINISTRATOR]
    with pytest.raises(CommandError, match="requires two-factor authentication"):
        run_command(manager.username, "--name", "case management link")
    with pytest.raises(CommandError, match="A token lasts from 1 to 365 days"):
        run_command(iro.username, "--name", "reporting", "--days", "400")
    assert not ApiToken.objects.exists()

    output = run_command(iro.username, "--name", "reporting", "--days", "10", "--read-only")
    assert "Read-only. It expires on" in output
    token = ApiToken.objects.get()
    assert token.read_only and token.expires_at - token.created_at == timedelta(days=10)
