from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("reviews", api.ReviewViewSet, basename="api-review")
router.register("review-actions", api.ReviewActionViewSet, basename="api-review-action")

urlpatterns = router.urls
