"""Top-level routes: pages, the REST API, the OpenAPI schema, login and health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from graph import openlineage_api


@login_not_required
def healthz(request):
    """Liveness for load balancers and compose health checks; says nothing sensitive."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The schema is public (clients are generated from it); its browsable UI is not.
    path(
        "api/docs/",
        # The split view serves its start-up script as a file: no inline script for the CSP.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", permission_classes=[IsAuthenticated]
        ),
        name="api-docs",
    ),
    path("api/v1/lineage", openlineage_api.LineageEventView.as_view(), name="openlineage-events"),
    path("api/v1/exposure/", include("governance.exposure.api_urls")),
    path("api/v1/", include("graph.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("", include("governance.urls")),
    path("", include("graph.urls")),
]
