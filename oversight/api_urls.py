from rest_framework.routers import SimpleRouter

from .api import OversightRecordViewSet

router = SimpleRouter()
router.register("oversight-records", OversightRecordViewSet, basename="api-oversight-record")

urlpatterns = router.urls
