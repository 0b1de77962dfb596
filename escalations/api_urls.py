from rest_framework.routers import SimpleRouter

from .api import EscalationStepViewSet, EscalationViewSet

router = SimpleRouter()
router.register("escalations", EscalationViewSet, basename="api-escalation")
router.register("escalation-steps", EscalationStepViewSet, basename="api-escalation-step")

urlpatterns = router.urls
