from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("children/", include("caseloads.urls")),
    path("children/", include("outcomes.health_urls")),
    path("children/", include("outcomes.missing_urls")),
    path("reviews/", include("caseloads.review_urls")),
    path("oversight/", include("oversight.urls")),
    path("escalations/", include("escalations.urls")),
    path("consultations/", include("consultations.urls")),
    path("have-your-say/", include("consultations.public_urls")),
    path("reminders/", include("notifications.urls")),
    path("", include("reporting.urls")),
    path("returns/903/", include("ssda903.urls")),
    path("staffing/", include("staffing.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/", include("iro_portal.api_urls")),
    path("admin/", admin.site.urls),
    path("", include("operations.urls")),
]
