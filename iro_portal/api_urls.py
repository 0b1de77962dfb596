"""/api/v1/: each app's endpoints, the OpenAPI description and its documentation pages
(Swagger UI and ReDoc served from this server, never a CDN)."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

# ReDoc's search runs in a Web Worker that ReDoc creates from a blob: URL, and while it loads (before
# it knows the page's nonce) ReDoc adds one <style> element, first empty, then with perfect-scrollbar's
# stylesheet: the hashes of those two contents (drf-spectacular-sidecar's ReDoc; the browser test
# tests/browser/test_content_security_policy.py reports a violation if an upgrade changes them).
REDOC_POLICY = {
    "worker-src": [SELF, "blob:"],
    "style-src": [
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    ],
}
redoc_view = csp_update(REDOC_POLICY)(SpectacularRedocView.as_view(url_name="api-schema"))

urlpatterns = [
    path("", include("caseloads.api_urls")),
    path("", include("children.api_urls")),
    path("", include("outcomes.health_api_urls")),
    path("", include("outcomes.missing_api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("oversight.api_urls")),
    path("", include("escalations.api_urls")),
    path("", include("consultations.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("reporting.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", redoc_view, name="api-redoc"),
]
