"""The governance REST API: reads for anyone signed in, writes through the services.

Permissions come from ``governance.permissions``: ``GovernancePermission`` on every view
(reads ``can_view``; a write to an asset ``can_edit_asset``, checked on the asset's
governance row), ``CanAdminister`` on the registries' writes. The services' errors
(``ValidationError``, ``PermissionDenied``, ``StaleAssetError``) become HTTP answers in
the API's one exception handler, ``lineage_portal.api_errors``.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from graph.models import Column, Dataset
from lineage_portal.access import acting_user

from . import selectors, services
from .audit_checkpoints import audit_checkpoint_latest
from .audit_runs import VerificationStatus, audit_verification_status
from .filters import (
    AuditEventFilterSet,
    CatalogSearchFilterSet,
    ColumnCatalogSearchFilterSet,
    MaskingPolicyFilterSet,
    RegulatoryTagFilterSet,
    ReviewFilterSet,
    StewardFilterSet,
)
from .models import AssetGovernance, AuditEvent, MaskingPolicy, RegulatoryTag, Review, Steward
from .permissions import CanAdminister, GovernancePermission, can_oversee_reviews
from .serializers import (
    AssetGovernanceSerializer,
    AssetGovernanceUpdateSerializer,
    AuditEventSerializer,
    ChainReportSerializer,
    ClassificationLevelSerializer,
    ColumnGovernanceSerializer,
    DatasetGovernanceSerializer,
    MaskingPolicySerializer,
    RegulatoryTagSerializer,
    ReviewAttestSerializer,
    ReviewSerializer,
    StewardSerializer,
    classification_levels,
)


class GovernanceViewSet(viewsets.GenericViewSet):
    permission_classes = [GovernancePermission]
    filter_backends = [DjangoFilterBackend]
    # Catalog and registry ids are numbers: anything else is a 404 from the router.
    lookup_value_converter = "int"


STALE = OpenApiResponse(description="Changed since expected_version: nothing was saved")


class _AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GovernanceViewSet):
    """Datasets or columns with their governance; PATCH changes one asset's governance."""

    http_method_names = ["get", "patch", "head", "options"]

    def asset_of(self, item: Any) -> AssetGovernance:
        """The governance row of a catalog row of this viewset (a dataset or a column)."""
        raise NotImplementedError

    def partial_update(self, request: Request, pk: int) -> Response:
        # The permission is judged on the governance row, not on the catalog row.
        item = get_object_or_404(self.get_queryset(), pk=pk)
        asset = self.asset_of(item)
        self.check_object_permissions(request, asset)
        update = AssetGovernanceUpdateSerializer(data=request.data)
        update.is_valid(raise_exception=True)
        services.asset_update(
            actor=acting_user(request),
            asset=asset,
            changes=update.changes(),
            expected_version=update.validated_data.get("expected_version"),
            reason=update.validated_data.get("reason", ""),
        )
        fresh = self.filter_queryset(self.get_queryset()).get(pk=pk)
        return Response(self.get_serializer(fresh).data)


class DatasetGovernanceViewSet(_AssetViewSet):
    """Catalog datasets with their governance, searchable like the governance catalog."""

    queryset = Dataset.objects.all()
    serializer_class = DatasetGovernanceSerializer
    filterset_class = CatalogSearchFilterSet

    def asset_of(self, item: Dataset) -> AssetGovernance:
        return services.asset_governance_of(dataset=item)

    @extend_schema(
        request=AssetGovernanceUpdateSerializer,
        responses={200: DatasetGovernanceSerializer, 409: STALE},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        return super().partial_update(request, pk)


class ColumnGovernanceViewSet(_AssetViewSet):
    """Catalog columns with their own governance; ``?dataset=<id>`` lists one table's."""

    queryset = Column.objects.all()
    serializer_class = ColumnGovernanceSerializer
    filterset_class = ColumnCatalogSearchFilterSet

    def asset_of(self, item: Column) -> AssetGovernance:
        return services.asset_governance_of(column=item)

    @extend_schema(
        request=AssetGovernanceUpdateSerializer,
        responses={200: ColumnGovernanceSerializer, 409: STALE},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        return super().partial_update(request, pk)


class ClassificationLevelList(APIView):
    """The classification levels, strongest first (no level means unclassified)."""

    permission_classes = [GovernancePermission]

    @extend_schema(responses=ClassificationLevelSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(ClassificationLevelSerializer(classification_levels(), many=True).data)


class _RegistryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GovernanceViewSet,
):
    """A registry kept by compliance admins: read by all, created and changed by admins."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return [GovernancePermission(), CanAdminister()]
        return super().get_permissions()

    def create_with(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_with(self, instance: Any, changes: dict[str, Any]) -> Any:
        raise NotImplementedError

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.create_with(serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer[Any]) -> None:
        serializer.instance = self.update_with(serializer.instance, serializer.validated_data)


class RegulatoryTagViewSet(_RegistryViewSet):
    """Regulatory tags (gdpr, pii, sox…); built-in slugs cannot change."""

    queryset = RegulatoryTag.objects.all()
    serializer_class = RegulatoryTagSerializer
    filterset_class = RegulatoryTagFilterSet
    lookup_field = "slug"
    lookup_value_converter = "slug"

    def create_with(self, data: dict[str, Any]) -> RegulatoryTag:
        return services.regulatory_tag_create(actor=acting_user(self.request), **data)

    def update_with(self, tag: RegulatoryTag, changes: dict[str, Any]) -> RegulatoryTag:
        return services.regulatory_tag_update(
            actor=acting_user(self.request), tag=tag, changes=changes
        )


class StewardViewSet(_RegistryViewSet):
    """People and teams accountable for assets; deactivated (``active: false``), never deleted."""

    queryset = Steward.objects.all()
    serializer_class = StewardSerializer
    filterset_class = StewardFilterSet

    def create_with(self, data: dict[str, Any]) -> Steward:
        return services.steward_create(actor=acting_user(self.request), **data)

    def update_with(self, steward: Steward, changes: dict[str, Any]) -> Steward:
        return services.steward_update(
            actor=acting_user(self.request), steward=steward, changes=changes
        )


class MaskingPolicyViewSet(_RegistryViewSet):
    """Warehouse masking policies that protect assets' values."""

    queryset = MaskingPolicy.objects.all()
    serializer_class = MaskingPolicySerializer
    filterset_class = MaskingPolicyFilterSet

    def create_with(self, data: dict[str, Any]) -> MaskingPolicy:
        return services.masking_policy_create(actor=acting_user(self.request), **data)

    def update_with(self, policy: MaskingPolicy, changes: dict[str, Any]) -> MaskingPolicy:
        return services.masking_policy_update(
            actor=acting_user(self.request), policy=policy, changes=changes
        )


class ReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, GovernanceViewSet
):
    """Attestations; POST attests an asset (its steward or a compliance admin)."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet

    @extend_schema(request=ReviewAttestSerializer, responses={201: ReviewSerializer})
    def create(self, request: Request) -> Response:
        attest = ReviewAttestSerializer(data=request.data)
        attest.is_valid(raise_exception=True)
        asset = selectors.asset_governance_get(key=attest.validated_data["asset"])
        if asset is None:
            raise serializers.ValidationError(
                {"asset": [f"No governed asset has the key {attest.validated_data['asset']!r}."]}
            )
        self.check_object_permissions(request, asset)
        review = services.review_attest(
            actor=acting_user(request),
            asset=asset,
            outcome=attest.validated_data["outcome"],
            comment=attest.validated_data.get("comment", ""),
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        filters=False,
        responses=AssetGovernanceSerializer(many=True),
        description="Assets whose review is overdue or due within 14 days: your own, or "
        "everyone's for auditors and compliance admins. Overdue first.",
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def due(self, request: Request) -> Response:
        assets = selectors.review_due_list(
            user=request.user, everyone=can_oversee_reviews(request.user)
        )
        page = self.paginate_queryset(assets)
        return self.get_paginated_response(AssetGovernanceSerializer(page, many=True).data)


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, GovernanceViewSet):
    """The append-only audit trail, newest first."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    lookup_field = "seq"


class AuditTrailVerify(APIView):
    """The last stored verification of the audit chain (it runs on a schedule) and its anchor
    (its own route: the router would name it ``…-audit-event-verify``, and clients know it
    as ``api-governance-audit-verify``)."""

    permission_classes = [GovernancePermission]

    @extend_schema(
        operation_id="v1_governance_audit_events_verify_retrieve", responses=ChainReportSerializer
    )
    def get(self, request: Request) -> Response:
        """The last verification's result and when it ran; the chain is not recomputed here."""
        verification = audit_verification_status()
        latest, checkpoint = verification.latest, audit_checkpoint_latest()
        return Response(
            ChainReportSerializer(
                {
                    "intact": bool(latest and latest.intact and verification.trusted),
                    "verified": latest.events_checked if latest else 0,
                    "bad_seq": latest.bad_seq if latest else None,
                    "problem": _verification_problem(verification),
                    "kind": latest.kind if latest else "unverified",
                    "scope": latest.scope if latest else None,
                    "ran_at": latest.ran_at if latest else None,
                    "checkpoint": checkpoint.as_dict() if checkpoint else None,
                }
            ).data
        )


def _verification_problem(verification: VerificationStatus) -> str:
    if verification.latest is None:
        return "not verified yet"
    if not verification.trusted:
        return "the stored verification result was not written by the portal"
    return verification.latest.problem
