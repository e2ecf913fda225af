"""Governance reads, for pages, the API, exposure analysis and the lineage graph."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from graph.models import Dataset

from .models import (
    DUE_SOON_DAYS,
    UNCLASSIFIED,
    AssetGovernance,
    AuditEvent,
    Classification,
    MaskingPolicy,
    RegulatoryTag,
    Steward,
    TagSuggestion,
    classification_rank,
)
from .permissions import stewarded_by

REVIEW_STATES = ("overdue", "due_soon", "scheduled", "unscheduled")


def _with_related(queryset: QuerySet[AssetGovernance]) -> QuerySet[AssetGovernance]:
    return queryset.select_related(
        "dataset", "column__dataset", "steward", "masking_policy", "updated_by"
    ).prefetch_related(Prefetch("tags", queryset=RegulatoryTag.objects.order_by("slug")))


def asset_governance_for_datasets(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Node decoration for lineage graphs: catalog key → governance fields, in two queries.

    Takes dataset and column keys alike. Unclassified assets have no ``classification``
    field (the pages draw them as unclassified); keys without governance are absent.
    Registered as a catalog decorator of ``graph.elements`` in ``GovernanceConfig.ready``.
    """
    keys = list(keys)
    rows = _with_related(
        AssetGovernance.objects.filter(Q(dataset__key__in=keys) | Q(column__key__in=keys))
    )
    return {asset.key: asset_fields(asset) for asset in rows}


def asset_fields(asset: AssetGovernance) -> dict[str, Any]:
    """An asset's governance as plain values (JSON-ready), for nodes, rows and the API."""
    fields: dict[str, Any] = {
        "tags": [tag.slug for tag in asset.tags.all()],
        "steward": asset.steward.name if asset.steward else "",
        "masking_policy": asset.masking_policy.name if asset.masking_policy else "",
        "next_review_due": asset.next_review_due.isoformat() if asset.next_review_due else "",
        "review_state": asset.review_state,
        "governance_version": asset.version,
    }
    if asset.classification:
        fields["classification"] = asset.classification
    return fields


def asset_governance_get(*, key: str) -> AssetGovernance | None:
    """The governance row of a dataset or column key, or None if it has none yet."""
    key = key.strip().lower()
    return _with_related(
        AssetGovernance.objects.filter(Q(dataset__key=key) | Q(column__key=key))
    ).first()


def dataset_governance_list(*, dataset: Dataset) -> list[AssetGovernance]:
    """The governance of a dataset and of its columns (dataset first, columns by ordinal)."""
    rows = _with_related(
        AssetGovernance.objects.filter(Q(dataset=dataset) | Q(column__dataset=dataset))
    )
    return sorted(rows, key=lambda a: (a.is_column, a.column.ordinal if a.is_column else 0))


def review_due_list(*, user: Any, within_days: int = DUE_SOON_DAYS) -> QuerySet[AssetGovernance]:
    """Assets ``user`` stewards whose review is overdue or due within ``within_days``."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    queryset = AssetGovernance.objects.filter(stewarded_by(user), next_review_due__lte=horizon)
    return _with_related(queryset.distinct()).order_by("next_review_due", "pk")


def steward_gap_list() -> QuerySet[AssetGovernance]:
    """Non-public classified assets with no active steward (empty without enforcement)."""
    if not settings.LINEAGE_CONFIG.get("compliance", {}).get("steward_enforcement", True):
        return AssetGovernance.objects.none()
    regulated = [level for level in Classification.values if level != Classification.PUBLIC]
    queryset = AssetGovernance.objects.filter(classification__in=regulated).filter(
        Q(steward__isnull=True) | Q(steward__active=False)
    )
    return _with_related(queryset).order_by(classification_rank_order().desc(), "pk")


def classification_rank_order() -> Case:
    """An ORDER BY expression: restricted 4 > confidential 3 > internal 2 > public 1 > none 0."""
    whens = [
        When(classification=level, then=Value(classification_rank(level)))
        for level in Classification.values
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def audit_event_list(
    *, object_key: str | None = None, object_type: str | None = None, actor: str | None = None
) -> QuerySet[AuditEvent]:
    """Audit events, newest first; filter by catalog/registry key, type or username."""
    queryset = AuditEvent.objects.all()
    if object_key:
        queryset = queryset.filter(object_key=object_key)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if actor:
        queryset = queryset.filter(actor=actor)
    return queryset.order_by("-seq")


def tag_suggestion_list(*, state: str = TagSuggestion.State.PENDING) -> QuerySet[TagSuggestion]:
    """Suggestions in ``state`` (pending by default), newest first."""
    return (
        TagSuggestion.objects.filter(state=state)
        .select_related("asset__dataset", "asset__column__dataset", "tag", "masking_policy")
        .order_by("-created")
    )


def steward_list(*, active: bool | None = True) -> QuerySet[Steward]:
    """Stewards for pickers (active ones by default)."""
    queryset = Steward.objects.prefetch_related("members")
    return queryset if active is None else queryset.filter(active=active)


def masking_policy_list() -> QuerySet[MaskingPolicy]:
    return MaskingPolicy.objects.all()


def regulatory_tag_list() -> QuerySet[RegulatoryTag]:
    return RegulatoryTag.objects.all()


# --- catalog search -------------------------------------------------------------------


def catalog_search(
    *,
    query: str = "",
    tag: str | None = None,
    steward: Steward | int | str | None = None,
    classification: str | None = None,
    platform: str | None = None,
    review_state: str | None = None,
) -> QuerySet[Dataset]:
    """Catalog datasets filtered by name/key text and by their governance.

    ``classification`` may be ``unclassified``; ``review_state`` is one of overdue,
    due_soon, scheduled, unscheduled; ``steward`` an instance, pk or name. The rows come
    with ``governance`` (and its steward, policy and tags) loaded. On Postgres the text
    match is served by the trigram indexes of migration 0004.
    """
    _search_check(classification, review_state)
    datasets = Dataset.objects.all()
    if query.strip():
        text = query.strip()
        datasets = datasets.filter(Q(name__icontains=text) | Q(key__icontains=text))
    if platform:
        datasets = datasets.filter(platform__iexact=platform)
    if tag:
        datasets = datasets.filter(governance__tags__slug=tag.strip().lower())
    if steward:
        datasets = datasets.filter(_steward_q(steward))
    if classification:
        datasets = datasets.filter(_classification_q(classification))
    if review_state:
        datasets = datasets.filter(
            review_state_q(review_state, field="governance__next_review_due")
        )
    # No DISTINCT needed: every join is to-one, and the tag join matches one slug.
    return (
        datasets.select_related("governance__steward", "governance__masking_policy")
        .prefetch_related("governance__tags")
        .order_by("key")
    )


def _search_check(classification: str | None, review_state: str | None) -> None:
    if classification and classification not in (*Classification.values, UNCLASSIFIED):
        raise ValidationError(
            f"Unknown classification level {classification!r}: use one of "
            f"{', '.join((*Classification.values, UNCLASSIFIED))}."
        )
    if review_state and review_state not in REVIEW_STATES:
        raise ValidationError(
            f"Unknown review state {review_state!r}: use one of {', '.join(REVIEW_STATES)}."
        )


def _steward_q(steward: Steward | int | str) -> Q:
    if isinstance(steward, Steward):
        return Q(governance__steward=steward)
    if isinstance(steward, int) or str(steward).isdigit():
        return Q(governance__steward_id=int(steward))
    return Q(governance__steward__name__iexact=str(steward))


def _classification_q(level: str) -> Q:
    # isnull across the reverse one-to-one is a LEFT JOIN: no governance row counts too.
    if level == UNCLASSIFIED:
        return Q(governance__classification__isnull=True)
    return Q(governance__classification=level)


def review_state_q(state: str, *, field: str = "next_review_due") -> Q:
    """A filter for overdue | due_soon | scheduled | unscheduled on the date ``field``."""
    today = timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return {
        "overdue": Q(**{f"{field}__lt": today}),
        "due_soon": Q(**{f"{field}__gte": today, f"{field}__lte": soon}),
        "scheduled": Q(**{f"{field}__gt": soon}),
        "unscheduled": Q(**{f"{field}__isnull": True}),
    }[state]
