"""JSON shapes of findings, decisions and traced paths (design.md's exposure contract)."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Finding


class FindingSerializer(serializers.ModelSerializer):
    """A finding with its evidence: paths hop by hop, readers and grants.

    ``source``/``target`` name datasets and ``source_column``/``target_column`` their
    columns, as the paths API does; ``source_asset``/``target_asset`` are the full keys.
    """

    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    source = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    source_asset = serializers.CharField(source="source", read_only=True)
    target_asset = serializers.CharField(source="target", read_only=True)

    def get_source(self, finding: Finding) -> str:
        return finding.source_dataset or finding.source

    def get_target(self, finding: Finding) -> str:
        return finding.target_dataset or finding.target

    class Meta:
        model = Finding
        fields = [
            "id",
            "kind",
            "risk_level",
            "state",
            "source",
            "source_column",
            "source_asset",
            "target",
            "target_column",
            "target_asset",
            "classification",
            "target_classification",
            "tags",
            "steward",
            "masking",
            "reason",
            "hops",
            "paths",
            "more_paths",
            "readers",
            "grants",
            "details",
            "first_detected",
            "last_detected",
            "resolved_at",
            "resolution",
            "acknowledged_by",
            "acknowledged_at",
            "ack_reason",
            "ack_expires",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    """Why the exposure is acceptable for now, and until when (90 days by default)."""

    reason = serializers.CharField()
    expires = serializers.DateField(required=False, allow_null=True)


class ResolveSerializer(serializers.Serializer):
    """What was done about the exposure."""

    reason = serializers.CharField()


class TracedHopSerializer(serializers.Serializer):
    """One hop; ``from`` is added in ``get_fields`` (a Python keyword cannot be declared)."""

    to = serializers.CharField()
    from_column = serializers.CharField(allow_null=True)
    to_column = serializers.CharField(allow_null=True)
    transform = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    subtype = serializers.CharField(allow_null=True)
    masking = serializers.BooleanField(allow_null=True)
    transformation_type = serializers.CharField()
    job = serializers.CharField(allow_null=True)
    query_id = serializers.CharField(allow_null=True)
    execution_status = serializers.CharField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()

    def get_fields(self):
        return {"from": serializers.CharField(), **super().get_fields()}


class TracedPathSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_column = serializers.CharField(allow_null=True)
    target_column = serializers.CharField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    classification = serializers.CharField(allow_null=True)
    risk_level = serializers.CharField()
    masked = serializers.BooleanField(allow_null=True)
    masked_by_policy = serializers.CharField(allow_null=True)
    path = serializers.ListField(child=serializers.CharField())
    hops = TracedHopSerializer(many=True)


class ExposurePathsSerializer(serializers.Serializer):
    """``GET /api/v1/exposure/paths``: every path from a regulated source into the target."""

    target = serializers.CharField()
    max_depth = serializers.IntegerField()
    as_of = serializers.DateField(allow_null=True)
    column = serializers.CharField(allow_null=True, required=False)
    paths = TracedPathSerializer(many=True)
