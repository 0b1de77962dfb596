from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.AuditLogView.as_view(), name="list"),
    path("export.csv", views.AuditLogExportView.as_view(), name="export"),
]
