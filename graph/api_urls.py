"""REST API routes under /api/v1/."""
from django.urls import path

from . import api

urlpatterns = [
    path("datasets/", api.DatasetList.as_view(), name="api-dataset-list"),
]
