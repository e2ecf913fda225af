"""Governance pages. Names are global (no namespace): ``base.html`` shows "Reviews" in the
top bar once a route named ``reviews`` exists."""

from django.urls import path

from . import views

urlpatterns = [
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/<int:pk>/attest/", views.review_attest, name="governance_review_attest"),
    path("governance/catalog/", views.catalog, name="governance_catalog"),
    path("governance/catalog/bulk/", views.catalog_bulk, name="governance_bulk"),
    path("governance/datasets/<int:pk>/", views.dataset_governance, name="governance_dataset"),
    path(
        "governance/datasets/<int:pk>/panel/",
        views.dataset_panel,
        name="governance_dataset_panel",
    ),
    path("governance/datasets/<int:pk>/edit/", views.dataset_edit, name="governance_dataset_edit"),
    path("governance/columns/<int:pk>/edit/", views.column_edit, name="governance_column_edit"),
    path(
        "governance/suggestions/<int:pk>/accept/",
        views.suggestion_accept,
        name="governance_suggestion_accept",
    ),
    path(
        "governance/suggestions/<int:pk>/reject/",
        views.suggestion_reject,
        name="governance_suggestion_reject",
    ),
    path("governance/gaps/", views.steward_gaps, name="governance_gaps"),
    path("governance/audit/", views.audit_trail, name="governance_audit"),
    path("governance/audit/verify/", views.audit_verify, name="governance_audit_verify"),
    path("governance/csv/", views.csv_page, name="governance_csv"),
    path("governance/csv/export/", views.csv_export, name="governance_export"),
    path("governance/csv/preview/", views.csv_preview, name="governance_import"),
    path(
        "governance/csv/imports/<int:pk>/", views.csv_import_detail, name="governance_import_detail"
    ),
    path(
        "governance/csv/imports/<int:pk>/progress",
        views.csv_import_progress,
        name="governance_import_progress",
    ),
    path("governance/csv/imports/<int:pk>/apply/", views.csv_apply, name="governance_import_apply"),
]
