"""Every /children/ page, under the one namespace "children": the pages that show children
(caseloads.views) and those that change a child's record (children.views)."""

from django.urls import path

from children import views as children_views

from . import views

app_name = "children"

urlpatterns = [
    path("", views.ChildrenListView.as_view(), name="list"),
    path("caseload/", views.CaseloadView.as_view(), name="caseload"),
    path("<int:pk>/", views.ChildDetailView.as_view(), name="detail"),
    path("<int:pk>/allocate/", children_views.AllocateView.as_view(), name="allocate"),
    path("<int:pk>/motherhood/", children_views.MotherhoodView.as_view(), name="motherhood"),
]
