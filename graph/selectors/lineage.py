"""Lineage reads: a dataset's neighbourhood from the graph store, with what catalogs know of it.

Drawing it (cytoscape elements, links) is ``graph.presenters.lineage_elements``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from graph.elements import chain_catalogs, registered_catalog
from graph.models import Column, Dataset
from graph.store import get_store
from graph.store.base import MAX_DEPTH, Direction, Edge, Level, Node, Subgraph
from lineage_portal.config import engine

# The config's graph.max_depth bounds what pages and the API draw: deeper is unreadable.
LINEAGE_MAX_DEPTH = min(engine().graph.max_depth, MAX_DEPTH)
# Datasets drawn at most around a centre: the page stays interactive up to this many
# (docs/benchmarks.md measures it); beyond it the page says how many were left out.
LINEAGE_NODE_LIMIT = 1000


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
    # At table level: the column edges among its datasets, so that a table edge can say
    # whether it carries a sensitive value unmasked.
    column_edges: list[Edge] = field(default_factory=list)
    left_out: int = 0  # datasets within reach that were not drawn (when truncated)
    focus: str = ""  # the column the page was opened on, if any


# --- lineage -----------------------------------------------------------------


def catalog_node_fields(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The graph side's own catalog facts: datasets' ids and schemas, columns' data types."""
    fields: dict[str, dict[str, Any]] = {}
    for pk, key, schema in Dataset.objects.filter(key__in=keys).values_list("pk", "key", "schema"):
        fields[key] = {"dataset_id": pk, "schema": schema}
    column_keys = [key for key in keys if "#" in key]
    for key, data_type, ordinal in Column.objects.filter(key__in=column_keys).values_list(
        "key", "data_type", "ordinal"
    ):
        fields[key] = {"data_type": data_type, "ordinal": ordinal}
    return fields


def lineage_get(
    *,
    key: str,
    depth: int,
    direction: Direction = "both",
    level: Level = "dataset",
    as_of: date | None = None,
    limit: int = LINEAGE_NODE_LIMIT,
) -> Lineage:
    """The neighbourhood of a dataset, with what every catalog knows of its nodes.

    At table level the column edges are read too, so that a table edge can say whether it
    carries a sensitive value unmasked. Raises ``LineageNotFound`` when neither the graph
    nor the catalog knows ``key``, and ``StoreError`` when the graph store cannot answer.
    """
    key = key.strip().lower()
    store = get_store()
    node = store.get_dataset(key)
    column_edges: list = []
    left_out = 0
    if node is None:
        subgraph = _catalog_only_subgraph(key)
    else:
        around = {"depth": depth, "direction": direction, "as_of": end_of_day(as_of)}
        subgraph = store.neighbourhood(node.key, level=level, limit=limit, **around)
        if level == "dataset":
            keys = [n.key for n in subgraph.nodes]
            moment = end_of_day(as_of)
            column_edges = store.column_edges_among(keys, moment and moment.astimezone(UTC))
        if subgraph.truncated:
            left_out = _reach_count(store, node.key, depth, direction, end_of_day(as_of)) - limit
    catalog = chain_catalogs(catalog_node_fields, registered_catalog())
    # The sources of column edges are asked too: whether they are sensitive decides how
    # their edges are drawn.
    keys = [node.key for node in subgraph.nodes]
    keys += sorted({e.upstream for e in (*subgraph.edges, *column_edges)} - set(keys))
    return Lineage(
        center=subgraph.center,
        subgraph=subgraph,
        truncated=subgraph.truncated,
        catalog=catalog(keys) if keys else {},
        column_edges=column_edges,
        left_out=max(left_out, 0),
    )


def _reach_count(store, key: str, depth: int, direction: str, as_of: datetime | None) -> int:
    """How many datasets lie within ``depth`` hops: what a truncated drawing left out of."""
    reached: set[str] = set()
    if direction in ("both", "upstream"):
        reached |= {r.key for r in store.upstream(key, depth=depth, as_of=as_of)}
    if direction in ("both", "downstream"):
        reached |= {r.key for r in store.downstream(key, depth=depth, as_of=as_of)}
    return sum(1 for k in reached if "#" not in k)


def column_lineage_get(*, column: str, dataset: str = "", **query: Any) -> Lineage:
    """The column-level neighbourhood of a column's dataset, focused on that column.

    ``column`` is a column key (``…#email``), a name qualified as people paste it
    (``PROD_DB.RAW.CUSTOMERS.EMAIL``), or a bare name with ``dataset`` the dataset's key.
    Raises ``LineageNotFound`` when no such column is known, and ``AmbiguousColumn``
    (with the candidates) when a bare name matches several.
    """
    key = column_key_resolve(column=column, dataset=dataset)
    lineage = lineage_get(key=key.partition("#")[0], **{**query, "level": "column"})
    drawn = {node.key for node in lineage.subgraph.nodes}
    if key not in drawn and not Column.objects.filter(key=key).exists():
        raise LineageNotFound(column)
    return replace(lineage, focus=key)


class AmbiguousColumn(LookupError):
    """A bare column name that several datasets have; ``candidates`` are their columns."""

    def __init__(self, name: str, candidates: list[Column]):
        super().__init__(name)
        self.candidates = candidates


def column_key_resolve(*, column: str, dataset: str = "") -> str:
    """The column key that ``column`` (a key, a pasted name or a bare name) means."""
    text = column.strip().strip("\"'`").lower()
    if "#" in text:
        return text
    if dataset:
        return f"{dataset.strip().lower()}#{text}"
    if "." in text:
        from .catalog import name_search

        hits = [hit for hit in name_search(query=text) if hit.kind == "column" and hit.exact]
        if len(hits) == 1:
            return hits[0].key
        if not hits:
            raise LineageNotFound(column)
        raise AmbiguousColumn(column, [hit.column for hit in hits])
    candidates = list(
        Column.objects.select_related("dataset").filter(name__iexact=text).order_by("key")[:50]
    )
    if not candidates:
        raise LineageNotFound(column)
    if len(candidates) > 1:
        raise AmbiguousColumn(column, candidates)
    return candidates[0].key


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
