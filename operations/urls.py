from django.urls import re_path

from . import views

app_name = "operations"

urlpatterns = [
    re_path(r"^healthz/?$", views.healthz, name="healthz"),
]
