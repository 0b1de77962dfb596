"""Reads about how a person signs in (their authenticator app, what is still asked of them and
their API tokens), about cover between IROs, and the IROs the list pages filter by."""

from datetime import date

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import ApiToken, CoverArrangement, Role, User

CODE = "code"
SETUP = "setup"

IRO_CHOICES = User.objects.filter(role=Role.IRO).order_by("first_name", "last_name")
"""Inactive IROs too: one who has left may still hold cases, and the dashboard counts them."""


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def two_factor_required(user: User) -> bool:
    """OTP_REQUIRED_ROLES makes one-time codes compulsory for some roles."""
    return user.role in settings.OTP_REQUIRED_FOR_ROLES


def second_factor_step(user: User) -> str:
    """What a person must do after their password: give the code their app shows (CODE), set up
    an app first because their role requires one (SETUP), or nothing ("")."""
    if confirmed_totp_device(user) is not None:
        return CODE
    if two_factor_required(user):
        return SETUP
    return ""


def api_tokens_of(user: User) -> list[ApiToken]:
    """The person's own tokens, newest first, the ones still working before the others."""
    return sorted(ApiToken.objects.filter(user=user).order_by("-created_at"), key=lambda token: not token.is_active)


ENDED_COVER_SHOWN = 50


def cover_in_force_for(iro: User, on: date) -> list[CoverArrangement]:
    """The cover an IRO gives on the day, soonest to end first, for their caseload page."""
    return list(
        CoverArrangement.objects.active(on)
        .filter(covering_iro=iro)
        .select_related("covered_iro")
        .order_by("ends_on", "pk")
    )


def cover_arrangements(on: date) -> dict[str, list[CoverArrangement]]:
    """Every cover arrangement for the managers' page, as current, future and ended (the most
    recently ended ENDED_COVER_SHOWN only): three queries whatever their number."""
    arrangements = CoverArrangement.objects.select_related("covering_iro", "covered_iro", "granted_by", "ended_by")
    return {
        "current": list(arrangements.active(on).order_by("ends_on", "pk")),
        "future": list(arrangements.filter(starts_on__gt=on, ended_at__isnull=True).order_by("starts_on", "pk")),
        "ended": list(arrangements.ended(on).order_by("-ends_on", "-pk")[:ENDED_COVER_SHOWN]),
    }
