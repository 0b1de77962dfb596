"""API tokens: administrators create them (the key shown once, only its hash stored), a token
authenticates its user, a wrong, revoked or deactivated user's token is a 401, and creating and
revoking are audited without the key ever reaching the audit log."""

import hashlib
import json
import re

import pytest
from django.urls import reverse

from accounts.api_tokens import create_api_token, hash_key, revoke_api_token
from accounts.models import ApiToken
from audit.models import AuditAction, AuditEvent
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/dashboard/"
"""Any endpoint will do to show who a token signs in as: the dashboard's scope says it."""

ADD = "/admin/accounts/apitoken/add/"
CHANGELIST = "/admin/accounts/apitoken/"
KEY_IN_MESSAGE = re.compile(r"The key for .{1,40}? is ([A-Za-z0-9_-]{30,}) ")


def token_client(key):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def audit_text():
    return json.dumps([[event.object_type, event.object_id, event.detail, event.username]
                       for event in AuditEvent.objects.all()])


def test_a_token_authenticates_its_user_and_notes_when_it_was_used(manager, iro, looked_after_child):
    token, key = create_api_token(manager, name="Case system", by=None)
    assert token.last_used_at is None
    response = token_client(key).get(WHOAMI)
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "authority"
    token.refresh_from_db()
    assert token.last_used_at is not None
    # The same key style for an IRO signs in as that IRO.
    _, iro_key = create_api_token(iro, name="IRO's laptop", by=None)
    assert token_client(iro_key).get(WHOAMI).json()["scope"] == "own_children"


def test_the_browser_session_works_too(client, manager):
    sign_in(client, manager)
    assert client.get(WHOAMI).status_code == 200


@pytest.mark.parametrize("header", [
    "Token not-a-real-key",
    "Token ",
    "Token two words",
    "Bearer abc",
])
def test_a_wrong_token_is_a_401_in_the_error_shape(manager, header):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(WHOAMI)
    # "Bearer" is not our scheme, so it is no credentials at all: still a 401.
    body = assert_error_shape(response, 401)
    assert body["errors"] == {}
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_a_401(manager, administrator):
    token, key = create_api_token(manager, name="Old link", by=administrator)
    client = token_client(key)
    assert client.get(WHOAMI).status_code == 200
    revoke_api_token(token, by=administrator)
    body = assert_error_shape(client.get(WHOAMI), 401)
    assert "revoked" in body["detail"]


def test_a_deactivated_users_token_is_a_401(manager):
    _, key = create_api_token(manager, name="Leaver's link", by=None)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert_error_shape(token_client(key).get(WHOAMI), 401)


def test_creating_and_revoking_are_audited_without_the_key(manager, administrator):
    token, key = create_api_token(manager, name="Nightly export", by=administrator)
    created = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="accounts.apitoken",
                                     object_id=str(token.pk))
    assert created.user == administrator
    assert created.detail["for_user"] == manager.username and created.detail["prefix"] == key[:8]
    revoke_api_token(token, by=administrator)
    revoked = AuditEvent.objects.get(action=AuditAction.UPDATE, object_type="accounts.apitoken",
                                     object_id=str(token.pk))
    assert revoked.user == administrator and revoked.detail["revoked"] is True
    # Revoking twice changes nothing and is not audited twice.
    revoke_api_token(token, by=administrator)
    assert AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk)).count() == 2
    assert key not in audit_text() and hash_key(key) not in audit_text()


def test_the_admin_creates_a_token_shows_the_key_once_and_stores_only_its_hash(client, administrator, manager):
    sign_in(client, administrator)
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, {"user": manager.pk, "name": "Case management link", "_save": "Save"}, follow=True)
    assert response.status_code == 200
    found = KEY_IN_MESSAGE.search(response.content.decode())
    assert found, response.content.decode()
    key = found.group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.created_by) == (manager, "Case management link", administrator)
    # Only the hash (and the first characters, to tell tokens apart) is stored.
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and token.prefix == key[:8]
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert key not in stored
    # Shown once: the list of tokens afterwards does not show it.
    assert key not in client.get(CHANGELIST).content.decode()
    assert key not in client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    # The key works, and never reached the audit log.
    assert token_client(key).get(WHOAMI).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="accounts.apitoken",
                                     object_id=str(token.pk), user=administrator).exists()
    assert key not in audit_text()


def test_the_admin_revokes_tokens_and_cannot_edit_or_delete_them(client, administrator, manager):
    token, key = create_api_token(manager, name="To revoke", by=administrator)
    sign_in(client, administrator)
    response = client.post(CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="accounts.apitoken",
                                     object_id=str(token.pk), user=administrator).exists()
    assert_error_shape(token_client(key).get(WHOAMI), 401)
    assert client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_only_administrators_reach_the_token_admin(client, manager):
    sign_in(client, manager)
    response = client.get(ADD)
    assert response.status_code in (302, 403)
    assert not ApiToken.objects.exists()
