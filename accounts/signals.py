"""Sign-in events: the second step each person is asked for, the lock-out in the audit log, and
signing a deactivated account out everywhere."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django_otp import DEVICE_ID_SESSION_KEY

from audit.models import AuditAction
from audit.services import record_event

from .middleware import PENDING_STEP_SESSION_KEY, note_activity
from .models import User
from .selectors import second_factor_step
from .services import finish_sign_in, sign_out_everywhere


@receiver(user_logged_in)
def begin_session(sender, request, user, **kwargs):
    """Starts the idle clock, and asks for the second step: a password is only the first for
    someone with an authenticator app, or whose role requires one (OTP_REQUIRED_ROLES)."""
    note_activity(request.session)
    step = second_factor_step(user)
    if step:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[PENDING_STEP_SESSION_KEY] = step
    else:
        finish_sign_in(request, user)


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    record_event(
        action=AuditAction.LOGIN_FAILED,
        username=str(username or "")[:150],
        object_type="accounts.user",
        request=request,
        detail={
            "locked_out": True,
            "address": ip_address,
            "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@receiver(post_save, sender=User)
def sign_out_when_deactivated(sender, instance, update_fields=None, **kwargs):
    """Any save that leaves the account inactive (the admin site's form, a service, a script)."""
    if update_fields is not None and "is_active" not in update_fields:
        return
    if not instance.is_active:
        sign_out_everywhere(instance)
