"""Governance REST routes under /api/v1/governance/ (the catalog's own are /api/v1/datasets/…).

A DRF router draws the viewsets' list and detail routes, named ``<basename>-list`` and
``<basename>-detail``; the two plain views keep routes of their own.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("governance/datasets", api.DatasetGovernanceViewSet, "api-governance-dataset")
router.register("governance/columns", api.ColumnGovernanceViewSet, "api-governance-column")
router.register("governance/tags", api.RegulatoryTagViewSet, "api-governance-tag")
router.register("governance/stewards", api.StewardViewSet, "api-governance-steward")
router.register(
    "governance/masking-policies", api.MaskingPolicyViewSet, "api-governance-masking-policy"
)
router.register("governance/reviews", api.ReviewViewSet, "api-governance-review")
router.register("governance/audit-events", api.AuditEventViewSet, "api-governance-audit-event")

urlpatterns = [
    path(
        "governance/classifications/",
        api.ClassificationLevelList.as_view(),
        name="api-governance-classification-list",
    ),
    # Before the router's audit-event detail route, which would take "verify" for a seq.
    path(
        "governance/audit-events/verify/",
        api.AuditTrailVerify.as_view(),
        name="api-governance-audit-verify",
    ),
    *router.urls,
]
