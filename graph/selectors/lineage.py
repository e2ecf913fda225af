"""Lineage reads: a dataset's neighbourhood as cytoscape elements, with catalog fields."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from graph.elements import chain_catalogs, registered_catalog, subgraph_to_elements
from graph.models import Column, Dataset
from graph.store import get_store
from graph.store.base import MAX_DEPTH, Direction, Level, Node, Subgraph

# The config's graph.max_depth bounds what pages and the API draw: deeper is unreadable.
LINEAGE_MAX_DEPTH = min(settings.LINEAGE_CONFIG["graph"]["max_depth"], MAX_DEPTH)


class LineageNotFound(LookupError):
    """Neither the graph nor the catalog knows the requested dataset."""


@dataclass(frozen=True)
class Lineage:
    """A drawn neighbourhood: cytoscape elements plus what the page says about them."""

    center: str
    elements: list[dict[str, Any]]
    truncated: bool


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
