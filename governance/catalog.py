"""The catalog's queries: datasets and columns by name, place and governance, sorted.

``governance.selectors`` re-exports every name here; import from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from graph.models import Column, Dataset

from .exposure.models import Finding
from .models import (
    DUE_SOON_DAYS,
    UNCLASSIFIED,
    AssetGovernance,
    Classification,
    Steward,
    classification_rank,
)

REVIEW_STATES = ("overdue", "due_soon", "scheduled", "unscheduled")
# Datasets or columns: both reach their governance as ``governance``.
_Catalog = TypeVar("_Catalog", QuerySet[Dataset], QuerySet[Column])


def classification_rank_order(field: str = "classification") -> Case:
    """An ORDER BY expression: restricted 4 > confidential 3 > internal 2 > public 1 > none 0."""
    whens = [
        When(**{field: level}, then=Value(classification_rank(level)))
        for level in Classification.values
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def bulk_lowering(
    *, assets: Sequence[Dataset | Column], level: str | None
) -> list[tuple[str, str]]:
    """(key, current level) of the assets that ``level`` would classify lower than now."""
    if not level:
        return []
    new_rank = classification_rank(level)
    lowered = []
    for item in assets:
        try:
            current = item.governance.classification
        except AssetGovernance.DoesNotExist:
            continue
        if current and classification_rank(current) > new_rank:
            lowered.append((item.key, current))
    return lowered


# --- catalog search -------------------------------------------------------------------


# How catalog searches may be sorted (datasets and columns alike); the default is by key.
CATALOG_SORTS = (
    "name",
    "-name",
    "classification",
    "-classification",
    "steward",
    "review",
    "schema",
    "columns",
    "last_seen",
)


def catalog_search(
    *,
    query: str = "",
    tag: str | None = None,
    steward: Steward | int | str | None = None,
    classification: str | None = None,
    platform: str | None = None,
    schema: str | None = None,
    review_state: str | None = None,
    open_findings: bool = False,
    sort: str | None = None,
) -> QuerySet[Dataset]:
    """The catalog: datasets filtered by name/key text, place and governance.

    This is the one catalog query, for the Catalog page, its CSV and the API.
    ``classification`` may be ``unclassified``; ``review_state`` is one of overdue,
    due_soon, scheduled, unscheduled; ``steward`` an instance, pk or name; ``sort`` one of
    ``CATALOG_SORTS``. The rows come with ``governance`` (and its steward, policy and
    tags) loaded, ``column_count`` and ``open_findings`` (exposure findings still open
    with the dataset as their source or target); ``open_findings=True`` keeps only those
    with some. On Postgres the text match is served by the trigram indexes of migration 0004.
    """
    _search_check(classification, review_state, sort)
    # The column count rides along as an annotation ("Most columns" sorts by it).
    datasets = Dataset.objects.annotate(
        column_count=Count("columns"), open_findings=_open_findings()
    )
    if open_findings:
        datasets = datasets.filter(open_findings__gt=0)
    if platform:
        datasets = datasets.filter(platform__iexact=platform)
    if schema:
        datasets = datasets.filter(schema__iexact=schema)
    governed = _governed_filter(datasets, query, tag, steward, classification, review_state)
    # No DISTINCT needed: every join is to-one, and the tag join matches one slug.
    return (
        governed.select_related("governance__steward", "governance__masking_policy")
        .prefetch_related("governance__tags")
        .order_by(*_catalog_order(sort))
    )


def _open_findings() -> Coalesce:
    """A subquery: how many open findings have the row's dataset as source or target."""
    findings = (
        Finding.objects.filter(state=Finding.State.OPEN)
        .filter(Q(source_dataset=OuterRef("key")) | Q(target_dataset=OuterRef("key")))
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(findings, output_field=IntegerField()), 0)


def column_catalog_search(
    *,
    query: str = "",
    tag: str | None = None,
    steward: Steward | int | str | None = None,
    classification: str | None = None,
    platform: str | None = None,
    review_state: str | None = None,
    dataset: Dataset | int | None = None,
    schema: str | None = None,
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
    if schema:
        columns = columns.filter(dataset__schema__iexact=schema)
    if sort == "columns":
        sort = None  # a column has no columns: keep the default order
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
    queryset: _Catalog,
    query: str,
    tag: str | None,
    steward: Steward | int | str | None,
    classification: str | None,
    review_state: str | None,
) -> _Catalog:
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
    orders: dict[str | None, list[Any]] = {
        None: ["key"],
        "name": ["name", "key"],
        "-name": ["-name", "-key"],
        "classification": [rank.desc(), "key"],
        "-classification": [rank.asc(), "key"],
        "steward": [F("governance__steward__name").asc(nulls_last=True), "key"],
        "review": [due.asc(nulls_last=True), "key"],
        "schema": ["schema", "name", "key"],
        "columns": ["-column_count", "name", "key"],
        "last_seen": [F("last_seen").desc(nulls_last=True), "name", "key"],
    }
    return orders[sort or None]


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
