"""Staff pages about consultations, under /consultations/."""

from django.urls import include, path

app_name = "consultations"

urlpatterns = [
    path("alerts/", include("consultations.alert_urls")),
]
