from django.urls import path

from . import views

app_name = "staffing"

urlpatterns = [
    path("", views.StaffListView.as_view(), name="list"),
    path("<int:pk>/", views.IroStaffingView.as_view(), name="iro"),
    path("<int:pk>/change/", views.RecordChangeView.as_view(), name="change"),
    path("<int:pk>/left/", views.RecordLeavingView.as_view(), name="left"),
]
