"""The conference record's pages, joined to reviews.urls (the "reviews" namespace)."""

from django.urls import path

from . import conference_views as views

urlpatterns = [
    path("<int:pk>/conference/", views.ConferenceRecordView.as_view(), name="conference"),
    path("<int:pk>/conference/attendance/", views.AttendanceView.as_view(), name="conference_attendance"),
    path("<int:pk>/conference/parents/", views.ParentsView.as_view(), name="conference_parents"),
    path("<int:pk>/conference/plan/", views.PlanSectionView.as_view(), name="conference_plan"),
    path("<int:pk>/conference/core-group/", views.CoreGroupView.as_view(), name="conference_core_group"),
    path("<int:pk>/conference/held/", views.ConferenceHeldView.as_view(), name="conference_held"),
    path(
        "<int:pk>/conference/first-core-group/", views.FirstCoreGroupView.as_view(), name="conference_first_core_group"
    ),
]
