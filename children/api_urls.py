"""/api/v1/ endpoints of the children app (children/api.py); /api/v1/children/ itself is caseloads'."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("care-episodes", api.CareEpisodeViewSet, basename="api-care-episode")
router.register("protection-plans", api.ProtectionPlanViewSet, basename="api-protection-plan")
router.register("strategy-discussions", api.StrategyDiscussionViewSet, basename="api-strategy-discussion")
router.register("allocations", api.AllocationViewSet, basename="api-allocation")

urlpatterns = router.urls
