"""REST representations of governance; inputs are shapes only, the services judge values.

Stewards, masking policies and tags are named (not numbered) in asset governance, both
ways, as in the CSV: ``"steward": "Finance Data"``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from graph.models import Column, Dataset

from .models import (
    UNCLASSIFIED,
    AssetGovernance,
    AuditEvent,
    Classification,
    MaskingPolicy,
    RegulatoryTag,
    Review,
    Steward,
    classification_rank,
)


class AssetGovernanceSerializer(serializers.Serializer):
    """The governance of one dataset or column (all empty if it was never governed)."""

    key = serializers.CharField(read_only=True)
    kind = serializers.SerializerMethodField()
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        allow_null=True,
        read_only=True,
        help_text="null means unclassified",
    )
    tags = serializers.SerializerMethodField()
    steward = serializers.CharField(source="steward.name", allow_null=True, read_only=True)
    masking_policy = serializers.CharField(
        source="masking_policy.name", allow_null=True, read_only=True
    )
    next_review_due = serializers.DateField(allow_null=True, read_only=True)
    review_state = serializers.ChoiceField(
        choices=["overdue", "due_soon", "scheduled", "unscheduled"], read_only=True
    )
    version = serializers.IntegerField(
        read_only=True, help_text="send it back as expected_version to detect stale edits"
    )
    updated_at = serializers.SerializerMethodField()
    updated_by = serializers.CharField(
        source="updated_by.username", allow_null=True, read_only=True
    )

    def get_kind(self, asset: AssetGovernance) -> str:
        return "column" if asset.is_column else "dataset"

    def get_tags(self, asset: AssetGovernance) -> list[str]:
        return [tag.slug for tag in asset.tags.all()] if asset.pk else []

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_updated_at(self, asset: AssetGovernance) -> str | None:
        return asset.updated_at.isoformat() if asset.pk else None


def _governance_of(item: Dataset | Column) -> AssetGovernance:
    """The item's governance row, or an empty unsaved one (reading never creates rows)."""
    try:
        return item.governance
    except AssetGovernance.DoesNotExist:
        if isinstance(item, Column):
            return AssetGovernance(column=item)
        return AssetGovernance(dataset=item)


class DatasetGovernanceSerializer(serializers.ModelSerializer):
    """A catalog dataset with its governance."""

    governance = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = ["id", "key", "platform", "database", "schema", "name", "kind", "governance"]

    @extend_schema_field(AssetGovernanceSerializer)
    def get_governance(self, dataset: Dataset) -> dict[str, Any]:
        return AssetGovernanceSerializer(_governance_of(dataset)).data


class ColumnGovernanceSerializer(serializers.ModelSerializer):
    """A catalog column with its own governance."""

    dataset_key = serializers.CharField(source="dataset.key", read_only=True)
    governance = serializers.SerializerMethodField()

    class Meta:
        model = Column
        fields = [
            "id",
            "key",
            "name",
            "data_type",
            "ordinal",
            "dataset",
            "dataset_key",
            "governance",
        ]

    @extend_schema_field(AssetGovernanceSerializer)
    def get_governance(self, column: Column) -> dict[str, Any]:
        return AssetGovernanceSerializer(_governance_of(column)).data


class AssetGovernanceUpdateSerializer(serializers.Serializer):
    """A PATCH of an asset's governance: only the fields sent change; one audit event."""

    classification = serializers.ChoiceField(
        choices=[*Classification.values, UNCLASSIFIED],
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="a level; null, '' or 'unclassified' clears it",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text="the complete set of tag slugs (replaces the current tags)",
    )
    steward = serializers.CharField(allow_null=True, required=False, help_text="steward name")
    masking_policy = serializers.CharField(
        allow_null=True, required=False, help_text="masking policy name"
    )
    next_review_due = serializers.DateField(allow_null=True, required=False)
    expected_version = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        required=False,
        help_text="the version you read; a newer one answers 409 and changes nothing",
    )
    reason = serializers.CharField(allow_blank=True, required=False, max_length=500)

    CHANGE_FIELDS = ("classification", "tags", "steward", "masking_policy", "next_review_due")

    def changes(self) -> dict[str, Any]:
        return {
            name: self.validated_data[name]
            for name in self.CHANGE_FIELDS
            if name in self.validated_data
        }


class ClassificationLevelSerializer(serializers.Serializer):
    """A classification level, strongest first."""

    level = serializers.CharField()
    label = serializers.CharField()
    rank = serializers.IntegerField(help_text="restricted 4 … public 1; unclassified 0")


def classification_levels() -> list[dict[str, Any]]:
    levels = [
        {"level": value, "label": label, "rank": classification_rank(value)}
        for value, label in Classification.choices
    ]
    return sorted(levels, key=lambda level: -level["rank"])


class RegulatoryTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegulatoryTag
        fields = ["slug", "name", "description", "builtin"]
        read_only_fields = ["builtin"]
        # Uniqueness (case-insensitive) is the service's to judge and to word.
        extra_kwargs = {
            "slug": {"validators": []},
            "name": {"required": False, "help_text": "defaults to the slug in capitals"},
        }


class StewardSerializer(serializers.ModelSerializer):
    members = serializers.SlugRelatedField(
        many=True,
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        help_text="usernames of the people who act for this steward",
    )

    class Meta:
        model = Steward
        fields = ["id", "name", "kind", "email", "active", "members"]
        extra_kwargs = {"name": {"validators": []}}


class MaskingPolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = MaskingPolicy
        fields = ["id", "name", "kind", "warehouse_policy", "description"]
        extra_kwargs = {"name": {"validators": []}}


class ReviewSerializer(serializers.ModelSerializer):
    """An attestation."""

    asset = serializers.CharField(source="asset.key", read_only=True)
    dataset_key = serializers.CharField(source="asset.dataset_key", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "asset",
            "dataset_key",
            "reviewer",
            "outcome",
            "comment",
            "was_due",
            "next_due",
            "created",
        ]


class ReviewAttestSerializer(serializers.Serializer):
    """Attest an asset's review; the next one is scheduled a review cycle from today."""

    asset = serializers.CharField(
        max_length=700,
        help_text="catalog key of the dataset or column, e.g. snowflake://db.s.t#col",
    )
    outcome = serializers.ChoiceField(choices=Review.Outcome.choices)
    comment = serializers.CharField(allow_blank=True, required=False, max_length=2000)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "at",
            "actor",
            "action",
            "object_type",
            "object_key",
            "before",
            "after",
            "reason",
            "prev_hash",
            "hash",
        ]


class CheckpointSerializer(serializers.Serializer):
    """A signed checkpoint of the chain, as appended outside the database."""

    seq = serializers.IntegerField()
    hash = serializers.CharField()
    count = serializers.IntegerField()
    at = serializers.CharField()
    key_id = serializers.CharField()
    signature = serializers.CharField()


class ChainReportSerializer(serializers.Serializer):
    """The last stored verification of the audit trail (it runs on a schedule)."""

    intact = serializers.BooleanField()
    verified = serializers.IntegerField(help_text="events checked by that run")
    bad_seq = serializers.IntegerField(allow_null=True, help_text="the first bad event")
    problem = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(help_text="intact, edited, truncated, emptied, rekeyed, …")
    scope = serializers.CharField(allow_null=True, help_text="full or incremental")
    ran_at = serializers.DateTimeField(allow_null=True)
    checkpoint = CheckpointSerializer(allow_null=True, help_text="the latest trusted checkpoint")
