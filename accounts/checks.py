from django.conf import settings
from django.core.checks import Error, Tags, register

from .models import Role


@register(Tags.security)
def required_two_factor_roles_exist(app_configs, **kwargs):
    """A misspelt role in OTP_REQUIRED_ROLES would silently leave that role without codes."""
    unknown = sorted(set(settings.OTP_REQUIRED_FOR_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        Error(
            f"OTP_REQUIRED_ROLES names roles that do not exist: {', '.join(unknown)}.",
            hint=f"Use role values: {', '.join(Role.values)}.",
            id="accounts.E001",
        )
    ]
