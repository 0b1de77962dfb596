from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import AnnualReportViewSet, DashboardView

router = SimpleRouter()
router.register("annual-reports", AnnualReportViewSet, basename="api-annual-report")

urlpatterns = [
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    *router.urls,
]
