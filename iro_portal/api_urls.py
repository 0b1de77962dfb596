"""/api/v1/: each app's endpoints, the OpenAPI description and its documentation pages
(Swagger UI and ReDoc served from this server, never a CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", include("children.api_urls")),
    path("", include("reviews.api_urls")),
    path("", include("oversight.api_urls")),
    path("", include("escalations.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("reporting.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
