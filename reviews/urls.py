"""The reviews app's pages, named in the "reviews" namespace by caseloads.review_urls, which
adds the held reviews list."""

from django.urls import path

from . import conference_urls, document_urls, views

urlpatterns = [
    path("", views.DueReviewsView.as_view(), name="due"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/book/", views.BookReviewView.as_view(), name="book"),
    path("<int:pk>/record/", views.RecordReviewView.as_view(), name="record"),
    path("<int:pk>/edit/", views.EditReviewView.as_view(), name="edit"),
    path("actions/<int:pk>/", views.ActionView.as_view(), name="action"),
    path("actions/<int:pk>/done/", views.CompleteActionView.as_view(), name="action_done"),
    path("actions/<int:pk>/new-date/", views.ChangeActionDateView.as_view(), name="action_new_date"),
    *conference_urls.urlpatterns,
    *document_urls.urlpatterns,
]
