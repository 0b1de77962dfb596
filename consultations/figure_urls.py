from django.urls import path

from . import figure_views

app_name = "consultations"

urlpatterns = [
    path("reviews/", figure_views.ConsultationReviewsView.as_view(), name="reviews"),
]
