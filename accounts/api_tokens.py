"""Creating, checking and revoking API tokens (accounts.ApiToken); every creation and
revocation is audited."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event

from .models import ApiToken


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def new_key():
    """A random key whose prefix never starts with "-", which a command line would take for an
    option (`manage.py api_token USER --revoke PREFIX`)."""
    while (key := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return key


@transaction.atomic
def create_api_token(user, *, name, by, request=None):
    """A new token for `user`; returns (token, key). The key is never stored or shown again."""
    key = new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_key(key), created_by=by)
    record_event(action=AuditAction.CREATE, user=by, obj=token, request=request,
                 detail={"for_user": user.username, "name": name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def revoke_api_token(token, *, by, request=None):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(action=AuditAction.UPDATE, user=by, obj=token, request=request,
                     detail={"revoked": True, "for_user": token.user.username, "prefix": token.prefix})
    return token


def user_for_key(key):
    """(user, token) for a key of an active token and user, or None; notes when the token was
    last used (at most once a minute, so busy integrations do not write on every call)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
