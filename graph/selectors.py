"""Reads of the lineage side for pages and the API: the catalog, the graph, ingestion runs.

Views validate input and call one of these; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from .elements import chain_catalogs, registered_catalog, subgraph_to_elements
from .models import Column, Dataset, IngestionRun, Source
from .store import get_store
from .store.base import MAX_DEPTH, Counts, Direction, Level, Node, StoreError, Subgraph

DATASET_SORTS = {
    "name": ("name", "key"),
    "-name": ("-name", "-key"),
    "schema": ("schema", "name"),
    "platform": ("platform", "schema", "name"),
    "columns": ("-column_count", "name"),
    "last_seen": ("-last_seen", "name"),
}
SEARCH_LIMIT = 50
# The config's graph.max_depth bounds what pages and the API draw: deeper is unreadable.
LINEAGE_MAX_DEPTH = min(settings.LINEAGE_CONFIG["graph"]["max_depth"], MAX_DEPTH)


class LineageNotFound(LookupError):
    """Neither the graph nor the catalog knows the requested dataset."""


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows: how much the portal knows, and how fresh it is."""

    datasets: int
    columns: int
    sources: int
    graph: Counts | None  # None when the graph store could not answer
    graph_error: str
    last_run: IngestionRun | None
    recent_runs: list[IngestionRun]


@dataclass(frozen=True)
class SearchHit:
    """A dataset or column whose name matches a search."""

    kind: str  # dataset | column
    name: str
    qualified_name: str
    platform: str
    url: str
    exact: bool
    dataset_key: str


@dataclass(frozen=True)
class Lineage:
    """A drawn neighbourhood: cytoscape elements plus what the page says about them."""

    center: str
    elements: list[dict[str, Any]]
    truncated: bool


# --- dashboard ---------------------------------------------------------------


def dashboard_get() -> Dashboard:
    """Counts from the catalog and the graph store, and the latest ingestion runs."""
    graph, graph_error = None, ""
    try:
        graph = get_store().counts()
    except StoreError as exc:
        graph_error = str(exc)
    # Queued runs have no start yet; on Postgres they would sort first without nulls_last.
    recent = list(
        IngestionRun.objects.select_related("source").order_by(
            F("started_at").desc(nulls_last=True), "-id"
        )[:5]
    )
    return Dashboard(
        datasets=Dataset.objects.count(),
        columns=Column.objects.count(),
        sources=Source.objects.count(),
        graph=graph,
        graph_error=graph_error,
        last_run=recent[0] if recent else None,
        recent_runs=recent,
    )


# --- catalog -----------------------------------------------------------------


def dataset_list(
    *, query: str = "", platform: str = "", schema: str = "", sort: str = "name"
) -> QuerySet[Dataset]:
    """Catalog datasets matching a name search and facet filters, with column counts."""
    datasets = Dataset.objects.annotate(column_count=Count("columns"))
    if query:
        datasets = datasets.filter(Q(name__icontains=query) | Q(key__icontains=query))
    if platform:
        datasets = datasets.filter(platform=platform)
    if schema:
        datasets = datasets.filter(schema=schema)
    return datasets.order_by(*DATASET_SORTS.get(sort, DATASET_SORTS["name"]))


def dataset_facets() -> dict[str, list[str]]:
    """The platforms and schemas present in the catalog, for the filter menus."""
    return {
        "platforms": list(
            Dataset.objects.order_by("platform").values_list("platform", flat=True).distinct()
        ),
        "schemas": list(
            Dataset.objects.exclude(schema="")
            .order_by("schema")
            .values_list("schema", flat=True)
            .distinct()
        ),
    }


def dataset_get(*, pk: int) -> Dataset:
    """One catalog dataset; raises ``Dataset.DoesNotExist``."""
    return Dataset.objects.get(pk=pk)


def dataset_get_by_key(*, key: str) -> Dataset | None:
    return Dataset.objects.filter(key=key).first()


def catalog_is_empty() -> bool:
    return not Dataset.objects.exists()


def dataset_columns(*, dataset: Dataset) -> QuerySet[Column]:
    return dataset.columns.order_by("ordinal", "name")


def dataset_neighbour_counts(*, key: str) -> dict[str, int]:
    """How many datasets feed this one directly, and how many it feeds."""
    store = get_store()
    return {
        "upstream": sum(1 for r in store.upstream(key, depth=1) if "#" not in r.key),
        "downstream": sum(1 for r in store.downstream(key, depth=1) if "#" not in r.key),
    }


def catalog_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Datasets then columns whose name (or qualified name) contains ``query``, exact first."""
    query = query.strip()
    if not query:
        return []
    needle = query.lower()
    hits = [
        SearchHit(
            kind="dataset",
            name=d.name,
            qualified_name=d.qualified_name,
            platform=d.platform,
            url=reverse("dataset_detail", kwargs={"pk": d.pk}),
            exact=needle in {d.name.lower(), d.qualified_name.lower(), d.key},
            dataset_key=d.key,
        )
        for d in Dataset.objects.filter(Q(name__icontains=query) | Q(key__icontains=query))[:limit]
    ]
    columns = Column.objects.select_related("dataset").filter(name__icontains=query)[:limit]
    hits += [
        SearchHit(
            kind="column",
            name=c.name,
            qualified_name=f"{c.dataset.qualified_name}.{c.name}",
            platform=c.dataset.platform,
            url=reverse("dataset_detail", kwargs={"pk": c.dataset_id}) + f"#col-{c.name}",
            exact=needle in {c.name.lower(), f"{c.dataset.qualified_name}.{c.name}".lower()},
            dataset_key=c.dataset.key,
        )
        for c in columns
    ]
    return sorted(hits, key=lambda hit: (not hit.exact, hit.kind, hit.qualified_name))


# --- lineage -----------------------------------------------------------------


def catalog_node_fields(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The graph side's own decoration: dataset page links and column data types."""
    fields: dict[str, dict[str, Any]] = {}
    for pk, key, schema in Dataset.objects.filter(key__in=keys).values_list("pk", "key", "schema"):
        fields[key] = {"url": reverse("dataset_detail", kwargs={"pk": pk}), "schema": schema}
    column_keys = [key for key in keys if "#" in key]
    for key, data_type in Column.objects.filter(key__in=column_keys).values_list(
        "key", "data_type"
    ):
        fields[key] = {"data_type": data_type}
    return fields


def lineage_get(
    *,
    key: str,
    depth: int,
    direction: Direction = "both",
    level: Level = "dataset",
    as_of: date | None = None,
    limit: int = 500,
) -> Lineage:
    """The neighbourhood of a dataset as cytoscape elements, decorated by every catalog.

    Raises ``LineageNotFound`` when neither the graph nor the catalog knows ``key``, and
    ``StoreError`` when the graph store cannot answer.
    """
    key = key.strip().lower()
    store = get_store()
    node = store.get_dataset(key)
    if node is None:
        subgraph = _catalog_only_subgraph(key)
    else:
        subgraph = store.neighbourhood(
            node.key,
            depth=depth,
            direction=direction,
            level=level,
            as_of=end_of_day(as_of),
            limit=limit,
        )
    catalog = chain_catalogs(catalog_node_fields, registered_catalog())
    return Lineage(
        center=subgraph.center,
        elements=subgraph_to_elements(subgraph, catalog=catalog),
        truncated=subgraph.truncated,
    )


def _catalog_only_subgraph(key: str) -> Subgraph:
    """A lone node for a dataset the catalog knows but no lineage has reached yet."""
    dataset = Dataset.objects.filter(key=key).first()
    if dataset is None:
        raise LineageNotFound(key)
    node = Node(
        key=dataset.key,
        label="Dataset",
        name=dataset.qualified_name.lower(),
        platform=dataset.platform,
        kind=dataset.kind,
        object_id=dataset.object_id or None,
    )
    return Subgraph(center=dataset.key, nodes=[node])


def end_of_day(day: date | None) -> datetime | None:
    """The last instant of ``day`` in the portal's time zone: "as of" includes that day."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(
        microseconds=1
    )


def dataset_suggestions(*, limit: int = 12) -> QuerySet[Dataset]:
    """Datasets to offer on the lineage page before one is chosen: recently seen first."""
    return Dataset.objects.order_by("-last_seen", "key")[:limit]


# --- ingestion ---------------------------------------------------------------


def ingestion_run_list() -> QuerySet[IngestionRun]:
    """Runs newest window first, with their source."""
    return IngestionRun.objects.select_related("source").order_by("-window_start", "-id")


def ingestion_run_get(*, pk: int) -> IngestionRun:
    """One run with its source; raises ``IngestionRun.DoesNotExist``."""
    return IngestionRun.objects.select_related("source", "backfill").get(pk=pk)
