"""What guards the pages people open without signing in (consultations.public_views): request
limits per address, per address for codes that open nothing, and per link (settings
CONSULTATION_RATES, counted in the default cache in fixed windows, as the API's throttle is), and
the headers those pages carry. A flood is counted, not logged line by line: the audit log gets one
event when an address or a link first goes over a limit in a window."""

import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from accounts.middleware import allowed_before_second_factor
from accounts.selectors import CODE, SETUP
from audit.models import AuditAction
from audit.services import record_event
from iro_portal.client_address import client_address

from .audit_records import PUBLIC_PAGES
from .models import ConsultationInvitation

PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 60 * 60, "day": 24 * 60 * 60}


@dataclass(frozen=True)
class Refusal:
    retry_after: int
    first: bool
    """The request that first went over the limit in this window: the one the audit log keeps."""


def _window(scope: str, ident: object) -> tuple[str, int, int, int]:
    number, period = settings.CONSULTATION_RATES[scope].split("/")
    seconds = PERIOD_SECONDS[period]
    now = int(time.time())
    window = now // seconds
    return f"have-your-say:{scope}:{ident}:{window}", int(number), seconds, (window + 1) * seconds - now


def count(scope: str, ident: object) -> Refusal | None:
    """Count one request against the scope's limit; a Refusal when it is over."""
    key, limit, seconds, retry_after = _window(scope, ident)
    cache.add(key, 0, timeout=seconds)
    try:
        hits = cache.incr(key)
    except ValueError:  # the count expired between add and incr
        cache.set(key, 1, timeout=seconds)
        hits = 1
    return Refusal(retry_after, first=hits == limit + 1) if hits > limit else None


def over(scope: str, ident: object) -> Refusal | None:
    """Whether the scope's limit is already used up. Only a refused request is counted here: a
    code that opens nothing is counted once it is known to (public_views.unknown_code)."""
    key, limit, _, _ = _window(scope, ident)
    return count(scope, ident) if cache.get(key, 0) >= limit else None


def address(request) -> str:
    return client_address(request) or "unknown"


def too_many(request, refusal: Refusal, *, scope: str, invitation: ConsultationInvitation | None = None):
    """The 429 page. The first refusal of a window goes in the audit log, against the link if
    there is one; the rest are only counted."""
    if refusal.first:
        detail = {"refused": "too many requests", "limit": scope, "rate": settings.CONSULTATION_RATES[scope]}
        if invitation is not None:
            record_event(
                action=AuditAction.VIEW,
                obj=invitation,
                child_id=invitation.review.child_id,
                request=request,
                username=f"consultation link {invitation.pk}",
                detail=detail,
            )
        else:
            record_event(
                action=AuditAction.VIEW,
                object_type=PUBLIC_PAGES,
                object_id=scope,
                request=request,
                username="have your say pages",
                detail=detail,
            )
    minutes = -(-refusal.retry_after // 60)
    response = render(request, "consultations/public/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def public_page(view):
    """A page anyone may open without signing in (nor finishing a second sign-in step): counted
    against the address's limit, and never cached or indexed. Its path holds a code, so no
    request from it names more than the site in its Referer: "strict-origin", because with
    "no-referrer" browsers send `Origin: null` with the form and the CSRF check refuses it."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        refusal = count("address", address(request))
        if refusal is not None:
            response = too_many(request, refusal, scope="address")
        else:
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    return allowed_before_second_factor(CODE, SETUP)(login_not_required(guarded))
