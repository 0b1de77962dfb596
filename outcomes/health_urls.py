"""/children/ pages recording a child's health (OC2) and a care leaver's status (OC3), under the
namespace "health"."""

from django.urls import path

from . import health_views as views

app_name = "health"

urlpatterns = [
    path("<int:pk>/health/<int:year>/record/", views.RecordHealthView.as_view(), name="record_health"),
    path("health-records/<int:pk>/change/", views.ChangeHealthView.as_view(), name="change_health"),
    path("health-records/<int:pk>/delete/", views.DeleteHealthView.as_view(), name="delete_health"),
    path("<int:pk>/leaving-care/<int:year>/record/", views.RecordCareLeaverView.as_view(), name="record_care_leaver"),
    path("care-leaver-records/<int:pk>/change/", views.ChangeCareLeaverView.as_view(), name="change_care_leaver"),
    path("care-leaver-records/<int:pk>/delete/", views.DeleteCareLeaverView.as_view(), name="delete_care_leaver"),
]
