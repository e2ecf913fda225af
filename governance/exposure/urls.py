"""Exposure pages. ``base.html`` shows "Exposure" in the top bar once ``exposure`` exists."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.exposure_list, name="exposure"),
    path("findings/<int:pk>/", views.finding_detail, name="exposure_finding"),
    path(
        "findings/<int:pk>/acknowledge/",
        views.finding_acknowledge,
        name="exposure_finding_acknowledge",
    ),
    path("findings/<int:pk>/resolve/", views.finding_resolve, name="exposure_finding_resolve"),
    path("scan/", views.scan_start, name="exposure_scan"),
    path("scan/status", views.scan_status, name="exposure_scan_status"),
]
