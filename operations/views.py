from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .health import health


@login_not_required
@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitors: 200 while the database answers (the broker's state is
    reported, not required), 503 when it does not. Public, so it says nothing about anyone."""
    report, healthy = health()
    return JsonResponse(report, status=200 if healthy else 503)
