"""The api_token management command: the printed key works once, only its hash is stored, and
revoking it by its prefix stops it working; both are audited."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts.api_tokens import hash_key
from accounts.models import ApiToken
from audit.models import AuditEvent
from tests.api_helpers import assert_error_shape


def run(*args):
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_created_key_works_until_it_is_revoked(manager):
    output = run(manager.username, "--name", "case management link")
    key = re.search(r": (\S+)\n", output).group(1)
    token = ApiToken.objects.get(user=manager)
    assert token.key_hash == hash_key(key) and key not in {token.key_hash, token.prefix, token.name}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/children/").status_code == 200

    run(manager.username, "--revoke", key[:8])
    assert_error_shape(client.get("/api/v1/children/"), 401)
    events = AuditEvent.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk))
    assert events.count() == 2
    assert all(key not in str(event.detail) for event in events)


@pytest.mark.django_db
def test_mistakes_are_refused_with_a_message(manager):
    with pytest.raises(CommandError, match="no user called nobody"):
        run("nobody", "--name", "x")
    with pytest.raises(CommandError, match="--name"):
        run(manager.username)
    with pytest.raises(CommandError, match="no active token starting"):
        run(manager.username, "--revoke", "abcdefgh")
    assert not ApiToken.objects.exists()


def test_no_key_starts_with_a_dash_so_its_prefix_can_be_given_to_revoke():
    from accounts.api_tokens import new_key

    keys = [new_key() for _ in range(3000)]
    assert len(set(keys)) == 3000
    assert not [key for key in keys if key.startswith("-")]
