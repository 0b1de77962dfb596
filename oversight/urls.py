from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.WorklistView.as_view(), name="worklist"),
    path("child/<int:pk>/record/", views.RecordOversightView.as_view(), name="record"),
    path("child/<int:pk>/in-contact/", views.InContactPlanView.as_view(), name="in_contact"),
    path("review/<int:pk>/rate/", views.RateReviewView.as_view(), name="rate"),
]
