"""Governance reads, for pages, the API, exposure analysis and the lineage graph."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from graph.models import Dataset
from lineage_portal.config import engine

# The catalog's queries live in governance.catalog and are read through this module too.
from .catalog import (
    CATALOG_SORTS as CATALOG_SORTS,
)
from .catalog import (
    REVIEW_STATES as REVIEW_STATES,
)
from .catalog import (
    bulk_lowering as bulk_lowering,
)
from .catalog import (
    catalog_search as catalog_search,
)
from .catalog import (
    classification_rank_order as classification_rank_order,
)
from .catalog import (
    column_catalog_search as column_catalog_search,
)
from .catalog import (
    review_state_q as review_state_q,
)
from .models import (
    DUE_SOON_DAYS,
    AssetGovernance,
    AuditEvent,
    Classification,
    MaskingConflict,
    MaskingPolicy,
    RegulatoryTag,
    Review,
    Steward,
    TagSuggestion,
    classification_rank,
)
from .permissions import stewarded_by


def _with_related(queryset: QuerySet[AssetGovernance]) -> QuerySet[AssetGovernance]:
    # A column without a steward answers to its table's: load that one too, and the
    # stewards' members, so permission checks on a page of assets ask no query per row.
    return queryset.select_related(
        "dataset",
        "column__dataset__governance__steward",
        "steward",
        "masking_policy",
        "updated_by",
    ).prefetch_related(
        Prefetch("tags", queryset=RegulatoryTag.objects.order_by("slug")),
        "steward__members",
        "column__dataset__governance__steward__members",
    )


def asset_governance_for_datasets(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Node decoration for lineage graphs: catalog key → governance fields, in two queries.

    Takes dataset and column keys alike. Unclassified assets have no ``classification``
    field (the pages draw them as unclassified); keys without governance are absent.
    ``sensitive`` says whether the asset itself is regulated (``asset_is_sensitive``); the
    lineage graph follows the values of sensitive columns downstream on its own.
    Registered as a catalog decorator of ``graph.elements`` in ``GovernanceConfig.ready``.
    """
    keys = list(keys)
    rows = _with_related(
        AssetGovernance.objects.filter(Q(dataset__key__in=keys) | Q(column__key__in=keys))
    )
    return {
        asset.key: {**asset_fields(asset), "sensitive": asset_is_sensitive(asset)} for asset in rows
    }


def asset_is_sensitive(asset: AssetGovernance) -> bool:
    """Regulated data: classified confidential or restricted, or carrying a regulatory tag."""
    strong = classification_rank(asset.classification) >= classification_rank(
        Classification.CONFIDENTIAL
    )
    return strong or bool(asset.tags.all())


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
    return sorted(rows, key=lambda a: (a.is_column, (a.column.ordinal or 0) if a.is_column else 0))


def review_due_list(
    *, user: Any, within_days: int = DUE_SOON_DAYS, everyone: bool = False
) -> QuerySet[AssetGovernance]:
    """Assets ``user`` stewards whose review is overdue or due within ``within_days``.

    ``everyone=True`` lists every steward's due reviews (the auditors' and admins' view).
    """
    horizon = timezone.localdate() + timedelta(days=within_days)
    queryset = AssetGovernance.objects.filter(next_review_due__lte=horizon)
    if not everyone:
        queryset = queryset.filter(stewarded_by(user)).distinct()
    return _with_related(queryset).order_by("next_review_due", "pk")


def review_list(
    *,
    dataset: Dataset | None = None,
    asset: AssetGovernance | None = None,
    reviewer: str | None = None,
    outcome: str | None = None,
) -> QuerySet[Review]:
    """Attestations, newest first; ``dataset`` includes the reviews of its columns."""
    queryset = Review.objects.select_related("reviewer", "asset__dataset", "asset__column__dataset")
    if dataset is not None:
        queryset = queryset.filter(Q(asset__dataset=dataset) | Q(asset__column__dataset=dataset))
    if asset is not None:
        queryset = queryset.filter(asset=asset)
    if reviewer:
        queryset = queryset.filter(reviewer__username=reviewer)
    if outcome:
        queryset = queryset.filter(outcome=outcome)
    return queryset.order_by("-created", "-pk")


def steward_gap_list() -> QuerySet[AssetGovernance]:
    """Non-public classified assets with no active steward (empty without enforcement).

    A column nobody was named for answers to its table's steward (see
    ``permissions.can_edit_asset``), so it is a gap only when the table has none either.
    """
    if not engine().compliance.steward_enforcement:
        return AssetGovernance.objects.none()
    regulated = [level for level in Classification.values if level != Classification.PUBLIC]
    inherited = Q(steward__isnull=True, column__dataset__governance__steward__active=True)
    queryset = (
        AssetGovernance.objects.filter(classification__in=regulated)
        .filter(Q(steward__isnull=True) | Q(steward__active=False))
        .exclude(inherited)
    )
    return _with_related(queryset).order_by(classification_rank_order().desc(), "pk")


def audit_event_list(
    *,
    object_key: str | None = None,
    object_type: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    with_columns: bool = False,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first; filter by catalog/registry key, type, username or action.

    ``with_columns`` widens a dataset's ``object_key`` to its columns' events (``key#…``).
    """
    queryset = AuditEvent.objects.all()
    if object_key and with_columns:
        queryset = queryset.filter(
            Q(object_key=object_key) | Q(object_key__startswith=f"{object_key}#")
        )
    elif object_key:
        queryset = queryset.filter(object_key=object_key)
    if action:
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if actor:
        queryset = queryset.filter(actor=actor)
    return queryset.order_by("-seq")


def tag_suggestion_list(
    *, state: str = TagSuggestion.State.PENDING, dataset: Dataset | None = None
) -> QuerySet[TagSuggestion]:
    """Suggestions in ``state`` (pending by default), newest first; ``dataset`` with its columns."""
    queryset = TagSuggestion.objects.filter(state=state)
    if dataset is not None:
        queryset = queryset.filter(Q(asset__dataset=dataset) | Q(asset__column__dataset=dataset))
    return queryset.select_related(
        "asset__dataset", "asset__column__dataset", "tag", "masking_policy"
    ).order_by("-created")


def masking_conflict_list(*, dataset: Dataset | None = None) -> QuerySet[MaskingConflict]:
    """Open masking conflicts: the warehouse's policy still differs from the steward's.

    One the asset has since settled (it now has the warehouse's policy, or none) is left out.
    """
    queryset = (
        MaskingConflict.objects.filter(resolved_at__isnull=True)
        .exclude(asset__masking_policy__isnull=True)
        .exclude(asset__masking_policy=F("warehouse_policy"))
    )
    if dataset is not None:
        queryset = queryset.filter(Q(asset__dataset=dataset) | Q(asset__column__dataset=dataset))
    return queryset.select_related(
        "asset__dataset",
        "asset__column__dataset",
        "asset__masking_policy",
        "asset__steward",
        "warehouse_policy",
    ).order_by("asset__pk")


def steward_list(*, active: bool | None = True) -> QuerySet[Steward]:
    """Stewards for pickers (active ones by default)."""
    queryset = Steward.objects.prefetch_related("members")
    return queryset if active is None else queryset.filter(active=active)


def masking_policy_list() -> QuerySet[MaskingPolicy]:
    return MaskingPolicy.objects.all()


def regulatory_tag_list() -> QuerySet[RegulatoryTag]:
    return RegulatoryTag.objects.all()
