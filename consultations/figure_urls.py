from django.urls import path

from . import figure_views

app_name = "consultations"

urlpatterns = [
    path("links/", figure_views.ConsultationLinksView.as_view(), name="links"),
]
