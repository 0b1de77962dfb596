from django.conf import settings
from django.urls import reverse

from .middleware import pending_step
from .models import Role
from .permissions import may_enter_child_data, may_manage_allocations, may_read_audit_log, may_read_published_reports


def service_tools(user):
    """The pages a service manager or administrator uses now and then, gathered on "Manage the
    service" so that the service navigation fits one row: (label, url, what it is for)."""
    tools = []
    if may_manage_allocations(user):
        tools.append(
            (
                "Cover between IROs",
                reverse("cover_list"),
                "Let another IRO see, or see and record for, the children of an IRO on leave or off sick.",
            )
        )
        tools.append(
            (
                "IRO staffing",
                reverse("staffing:list"),
                "Each IRO's full-time equivalent and whether they work through an agency, as it was on each "
                "day: record a change from a date.",
            )
        )
        tools.append(
            (
                "Safety alerts",
                reverse("consultations:alerts"),
                "Consultation replies saying a child does not feel safe that nobody has answered yet, and the words "
                "the service watches for.",
            )
        )
        tools.append(
            (
                "SSDA903 return",
                reverse("ssda903:overview"),
                "Import an authority's existing return, and export a collection year for the DfE.",
            )
        )
    if may_read_audit_log(user):
        tools.append(
            (
                "Audit log",
                reverse("audit:list"),
                "Who saw or changed which child's record, and when; filter it and download it.",
            )
        )
    if user.is_staff:
        tools.append(
            (
                "Administration",
                reverse("admin:index"),
                "Accounts, roles, sign-in lock-outs, authenticator apps and API tokens.",
            )
        )
    return tools


def navigation(request):
    """The service navigation links each role sees (none until the second sign-in step is done),
    the link to the person's account beside their name, and whether they may enter children's
    records (the links to the data-entry pages on children's pages)."""
    user = getattr(request, "user", None)
    items = []
    signed_in = user is not None and user.is_authenticated and not pending_step(request)
    if signed_in:
        if user.role == Role.IRO:
            items.append(("My caseload", reverse("children:caseload"), ()))
            items.append(("My reviews", reverse("reviews:due"), ()))
            items.append(("My escalations", reverse("escalations:list"), ()))
            items.append(("My oversight", reverse("oversight:worklist"), ()))
            items.append(("My dashboard", reverse("reporting:dashboard"), ()))
        if may_manage_allocations(user):
            items.append(("Dashboard", reverse("reporting:dashboard"), ()))
            items.append(("Children", reverse("children:list"), ()))
            items.append(("Reviews due", reverse("reviews:due"), ()))
            items.append(("Escalations", reverse("escalations:list"), ()))
            items.append(("Oversight", reverse("oversight:worklist"), ()))
        if user.role == Role.BUSINESS_SUPPORT:
            items.append(("Children", reverse("children:list"), ()))
            items.append(("Reviews due", reverse("reviews:due"), ()))
        if may_read_published_reports(user):
            items.append(("Annual reports", reverse("reporting:annual_reports"), ()))
        tools = service_tools(user)
        if tools:
            items.append(("Manage the service", reverse("manage_service"), [url for _, url, _ in tools]))
    path = request.path if request is not None else ""
    return {
        "service_name": settings.SERVICE_NAME,
        "account_url": reverse("account") if signed_in else None,
        "account_current": signed_in and path.startswith(reverse("account")),
        "may_enter_child_data": signed_in and may_enter_child_data(user),
        "navigation_items": [
            {
                "label": label,
                "url": url,
                "current": any(path.startswith(prefix) and prefix != "/" for prefix in (url, *within)),
            }
            for label, url, within in items
        ],
    }
