"""The address a request came from, as the audit log records it and as django-axes counts failed
sign-ins against it (settings.AXES_CLIENT_IP_CALLABLE): one answer for both."""

from django.conf import settings


def client_address(request):
    """The connecting address; behind the HTTPS proxy (BEHIND_HTTPS_PROXY), the last address in
    X-Forwarded-For, the one the proxy itself added: earlier entries come from the client and
    could be forged to dodge the lock-out or to mislead the audit log."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.CLIENT_IP_FROM_X_FORWARDED_FOR and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR") or None
