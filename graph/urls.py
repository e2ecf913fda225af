"""Pages of the lineage side. The catalog (``/datasets/``) is governance's: it lists datasets
with their classification."""

from django.urls import path

from .views import ingestion as views_ingestion
from .views import lineage as views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.catalog_search, name="catalog_search"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset_detail"),
    path("lineage/", views.lineage_detail, name="lineage_detail"),
    path("ingestion/", views_ingestion.ingestion_run_list, name="ingestion_run_list"),
    path(
        "ingestion/runs/<int:pk>/",
        views_ingestion.ingestion_run_detail,
        name="ingestion_run_detail",
    ),
    path(
        "ingestion/openlineage/",
        views_ingestion.openlineage_producer_list,
        name="openlineage_producer_list",
    ),
    path("ingestion/backfills/<int:pk>/", views_ingestion.backfill_detail, name="backfill_detail"),
    path(
        "ingestion/backfills/<int:pk>/windows",
        views_ingestion.backfill_windows,
        name="backfill_windows",
    ),
    path(
        "ingestion/backfills/<int:pk>/retry", views_ingestion.backfill_retry, name="backfill_retry"
    ),
    path(
        "ingestion/sources/<int:pk>/backfill",
        views_ingestion.source_backfill_start,
        name="source_backfill_start",
    ),
    path(
        "ingestion/sources/<int:pk>/sync",
        views_ingestion.source_sync_start,
        name="source_sync_start",
    ),
]
