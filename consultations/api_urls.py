from rest_framework.routers import SimpleRouter

from .api import ConsultationInvitationViewSet

router = SimpleRouter()
router.register("consultation-invitations", ConsultationInvitationViewSet, basename="api-consultation-invitation")

urlpatterns = router.urls
