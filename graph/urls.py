"""Pages of the lineage side."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.catalog_search, name="catalog_search"),
    path("datasets/", views.dataset_list, name="dataset_list"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset_detail"),
    path("lineage/", views.lineage_detail, name="lineage_detail"),
    path("ingestion/", views.ingestion_run_list, name="ingestion_run_list"),
    path("ingestion/runs/<int:pk>/", views.ingestion_run_detail, name="ingestion_run_detail"),
]
