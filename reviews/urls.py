"""The reviews app's pages, named in the "reviews" namespace by caseloads.review_urls, which
adds the held reviews list."""

from django.urls import path

from . import conference_urls, record_views, views

urlpatterns = [
    path("", views.DueReviewsView.as_view(), name="due"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="detail"),
    path("<int:pk>/book/", views.BookReviewView.as_view(), name="book"),
    path("<int:pk>/record/", views.RecordReviewView.as_view(), name="record"),
    path("<int:pk>/edit/", views.EditReviewView.as_view(), name="edit"),
    path("<int:pk>/record/lac/", record_views.TaskListView.as_view(), name="record_tasks"),
    path("<int:pk>/record/lac/meeting/", record_views.MeetingView.as_view(), name="record_meeting"),
    path("<int:pk>/record/lac/attendance/", record_views.AttendanceView.as_view(), name="record_attendance"),
    path("<int:pk>/record/lac/views/", record_views.ViewsView.as_view(), name="record_views"),
    path("<int:pk>/record/lac/checks/", record_views.ChecksView.as_view(), name="record_checks"),
    path("<int:pk>/record/lac/decisions/", record_views.DecisionsView.as_view(), name="record_decisions"),
    path("<int:pk>/record/lac/participation/", record_views.ParticipationView.as_view(), name="record_participation"),
    path("<int:pk>/record/lac/check/", record_views.CheckAnswersView.as_view(), name="record_check"),
    path("actions/<int:pk>/", views.ActionView.as_view(), name="action"),
    path("actions/<int:pk>/done/", views.CompleteActionView.as_view(), name="action_done"),
    path("actions/<int:pk>/new-date/", views.ChangeActionDateView.as_view(), name="action_new_date"),
    *conference_urls.urlpatterns,
]
