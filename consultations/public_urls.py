from django.urls import path

from . import public_views

app_name = "have_your_say"

urlpatterns = [
    path("", public_views.start, name="start"),
    path("<str:code>/", public_views.consultation_form, name="form"),
]
