"""REST API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("datasets/", api.DatasetList.as_view(), name="api-dataset-list"),
    path("datasets/<int:pk>/", api.DatasetDetail.as_view(), name="api-dataset-detail"),
    path("lineage/", api.LineageGraph.as_view(), name="api-lineage"),
    path(
        "backfills/<int:pk>/progress",
        api.BackfillProgressView.as_view(),
        name="api-backfill-progress",
    ),
]
