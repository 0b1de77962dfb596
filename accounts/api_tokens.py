"""Creating, checking and revoking API tokens (accounts.ApiToken); every creation and
revocation is audited."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import record_event
from iro_portal.dates import format_date

from .models import ApiToken


class KeyRefused(Exception):
    """The key does not sign anyone in; the message says why."""


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


def new_key():
    """A random key whose prefix never starts with "-", which a command line would take for an
    option (`manage.py api_token USER --revoke PREFIX`)."""
    while (key := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return key


def check_token_details(*, name, days):
    """The name and lifetime a new token needs; the errors by field, for a form or the command."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Enter what the token is for"
    elif len(name.strip()) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = "What the token is for must be 100 characters or fewer"
    if days is None:
        errors["days"] = "Enter how many days the token lasts"
    elif not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = f"A token lasts from 1 to {settings.API_TOKEN_MAX_DAYS} days"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_api_token(user, *, name, by, request=None, days=None, read_only=False):
    """A new token for `user` lasting `days` (API_TOKEN_DEFAULT_DAYS unless given); returns
    (token, key). The key is never stored or shown again."""
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    check_token_details(name=name, days=days)
    key = new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=key[:8],
        key_hash=hash_key(key),
        created_by=by,
        created_at=now,
        expires_at=now + timedelta(days=days),
        read_only=read_only,
    )
    record_event(
        action=AuditAction.CREATE,
        user=by,
        obj=token,
        request=request,
        detail={
            "for_user": user.username,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
            "read_only": read_only,
        },
    )
    return token, key


@transaction.atomic
def revoke_api_token(token, *, by, request=None):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=token,
            request=request,
            detail={"revoked": True, "for_user": token.user.username, "prefix": token.prefix},
        )
    return token


def user_for_key(key):
    """(user, token) for a key of an active, unexpired token of an active user; otherwise
    KeyRefused saying why. Notes when the token was last used (at most once a minute, so busy
    integrations do not write on every call)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None:
        raise KeyRefused("The token is not valid.")
    if token.revoked_at is not None:
        raise KeyRefused("The token has been revoked.")
    if not token.user.is_active:
        raise KeyRefused("The token's user is inactive.")
    now = timezone.now()
    if token.expires_at <= now:
        expired_on = format_date(token.expires_at)
        raise KeyRefused(f"The token expired on {expired_on}. Create a new one under Your account, API tokens.")
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
