"""Governance REST routes under /api/v1/governance/ (the catalog's own are /api/v1/datasets/…)."""

from django.urls import path

from . import api

READ = {"get": "list"}
READ_CREATE = {"get": "list", "post": "create"}
ONE = {"get": "retrieve"}
ONE_PATCH = {"get": "retrieve", "patch": "partial_update"}

urlpatterns = [
    path(
        "governance/datasets/",
        api.DatasetGovernanceViewSet.as_view(READ),
        name="api-governance-dataset-list",
    ),
    path(
        "governance/datasets/<int:pk>/",
        api.DatasetGovernanceViewSet.as_view(ONE_PATCH),
        name="api-governance-dataset-detail",
    ),
    path(
        "governance/columns/",
        api.ColumnGovernanceViewSet.as_view(READ),
        name="api-governance-column-list",
    ),
    path(
        "governance/columns/<int:pk>/",
        api.ColumnGovernanceViewSet.as_view(ONE_PATCH),
        name="api-governance-column-detail",
    ),
    path(
        "governance/classifications/",
        api.ClassificationLevelList.as_view(),
        name="api-governance-classification-list",
    ),
    path(
        "governance/tags/",
        api.RegulatoryTagViewSet.as_view(READ_CREATE),
        name="api-governance-tag-list",
    ),
    path(
        "governance/tags/<slug:slug>/",
        api.RegulatoryTagViewSet.as_view(ONE_PATCH),
        name="api-governance-tag-detail",
    ),
    path(
        "governance/stewards/",
        api.StewardViewSet.as_view(READ_CREATE),
        name="api-governance-steward-list",
    ),
    path(
        "governance/stewards/<int:pk>/",
        api.StewardViewSet.as_view(ONE_PATCH),
        name="api-governance-steward-detail",
    ),
    path(
        "governance/masking-policies/",
        api.MaskingPolicyViewSet.as_view(READ_CREATE),
        name="api-governance-masking-policy-list",
    ),
    path(
        "governance/masking-policies/<int:pk>/",
        api.MaskingPolicyViewSet.as_view(ONE_PATCH),
        name="api-governance-masking-policy-detail",
    ),
    path(
        "governance/reviews/",
        api.ReviewViewSet.as_view(READ_CREATE),
        name="api-governance-review-list",
    ),
    path(
        "governance/reviews/due/",
        api.ReviewViewSet.as_view({"get": "due"}),
        name="api-governance-review-due",
    ),
    path(
        "governance/reviews/<int:pk>/",
        api.ReviewViewSet.as_view(ONE),
        name="api-governance-review-detail",
    ),
    path(
        "governance/audit-events/",
        api.AuditEventViewSet.as_view(READ),
        name="api-governance-audit-event-list",
    ),
    path(
        "governance/audit-events/verify/",
        api.AuditEventViewSet.as_view({"get": "verify"}),
        name="api-governance-audit-verify",
    ),
    path(
        "governance/audit-events/<int:seq>/",
        api.AuditEventViewSet.as_view(ONE),
        name="api-governance-audit-event-detail",
    ),
]
