from django.urls import path

from . import views

app_name = "ssda903"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportRunView.as_view(), name="import_run"),
    path("import/<int:pk>/status/", views.ImportRunStatusView.as_view(), name="import_status"),
    path("import/<int:pk>/import/", views.ImportCheckedFilesView.as_view(), name="import_checked"),
    path("import/<int:pk>/errors.csv", views.ImportErrorsCsvView.as_view(), name="import_errors_csv"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("to-allocate/", views.ToAllocateView.as_view(), name="to_allocate"),
]
