"""/api/v1/ endpoints for children's health (OC2) and care leaver (OC3) records (outcomes/health_api.py)."""

from rest_framework.routers import SimpleRouter

from . import health_api

router = SimpleRouter()
router.register("health-records", health_api.HealthRecordViewSet, basename="api-health-record")
router.register("care-leaver-records", health_api.CareLeaverRecordViewSet, basename="api-care-leaver-record")

urlpatterns = router.urls
