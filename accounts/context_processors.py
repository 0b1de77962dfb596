from django.conf import settings
from django.urls import reverse

from .middleware import pending_step
from .models import Role
from .permissions import may_manage_allocations, may_read_audit_log, may_read_published_reports


def navigation(request):
    """The service navigation links each role sees (none until the second sign-in step is done)."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated and not pending_step(request):
        if user.role == Role.IRO:
            items.append(("My caseload", reverse("children:caseload")))
            items.append(("My reviews", reverse("reviews:due")))
            items.append(("My escalations", reverse("escalations:list")))
            items.append(("My oversight", reverse("oversight:worklist")))
            items.append(("My dashboard", reverse("reporting:dashboard")))
        if may_manage_allocations(user):
            items.append(("Dashboard", reverse("reporting:dashboard")))
            items.append(("Children", reverse("children:list")))
            items.append(("Reviews due", reverse("reviews:due")))
            items.append(("Escalations", reverse("escalations:list")))
            items.append(("Oversight", reverse("oversight:worklist")))
            items.append(("Cover", reverse("cover_list")))
            items.append(("SSDA903 return", reverse("ssda903:overview")))
        if may_read_published_reports(user):
            items.append(("Annual reports", reverse("reporting:annual_reports")))
        if may_read_audit_log(user):
            items.append(("Audit log", reverse("audit:list")))
        if user.is_staff:
            items.append(("Administration", reverse("admin:index")))
        items.append(("Your account", reverse("account")))
    path = request.path if request is not None else ""
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation_items": [
            {"label": label, "url": url, "current": path.startswith(url) and url != "/"} for label, url in items
        ],
    }
