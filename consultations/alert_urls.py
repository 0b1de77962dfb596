"""Safety alert pages, joined under /consultations/alerts/ in the "consultations" namespace."""

from django.urls import path

from . import alert_views as views

urlpatterns = [
    path("", views.OpenAlertsView.as_view(), name="alerts"),
    path("<int:pk>/", views.AlertDetailView.as_view(), name="alert"),
    path("<int:pk>/respond/", views.RespondView.as_view(), name="alert_respond"),
    path("<int:pk>/rate-red/", views.RateRedView.as_view(), name="alert_rate_red"),
    path("watched-words/", views.WatchedWordsView.as_view(), name="watched_words"),
    path("watched-words/<int:pk>/remove/", views.RemoveWatchedWordView.as_view(), name="watched_word_remove"),
]
