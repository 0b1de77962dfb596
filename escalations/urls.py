from django.urls import path

from . import views

app_name = "escalations"

urlpatterns = [
    path("", views.EscalationListView.as_view(), name="list"),
    path("child/<int:pk>/raise/", views.RaiseEscalationView.as_view(), name="raise"),
    path("<int:pk>/", views.EscalationDetailView.as_view(), name="detail"),
    path("<int:pk>/escalate/", views.EscalateView.as_view(), name="escalate"),
    path("<int:pk>/response/", views.RecordResponseView.as_view(), name="respond"),
    path("<int:pk>/resolve/", views.ResolveView.as_view(), name="resolve"),
    path("<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/reopen/", views.ReopenView.as_view(), name="reopen"),
]
