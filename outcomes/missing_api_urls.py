"""/api/v1/ endpoints for missing episodes, adoption decisions, adoptions and previous permanence
(outcomes.missing_api)."""

from rest_framework.routers import SimpleRouter

from . import missing_api as api

router = SimpleRouter()
router.register("missing-episodes", api.MissingEpisodeViewSet, basename="api-missing-episode")
router.register("adoption-decisions", api.AdoptionDecisionViewSet, basename="api-adoption-decision")
router.register("adoptions", api.AdoptionViewSet, basename="api-adoption")
router.register("previous-permanence", api.PreviousPermanenceViewSet, basename="api-previous-permanence")

urlpatterns = router.urls
