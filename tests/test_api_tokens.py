"""API tokens: a token authenticates its user until it expires; a wrong, revoked, expired or
deactivated user's token is a 401; a read-only token changes nothing; each token and each
browser session is limited to a number of requests; creating and revoking are audited without
the key ever reaching the audit log; the admin site revokes tokens but cannot create them.
(People create their own tokens: tests/test_api_token_pages.py.)"""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.api_tokens import create_api_token, hash_key, revoke_api_token
from accounts.models import ApiToken
from audit.models import AuditAction, AuditEvent
from children.models import StrategyDiscussion
from tests.api_helpers import api_client, assert_error_shape
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/dashboard/"
"""Any endpoint will do to show who a token signs in as: the dashboard's scope says it."""

ADD = "/admin/accounts/apitoken/add/"
CHANGELIST = "/admin/accounts/apitoken/"


def token_client(key):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def audit_text():
    return json.dumps(
        [[event.object_type, event.object_id, event.detail, event.username] for event in AuditEvent.objects.all()]
    )


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


@pytest.mark.parametrize(
    "header",
    [
        "Token not-a-real-key",
        "Token ",
        "Token two words",
        "Bearer abc",
    ],
)
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
    created = AuditEvent.objects.get(
        action=AuditAction.CREATE, object_type="accounts.apitoken", object_id=str(token.pk)
    )
    assert created.user == administrator
    assert created.detail["for_user"] == manager.username and created.detail["prefix"] == key[:8]
    revoke_api_token(token, by=administrator)
    revoked = AuditEvent.objects.get(
        action=AuditAction.UPDATE, object_type="accounts.apitoken", object_id=str(token.pk)
    )
    assert revoked.user == administrator and revoked.detail["revoked"] is True
    # Revoking twice changes nothing and is not audited twice.
    revoke_api_token(token, by=administrator)
    assert AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk)).count() == 2
    assert key not in audit_text() and hash_key(key) not in audit_text()


def test_the_admin_site_cannot_create_a_token(client, administrator, manager):
    """Nobody sees another person's key: each person creates their own, after their code."""
    sign_in(client, administrator)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"user": manager.pk, "name": "Case management link", "_save": "Save"}).status_code == 403
    assert not ApiToken.objects.exists()
    create_api_token(manager, name="Made by the manager", by=manager, read_only=True)
    listed = client.get(CHANGELIST).content.decode()
    assert "Made by the manager" in listed and "Add API token" not in listed


def test_the_admin_revokes_tokens_and_cannot_edit_or_delete_them(client, administrator, manager):
    token, key = create_api_token(manager, name="To revoke", by=administrator)
    sign_in(client, administrator)
    response = client.post(CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="accounts.apitoken", object_id=str(token.pk), user=administrator
    ).exists()
    assert_error_shape(token_client(key).get(WHOAMI), 401)
    assert client.post(reverse("admin:accounts_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_only_administrators_reach_the_token_admin(client, manager):
    sign_in(client, manager)
    response = client.get(ADD)
    assert response.status_code in (302, 403)
    assert not ApiToken.objects.exists()


# --- Expiry -----------------------------------------------------------------------------------------


def test_a_token_lasts_90_days_unless_its_creator_chooses(manager):
    token, _ = create_api_token(manager, name="Default", by=manager)
    assert token.expires_at - token.created_at == timedelta(days=90)
    token, _ = create_api_token(manager, name="Short", by=manager, days=7)
    assert token.expires_at - token.created_at == timedelta(days=7)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_token_lasts_from_1_to_365_days(manager, days):
    with pytest.raises(ValidationError) as refused:
        create_api_token(manager, name="Too long", by=manager, days=days)
    assert refused.value.message_dict == {"days": ["A token lasts from 1 to 365 days"]}
    assert not ApiToken.objects.exists() and not AuditEvent.objects.filter(object_type="accounts.apitoken").exists()


def test_an_expired_token_is_a_401_that_says_so(manager):
    token, key = create_api_token(manager, name="Nightly export", by=manager, days=1)
    client = token_client(key)
    assert client.get(WHOAMI).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=1, seconds=1), expires_at=timezone.now() - timedelta(seconds=1)
    )
    body = assert_error_shape(client.get(WHOAMI), 401)
    expired_on = timezone.localtime(timezone.now() - timedelta(seconds=1))
    assert body["detail"] == (
        f"The token expired on {expired_on.day} {expired_on:%B %Y}. Create a new one under Your account, API tokens."
    )


# --- Read-only tokens -------------------------------------------------------------------------------


def test_a_read_only_token_reads_but_changes_nothing(iro, looked_after_child):
    body = {"child": looked_after_child.pk, "date": "2025-03-03", "section_47_enquiry_started": True}
    _, key = create_api_token(iro, name="Reporting tool", by=iro, read_only=True)
    client = token_client(key)
    assert client.get("/api/v1/children/").status_code == 200
    for method in (client.post, client.put, client.patch, client.delete):
        refused = assert_error_shape(method("/api/v1/strategy-discussions/", body, format="json"), 403)
        assert refused["detail"] == "This token is read-only: it cannot change anything."
    assert not StrategyDiscussion.objects.exists()
    # The same request with a token that may write is made.
    _, writer = create_api_token(iro, name="Case system", by=iro)
    assert token_client(writer).post("/api/v1/strategy-discussions/", body, format="json").status_code == 201


# --- Throttling -------------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.API_THROTTLE_RATES = {"token": "3/hour", "user": "2/hour"}


def test_each_token_is_limited_then_told_when_to_come_back(manager, low_rates):
    _, key = create_api_token(manager, name="Busy integration", by=manager)
    client = token_client(key)
    assert [client.get(WHOAMI).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(WHOAMI)
    body = assert_error_shape(limited, 429)
    assert "throttled" in body["detail"]
    assert 3000 < int(limited["Retry-After"]) <= 3600
    # Another token is counted on its own.
    _, other_key = create_api_token(manager, name="Another integration", by=manager)
    assert token_client(other_key).get(WHOAMI).status_code == 200


def test_each_person_using_the_api_in_their_browser_is_limited(client, manager, administrator, low_rates):
    sign_in(client, manager)
    assert [client.get(WHOAMI).status_code for _ in range(2)] == [200, 200]
    limited = client.get(WHOAMI)
    assert_error_shape(limited, 429)
    assert int(limited["Retry-After"]) > 0
    # Nobody else is held back, and the pages are not counted.
    assert sign_in(api_client(), administrator).get(WHOAMI).status_code == 200
    assert client.get(reverse("reporting:dashboard")).status_code == 200


# --- Tokens made before tokens expired --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_expiry_existed_last_90_days_from_when_they_were_made(manager):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("accounts", "0002_api_token")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_state = executor.loader.project_state(before[0]).apps
        made = timezone.now() - timedelta(days=100)
        old_tokens = old_state.get_model("accounts", "ApiToken").objects
        old_tokens.create(user_id=manager.pk, name="Old link", prefix="abcdefgh", key_hash="0" * 64)
        old_tokens.update(created_at=made)  # then, created_at was always "now"
    finally:  # forward to the latest migrations, for the tests after this one
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    token = ApiToken.objects.get(name="Old link")
    assert token.created_at == made and token.expires_at == made + timedelta(days=90)
    assert not token.read_only and not token.is_active
