"""Lineage reads: a dataset's neighbourhood from the graph store, with what catalogs know of it.

Drawing it (cytoscape elements, links) is ``graph.presenters.lineage_elements``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from graph.elements import chain_catalogs, registered_catalog
from graph.models import Column, Dataset
from graph.store import get_store
from graph.store.base import MAX_DEPTH, Direction, Level, Node, Subgraph

# The config's graph.max_depth bounds what pages and the API draw: deeper is unreadable.
LINEAGE_MAX_DEPTH = min(settings.LINEAGE_CONFIG["graph"]["max_depth"], MAX_DEPTH)


class LineageNotFound(LookupError):
    """Neither the graph nor the catalog knows the requested dataset."""


@dataclass(frozen=True)
class Lineage:
    """A neighbourhood, and what the catalogs know of its nodes (``dataset_id``, ``schema``,
    ``data_type``, and every registered decorator's fields, by node key)."""

    center: str
    subgraph: Subgraph
    truncated: bool
    catalog: dict[str, dict[str, Any]]


# --- lineage -----------------------------------------------------------------


def catalog_node_fields(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The graph side's own catalog facts: datasets' ids and schemas, columns' data types."""
    fields: dict[str, dict[str, Any]] = {}
    for pk, key, schema in Dataset.objects.filter(key__in=keys).values_list("pk", "key", "schema"):
        fields[key] = {"dataset_id": pk, "schema": schema}
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
    """The neighbourhood of a dataset, with what every catalog knows of its nodes.

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
    keys = [node.key for node in subgraph.nodes]
    return Lineage(
        center=subgraph.center,
        subgraph=subgraph,
        truncated=subgraph.truncated,
        catalog=catalog(keys) if keys else {},
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
    return timezone.make_aware(datetime.combine(day, time.max))


def as_of_refusal(day: date | None) -> str | None:
    """Why ``day`` cannot be an "as of" date, or None: lineage is not known for the future."""
    latest = timezone.localdate() + timedelta(days=1)
    if day is not None and day > latest:
        return (
            f"“As of” must be a date no later than {latest.isoformat()}: "
            "lineage is not known for the future."
        )
    return None


def dataset_suggestions(*, limit: int = 12) -> QuerySet[Dataset]:
    """Datasets to offer on the lineage page before one is chosen: recently seen first."""
    return Dataset.objects.order_by("-last_seen", "key")[:limit]
