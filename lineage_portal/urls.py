"""Top-level routes: pages, the REST API, the OpenAPI schema, login and health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

from graph import openlineage_api


@login_not_required  # as Django's own admin login: anonymous requests reach it (throttled)
def admin_login(request):
    """The Django admin's login, except for people already signed in without admin rights.

    They followed an Admin link: tell them it is not for their role instead of asking them
    to sign in again as someone else.
    """
    if request.user.is_authenticated and not request.user.is_staff:
        reason = (
            "The Django admin is for the portal's administrators. Compliance admins manage "
            "masking policies and stewards on the portal's own Admin page."
        )
        return render(request, "governance/denied.html", {"reason": reason}, status=403)
    return admin.site.login(request)


@login_not_required
def healthz(request):
    """Liveness for load balancers and compose health checks; says nothing sensitive."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("admin/login/", admin_login, name="admin_login"),
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
    path(
        "api/v1/lineage/events/<int:pk>",
        openlineage_api.LineageEventDetailView.as_view(),
        name="openlineage-event",
    ),
    path("api/v1/exposure/", include("governance.exposure.api_urls")),
    path("api/v1/", include("graph.api_urls")),
    path("api/v1/", include("governance.api_urls")),
    path("", include("governance.urls")),
    path("", include("governance.alerts.urls")),
    path("", include("governance.reports.urls")),
    path("", include("graph.urls")),
]
