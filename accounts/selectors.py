"""Reads about how a person signs in: their authenticator app, what is still asked of them and
their API tokens."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken

CODE = "code"
SETUP = "setup"


def confirmed_totp_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_required(user):
    """OTP_REQUIRED_ROLES makes one-time codes compulsory for some roles."""
    return user.role in settings.OTP_REQUIRED_FOR_ROLES


def second_factor_step(user):
    """What a person must do after their password: give the code their app shows (CODE), set up
    an app first because their role requires one (SETUP), or nothing ("")."""
    if confirmed_totp_device(user) is not None:
        return CODE
    if two_factor_required(user):
        return SETUP
    return ""


def api_tokens_of(user):
    """The person's own tokens, newest first, the ones still working before the others."""
    return sorted(ApiToken.objects.filter(user=user).order_by("-created_at"), key=lambda token: not token.is_active)
