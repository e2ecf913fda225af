"""``/api/v1/exposure/``: findings and traced paths."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ExposurePathsView, FindingViewSet

router = SimpleRouter(trailing_slash=False)
router.register("findings", FindingViewSet, basename="exposure-finding")

urlpatterns = [
    path("paths", ExposurePathsView.as_view(), name="exposure-paths"),
    *router.urls,
]
