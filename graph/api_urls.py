"""REST API routes under /api/v1/: the catalog's datasets (a router), lineage, backfills."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("datasets", api.DatasetViewSet, "api-dataset")

urlpatterns = [
    *router.urls,
    path("lineage/", api.LineageGraph.as_view(), name="api-lineage"),
    path(
        "backfills/<int:pk>/progress",
        api.BackfillProgressView.as_view(),
        name="api-backfill-progress",
    ),
]
