"""/api/v1/ endpoints of the caseloads app (caseloads/api.py)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("children", api.ChildViewSet, basename="api-child")

urlpatterns = router.urls
