"""/children/ pages recording missing and away episodes, adoption decisions, adoptions and
previous permanence (outcomes.missing_views), in the namespace "missing"."""

from django.urls import path

from . import missing_views as views

app_name = "missing"

urlpatterns = [
    path("<int:pk>/missing/add/", views.RecordMissingView.as_view(), name="add_episode"),
    path("missing/<int:pk>/change/", views.ChangeMissingView.as_view(), name="change_episode"),
    path("missing/<int:pk>/came-back/", views.CameBackView.as_view(), name="came_back"),
    path("missing/<int:pk>/delete/", views.DeleteMissingView.as_view(), name="delete_episode"),
    path("<int:pk>/adoption-decisions/add/", views.RecordDecisionView.as_view(), name="add_decision"),
    path("adoption-decisions/<int:pk>/reverse/", views.ReverseDecisionView.as_view(), name="reverse_decision"),
    path("adoption-decisions/<int:pk>/delete/", views.DeleteDecisionView.as_view(), name="delete_decision"),
    path("<int:pk>/adoption/add/", views.RecordAdoptionView.as_view(), name="add_adoption"),
    path("adoptions/<int:pk>/change/", views.ChangeAdoptionView.as_view(), name="change_adoption"),
    path("adoptions/<int:pk>/delete/", views.DeleteAdoptionView.as_view(), name="delete_adoption"),
    path("<int:pk>/previous-permanence/", views.PreviousPermanenceView.as_view(), name="previous_permanence"),
]
