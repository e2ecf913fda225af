"""Governance pages. Names are global (no namespace): ``base.html`` shows "Reviews" in the
top bar once a route named ``reviews`` exists."""

from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("exposure/", include("governance.exposure.urls")),
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/<int:pk>/attest/", views.review_attest, name="governance_review_attest"),
    # The one catalog: every dataset or column with its governance (the top bar's "Catalog").
    path("datasets/", views.catalog, name="dataset_list"),
    path(
        "governance/catalog/",
        RedirectView.as_view(pattern_name="dataset_list", query_string=True),
        name="governance_catalog",
    ),
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
    path(
        "governance/conflicts/<int:pk>/resolve/",
        views.conflict_resolve,
        name="governance_conflict_resolve",
    ),
    path("governance/gaps/", views.steward_gaps, name="governance_gaps"),
    path("governance/admin/", views.portal_admin, name="portal_admin"),
    path("governance/admin/policies/new/", views.policy_edit, name="governance_policy_new"),
    path("governance/admin/policies/<int:pk>/", views.policy_edit, name="governance_policy_edit"),
    path("governance/admin/stewards/new/", views.steward_edit, name="governance_steward_new"),
    path("governance/admin/stewards/<int:pk>/", views.steward_edit, name="governance_steward_edit"),
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
