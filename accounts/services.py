"""Writes about signing in: the second step with an authenticator app (TOTP), clearing counted
failures, password changes, and signing an account out everywhere. All are audited."""

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_lockout_failures
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction
from audit.services import record_event

from .api_tokens import revoke_api_token
from .middleware import PENDING_STEP_SESSION_KEY
from .models import ApiToken

VERIFIED = "verified"
WRONG = "wrong"
WAIT = "wait"
LOCKED = "locked"


def finish_sign_in(request, user):
    """The person has given everything asked of them: nothing is pending, and the failures counted
    against their username are cleared (AXES_RESET_ON_SUCCESS is off so that this happens only now)."""
    request.session.pop(PENDING_STEP_SESSION_KEY, None)
    if settings.AXES_ENABLED:
        reset_lockout_failures(username=user.get_username())


def check_sign_in_code(request, device, code):
    """The second step of signing in. Returns VERIFIED (the session is verified), WRONG (audited
    and counted toward the lock-out like a wrong password), WAIT (the app's device is briefly
    throttled after wrong codes) or LOCKED (the username or address is locked out)."""
    user = request.user
    credentials = {"username": user.get_username()}
    if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, credentials):
        return LOCKED
    if not device.verify_is_allowed()[0]:
        return WAIT
    verified = verify_token(user, device.persistent_id, code)
    if verified is not None:
        otp_login(request, verified)
        record_event(action=AuditAction.LOGIN, user=user, obj=user, request=request,
                     detail={"step": "one-time code"})
        finish_sign_in(request, user)
        return VERIFIED
    record_event(action=AuditAction.LOGIN_FAILED, username=user.get_username(), object_type="accounts.user",
                 object_id=user.pk, request=request, detail={"step": "one-time code"})
    AxesProxyHandler.user_login_failed(sender=check_sign_in_code, credentials=credentials, request=request)
    return LOCKED if getattr(request, "axes_locked_out", False) else WRONG


@transaction.atomic
def start_totp_setup(user):
    """The person's not yet confirmed device, whose key their app scans; the same one each time the
    setup page is opened, until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(request, device, code):
    """VERIFIED if `code` comes from the device: it becomes the person's one app (replacing any
    older one) and this session counts as verified; otherwise WRONG, or WAIT while throttled."""
    if not device.verify_is_allowed()[0]:
        return WAIT
    verified = verify_token(request.user, device.persistent_id, code)
    if verified is None:
        return WRONG
    verified.confirmed = True
    verified.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=request.user).exclude(pk=verified.pk).delete()
    otp_login(request, verified)
    record_event(action=AuditAction.CREATE, user=request.user, obj=verified, request=request,
                 detail={"two_factor": "turned on"})
    finish_sign_in(request, request.user)
    return VERIFIED


@transaction.atomic
def turn_off_two_factor(request):
    """Removes the person's authenticator app; only for roles that do not require one."""
    for device in TOTPDevice.objects.filter(user=request.user):
        record_event(action=AuditAction.DELETE, user=request.user, obj=device, request=request,
                     detail={"two_factor": "turned off"})
        device.delete()


def record_password_change(user, request):
    record_event(action=AuditAction.UPDATE, user=user, obj=user, request=request, detail={"password_changed": True})


@transaction.atomic
def sign_out_everywhere(user):
    """Deletes every live session signed in as `user` and revokes their API tokens, for a
    deactivated account. Django already refuses an inactive user's session and token; ending them
    means that reactivating the account does not bring old sign-ins or keys back.

    The sessions are found by decoding each live one: no bookkeeping that a new session key (after
    a password change, say) could leave out of date, and with a 30-minute idle expiry there are
    few live sessions to read. Deactivation is rare."""
    user_id = str(user.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now())
    keys = [session.session_key for session in live.iterator() if session.get_decoded().get(SESSION_KEY) == user_id]
    Session.objects.filter(session_key__in=keys).delete()
    tokens = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        revoke_api_token(token, by=None)
    if keys or tokens:
        record_event(action=AuditAction.UPDATE, obj=user,
                     detail={"signed_out_everywhere": {"sessions": len(keys), "api_tokens": len(tokens)}})
