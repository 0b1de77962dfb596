from rest_framework.routers import SimpleRouter

from . import api, conference_api

router = SimpleRouter()
router.register("reviews", api.ReviewViewSet, basename="api-review")
router.register("review-actions", api.ReviewActionViewSet, basename="api-review-action")
router.register("conferences", conference_api.ConferenceViewSet, basename="api-conference")

urlpatterns = router.urls
