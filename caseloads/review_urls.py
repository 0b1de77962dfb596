"""Every /reviews/ page, under the one namespace "reviews": the reviews app's own (reviews.urls)
and the held reviews list, which filters on oversight and so is caseloads.views'."""

from django.urls import include, path

from reviews import urls as reviews_urls

from . import views

app_name = "reviews"

urlpatterns = [
    path("", include(reviews_urls.urlpatterns)),
    path("held/", views.HeldReviewsView.as_view(), name="held"),
]
