"""Writes about signing in: the second step with an authenticator app (TOTP), clearing counted
failures, password changes, and signing an account out everywhere; and managers granting and
ending cover between IROs. All are audited."""

from datetime import date

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_lockout_failures
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditAction
from audit.services import record_event
from iro_portal.locking import lock

from .api_tokens import revoke_api_token
from .middleware import PENDING_STEP_SESSION_KEY
from .models import ApiToken, CoverArrangement, CoverLevel, Role, User
from .permissions import may_manage_allocations
from .requests import SignedInRequest

VERIFIED = "verified"
WRONG = "wrong"
WAIT = "wait"
LOCKED = "locked"


def finish_sign_in(request: HttpRequest, user: User) -> None:
    """The person has given everything asked of them: nothing is pending, and the failures counted
    against their username are cleared (AXES_RESET_ON_SUCCESS is off so that this happens only now)."""
    request.session.pop(PENDING_STEP_SESSION_KEY, None)
    if settings.AXES_ENABLED:
        reset_lockout_failures(username=user.get_username())


def check_sign_in_code(request: SignedInRequest, device: TOTPDevice, code: str) -> str:
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
        record_event(action=AuditAction.LOGIN, user=user, obj=user, request=request, detail={"step": "one-time code"})
        finish_sign_in(request, user)
        return VERIFIED
    record_event(
        action=AuditAction.LOGIN_FAILED,
        username=user.get_username(),
        object_type="accounts.user",
        object_id=user.pk,
        request=request,
        detail={"step": "one-time code"},
    )
    AxesProxyHandler.user_login_failed(sender=check_sign_in_code, credentials=credentials, request=request)
    return LOCKED if getattr(request, "axes_locked_out", False) else WRONG


@transaction.atomic
def start_totp_setup(user: User) -> TOTPDevice:
    """The person's not yet confirmed device, whose key their app scans; the same one each time the
    setup page is opened, until a code from it confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(request: SignedInRequest, device: TOTPDevice, code: str) -> str:
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
    record_event(
        action=AuditAction.CREATE, user=request.user, obj=verified, request=request, detail={"two_factor": "turned on"}
    )
    finish_sign_in(request, request.user)
    return VERIFIED


@transaction.atomic
def turn_off_two_factor(request: SignedInRequest) -> None:
    """Removes the person's authenticator app; only for roles that do not require one."""
    for device in TOTPDevice.objects.filter(user=request.user):
        record_event(
            action=AuditAction.DELETE,
            user=request.user,
            obj=device,
            request=request,
            detail={"two_factor": "turned off"},
        )
        device.delete()


def record_password_change(user: User, request: HttpRequest) -> None:
    record_event(action=AuditAction.UPDATE, user=user, obj=user, request=request, detail={"password_changed": True})


@transaction.atomic
def sign_out_everywhere(user: User) -> None:
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
        record_event(
            action=AuditAction.UPDATE,
            obj=user,
            detail={"signed_out_everywhere": {"sessions": len(keys), "api_tokens": len(tokens)}},
        )


COVER_CHANGED_MESSAGE = (
    "Someone else changed this cover arrangement while you were looking at it. Nothing has been changed: "
    "look at it again, then decide."
)


def cover_errors(
    *,
    covering_iro: User,
    covered_iro: User,
    starts_on: date,
    ends_on: date,
    level: str,
    reason: str,
    today: date | None = None,
) -> dict[str, str]:
    """What is wrong with cover a manager is about to grant, as {field: message}; empty when
    nothing is. The grant form asks before its check-answers page; grant_cover asks again."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    for field, person in (("covering_iro", covering_iro), ("covered_iro", covered_iro)):
        if person.role != Role.IRO or not person.is_active:
            errors[field] = "Choose an IRO whose account is active."
    if covering_iro.pk == covered_iro.pk:
        errors["covering_iro"] = "Choose a different IRO to cover: an IRO cannot cover for themselves."
    if ends_on < starts_on:
        errors["ends_on"] = "The last day of cover must be the same as or after the first day."
    elif ends_on < today:
        errors["ends_on"] = "The last day of cover must be today or later."
    if level not in CoverLevel.values:
        errors["level"] = "Choose what the covering IRO can do."
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for cover, for example annual leave."
    if (
        not errors
        and CoverArrangement.objects.filter(
            covering_iro=covering_iro,
            covered_iro=covered_iro,
            ended_at__isnull=True,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).exists()
    ):
        errors["starts_on"] = (
            f"{covering_iro} already covers for {covered_iro} on some of these days: "
            "end that cover first, or choose other dates."
        )
    return errors


def grant_cover(
    *,
    covering_iro: User,
    covered_iro: User,
    starts_on: date,
    ends_on: date,
    level: str,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> CoverArrangement:
    """A service manager lets one IRO see (or see and record for) another IRO's children from one
    day to another, both included. Refused whole, with a message per field, when it makes no sense."""
    if not may_manage_allocations(by):
        raise PermissionDenied("Only service managers and administrators can grant cover.")
    reason = (reason or "").strip()
    with transaction.atomic():
        # Two managers granting the same cover at once: the second waits here, then sees the first's.
        User.objects.select_for_update().filter(pk=covering_iro.pk).first()
        errors = cover_errors(
            covering_iro=covering_iro,
            covered_iro=covered_iro,
            starts_on=starts_on,
            ends_on=ends_on,
            level=level,
            reason=reason,
            today=today,
        )
        if errors:
            raise ValidationError(errors)
        cover = CoverArrangement.objects.create(
            covering_iro=covering_iro,
            covered_iro=covered_iro,
            starts_on=starts_on,
            ends_on=ends_on,
            level=level,
            reason=reason,
            granted_by=by,
        )
        record_event(
            action=AuditAction.CREATE,
            user=by,
            obj=cover,
            request=request,
            detail={
                "covering_iro": covering_iro.get_username(),
                "covered_iro": covered_iro.get_username(),
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
                "level": level,
                "reason": reason,
            },
        )
    return cover


def end_cover_early(
    cover: CoverArrangement,
    *,
    by: User,
    expected_version: int,
    request: HttpRequest | None = None,
    today: date | None = None,
) -> CoverArrangement:
    """End cover now, before its last day (or cancel cover that has not started). Refused if it
    has already ended or someone else changed it since the manager opened it."""
    if not may_manage_allocations(by):
        raise PermissionDenied("Only service managers and administrators can end cover.")
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = lock(CoverArrangement.objects.all(), cover.pk, expected_version, COVER_CHANGED_MESSAGE)
        if locked.has_ended(today):
            raise ValidationError("This cover has already ended.")
        locked.ended_at = timezone.now()
        locked.ended_by = by
        locked.version += 1
        locked.save(update_fields=["ended_at", "ended_by", "version"])
        record_event(
            action=AuditAction.UPDATE,
            user=by,
            obj=locked,
            request=request,
            detail={
                "ended_early": True,
                "covering_iro": locked.covering_iro.get_username(),
                "covered_iro": locked.covered_iro.get_username(),
            },
        )
    return locked
