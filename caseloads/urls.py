from django.urls import path

from . import views

app_name = "children"

urlpatterns = [
    path("", views.ChildrenListView.as_view(), name="list"),
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("<int:pk>/", views.ChildDetailView.as_view(), name="detail"),
    path("<int:pk>/allocate/", views.AllocateView.as_view(), name="allocate"),
    path("<int:pk>/motherhood/", views.MotherhoodView.as_view(), name="motherhood"),
]
