"""Governance reads, for pages, the API, exposure analysis and the lineage graph."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from graph.models import Column, Dataset

from .models import (
    DUE_SOON_DAYS,
    UNCLASSIFIED,
    AssetGovernance,
    AuditEvent,
    Classification,
    MaskingPolicy,
    RegulatoryTag,
    Review,
    Steward,
    TagSuggestion,
    classification_rank,
)
from .permissions import stewarded_by

REVIEW_STATES = ("overdue", "due_soon", "scheduled", "unscheduled")


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
    """Non-public classified assets with no active steward (empty without enforcement)."""
    if not settings.LINEAGE_CONFIG.get("compliance", {}).get("steward_enforcement", True):
        return AssetGovernance.objects.none()
    regulated = [level for level in Classification.values if level != Classification.PUBLIC]
    queryset = AssetGovernance.objects.filter(classification__in=regulated).filter(
        Q(steward__isnull=True) | Q(steward__active=False)
    )
    return _with_related(queryset).order_by(classification_rank_order().desc(), "pk")


def classification_rank_order(field: str = "classification") -> Case:
    """An ORDER BY expression: restricted 4 > confidential 3 > internal 2 > public 1 > none 0."""
    whens = [
        When(**{field: level}, then=Value(classification_rank(level)))
        for level in Classification.values
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


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


def steward_list(*, active: bool | None = True) -> QuerySet[Steward]:
    """Stewards for pickers (active ones by default)."""
    queryset = Steward.objects.prefetch_related("members")
    return queryset if active is None else queryset.filter(active=active)


def masking_policy_list() -> QuerySet[MaskingPolicy]:
    return MaskingPolicy.objects.all()


def regulatory_tag_list() -> QuerySet[RegulatoryTag]:
    return RegulatoryTag.objects.all()


# --- catalog search -------------------------------------------------------------------


# How catalog searches may be sorted (datasets and columns alike); the default is by key.
CATALOG_SORTS = ("name", "-name", "classification", "-classification", "steward", "review")


def catalog_search(
    *,
    query: str = "",
    tag: str | None = None,
    steward: Steward | int | str | None = None,
    classification: str | None = None,
    platform: str | None = None,
    review_state: str | None = None,
    sort: str | None = None,
) -> QuerySet[Dataset]:
    """Catalog datasets filtered by name/key text and by their governance.

    ``classification`` may be ``unclassified``; ``review_state`` is one of overdue,
    due_soon, scheduled, unscheduled; ``steward`` an instance, pk or name; ``sort`` one of
    ``CATALOG_SORTS``. The rows come with ``governance`` (and its steward, policy and
    tags) loaded. On Postgres the text match is served by the trigram indexes of
    migration 0004.
    """
    _search_check(classification, review_state, sort)
    datasets = Dataset.objects.all()
    if platform:
        datasets = datasets.filter(platform__iexact=platform)
    datasets = _governed_filter(datasets, query, tag, steward, classification, review_state)
    # No DISTINCT needed: every join is to-one, and the tag join matches one slug.
    return (
        datasets.select_related("governance__steward", "governance__masking_policy")
        .prefetch_related("governance__tags")
        .order_by(*_catalog_order(sort))
    )


def column_catalog_search(
    *,
    query: str = "",
    tag: str | None = None,
    steward: Steward | int | str | None = None,
    classification: str | None = None,
    platform: str | None = None,
    review_state: str | None = None,
    dataset: Dataset | int | None = None,
    sort: str | None = None,
) -> QuerySet[Column]:
    """Catalog columns filtered like ``catalog_search`` (by the column's own governance).

    ``query`` matches the column name, or — if it holds ``.``, ``#``, ``/`` or ``:`` —
    the column key (``raw.customers#email``);
    ``dataset`` keeps the columns of one dataset. Rows come with ``dataset`` and
    ``governance`` loaded.
    """
    _search_check(classification, review_state, sort)
    columns = Column.objects.all()
    if platform:
        columns = columns.filter(dataset__platform__iexact=platform)
    if dataset is not None:
        columns = columns.filter(dataset=dataset)
    text = query.strip()
    if text and not any(mark in text for mark in ".#/:"):
        # A plain word means a column name ("email"), not every column of email_events.
        columns, query = columns.filter(name__icontains=text), ""
    columns = _governed_filter(columns, query, tag, steward, classification, review_state)
    return (
        columns.select_related("dataset", "governance__steward", "governance__masking_policy")
        .prefetch_related("governance__tags")
        .order_by(*_catalog_order(sort))
    )


def _governed_filter(
    queryset: QuerySet,
    query: str,
    tag: str | None,
    steward: Steward | int | str | None,
    classification: str | None,
    review_state: str | None,
) -> QuerySet:
    """The filters datasets and columns share: both reach governance as ``governance``."""
    if query.strip():
        text = query.strip()
        queryset = queryset.filter(Q(name__icontains=text) | Q(key__icontains=text))
    if tag:
        queryset = queryset.filter(governance__tags__slug=tag.strip().lower())
    if steward:
        queryset = queryset.filter(_steward_q(steward))
    if classification:
        queryset = queryset.filter(_classification_q(classification))
    if review_state:
        queryset = queryset.filter(
            review_state_q(review_state, field="governance__next_review_due")
        )
    return queryset


def _catalog_order(sort: str | None) -> list[Any]:
    # Unclassified and unscheduled rows sort last whichever way, so gaps stay visible.
    rank = classification_rank_order("governance__classification")
    due = F("governance__next_review_due")
    return {
        None: ["key"],
        "name": ["name", "key"],
        "-name": ["-name", "-key"],
        "classification": [rank.desc(), "key"],
        "-classification": [rank.asc(), "key"],
        "steward": [F("governance__steward__name").asc(nulls_last=True), "key"],
        "review": [due.asc(nulls_last=True), "key"],
    }[sort or None]


def _search_check(
    classification: str | None, review_state: str | None, sort: str | None = None
) -> None:
    if sort and sort not in CATALOG_SORTS:
        raise ValidationError(f"Unknown sort {sort!r}: use one of {', '.join(CATALOG_SORTS)}.")
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
