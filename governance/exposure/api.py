"""The exposure REST API: findings (list, one, acknowledge, resolve) and traced paths.

``GET /api/v1/exposure/paths`` is design.md's ``traceExposurePaths(target, maxDepth)``:
400 naming the parameter for a depth outside 1..20 or a bad date, 404 for an unknown
target. Reads are for anyone signed in; decisions for the exposed asset's steward or a
compliance admin (``services.can_decide``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from graph.store import get_store
from graph.store.base import MAX_DEPTH
from lineage_portal.access import acting_user

from ..models import Finding
from . import services
from .filters import FindingFilterSet
from .selectors import finding_list
from .serializers import (
    AcknowledgeSerializer,
    ExposurePathsSerializer,
    FindingSerializer,
    ResolveSerializer,
)
from .trace import AmbiguousTarget, UnknownTarget, exposure_paths_trace, target_resolve


@extend_schema(tags=["exposure"])
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Findings of the exposure analysis, unresolved and gravest first."""

    serializer_class = FindingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FindingFilterSet
    queryset = Finding.objects.none()  # for the schema; get_queryset reads

    def get_queryset(self):
        return finding_list().select_related("acknowledged_by")

    @extend_schema(request=AcknowledgeSerializer, responses={200: FindingSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Accept an open finding for now, with a reason and an expiry (default 90 days)."""
        finding = get_object_or_404(Finding, pk=pk)
        body = AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.finding_acknowledge(
            actor=acting_user(request),
            finding=finding,
            reason=body.validated_data["reason"],
            expires=body.validated_data.get("expires"),
        )
        return Response(FindingSerializer(done).data)

    @extend_schema(request=ResolveSerializer, responses={200: FindingSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Mark a finding resolved; the next scan re-opens it if the exposure still holds."""
        finding = get_object_or_404(Finding, pk=pk)
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.finding_resolve(
            actor=acting_user(request),
            finding=finding,
            reason=body.validated_data["reason"],
        )
        return Response(FindingSerializer(done).data)


def _depth(raw: str | None) -> int:
    try:
        depth = int(raw) if raw not in (None, "") else 5
    except ValueError:
        depth = 0
    if not 1 <= depth <= MAX_DEPTH:
        raise serializers.ValidationError(
            {"max_depth": f"must be a whole number from 1 to {MAX_DEPTH}, got {raw!r}"}
        )
    return depth


def _as_of(raw: str | None) -> tuple[date | None, datetime | None]:
    if not raw:
        return None, None
    try:
        day = date.fromisoformat(raw)
        return day, datetime.combine(day, time.max, tzinfo=UTC)
    except (ValueError, OverflowError):
        raise serializers.ValidationError(
            {"as_of": f"must be a date as YYYY-MM-DD, got {raw!r}"}
        ) from None


class ExposurePathsView(APIView):
    """Every path from a regulated source into one dataset (or one of its columns)."""

    @extend_schema(
        operation_id="exposure_paths",
        summary="Trace exposure paths into a dataset",
        parameters=[
            OpenApiParameter("target", str, required=True, description="Key or warehouse name"),
            OpenApiParameter("max_depth", int, description=f"1..{MAX_DEPTH}, default 5"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Lineage as on that day"),
            OpenApiParameter("column", str, description="Only paths into this column"),
        ],
        responses={
            200: ExposurePathsSerializer,
            400: OpenApiResponse(description="A parameter is invalid; the body names it"),
            404: OpenApiResponse(description="No dataset has that name"),
            503: OpenApiResponse(description="The graph store could not be reached"),
        },
        tags=["exposure"],
    )
    def get(self, request: Request) -> Response:
        name = (request.query_params.get("target") or "").strip()
        if not name:
            raise serializers.ValidationError({"target": "is required: a key or a warehouse name"})
        depth = _depth(request.query_params.get("max_depth"))
        day, as_of = _as_of(request.query_params.get("as_of"))
        column = (request.query_params.get("column") or "").strip() or None
        try:
            target = target_resolve(name)
        except UnknownTarget:
            raise NotFound(f"No dataset is named {name!r}.") from None
        except AmbiguousTarget as exc:
            raise serializers.ValidationError({"target": str(exc)}) from None
        # A StoreError becomes 503 with Retry-After in the shared exception handler.
        traced = exposure_paths_trace(
            store=get_store(), target=target, depth=depth, as_of=as_of, column=column
        )
        body = {
            "target": target.key,
            "max_depth": depth,
            "as_of": day.isoformat() if day else None,
            "paths": [t.as_json() for t in traced],
        }
        if column:
            body["column"] = column
        return Response(body)
