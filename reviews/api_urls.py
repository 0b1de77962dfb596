from rest_framework.routers import SimpleRouter

from . import api, conference_api, document_api

router = SimpleRouter()
router.register("reviews", api.ReviewViewSet, basename="api-review")
router.register("review-actions", api.ReviewActionViewSet, basename="api-review-action")
router.register("conferences", conference_api.ConferenceViewSet, basename="api-conference")
router.register("review-documents", document_api.ReviewDocumentViewSet, basename="api-review-document")

urlpatterns = router.urls
