"""Store results → cytoscape.js elements, for the lineage pages and the lineage API.

The graph side knows nothing about classifications. Other apps add what they know about
a node through a *catalog decorator*: a callable that takes every node key of a subgraph
at once (so it can answer with one query) and returns extra ``data`` fields per key::

    def classification_fields(keys: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
        return {"snowflake://prod_db.raw.customers": {"classification": "restricted",
                                                      "tags": ["pii", "gdpr"],
                                                      "steward": "Ada Lovelace"}}

    register_catalog(classification_fields)  # e.g. in GovernanceConfig.ready()

The pages read ``classification`` (restricted | confidential | internal | public; absent
means unclassified), ``tags`` (list of str), ``steward`` and ``masking_policy`` when present.
Decorators cannot overwrite the structural fields (``id``, ``parent``, ``source``,
``target``, ``type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_portal.text_safety import visible

from .store.base import Edge, Node, Subgraph

CatalogDecorator = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]

# Transformations that change the value on the way, so a regulated value does not
# arrive in the clear; drawn differently from identity edges on the graph.
MASKED = frozenset({"hashed", "redacted", "aggregated"})
FAILED_STATUSES = frozenset({"FAILED", "FAILURE", "FAIL", "ERROR", "ABORTED"})
STRUCTURAL_FIELDS = frozenset({"id", "parent", "source", "target", "type"})
LOCK = "\U0001f512"

_registered: list[CatalogDecorator] = []


def register_catalog(decorator: CatalogDecorator) -> None:
    """Add a decorator that every lineage page and the lineage API apply to their nodes."""
    if decorator not in _registered:
        _registered.append(decorator)


def unregister_catalog(decorator: CatalogDecorator) -> None:
    """Remove a registered decorator (tests)."""
    if decorator in _registered:
        _registered.remove(decorator)


def chain_catalogs(*decorators: CatalogDecorator | None) -> CatalogDecorator:
    """One decorator applying several in order; a later one's fields win."""
    active = [d for d in decorators if d is not None]

    def chained(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        merged: dict[str, dict[str, Any]] = {}
        for decorator in active:
            for key, fields in decorator(keys).items():
                merged.setdefault(key, {}).update(fields)
        return merged

    return chained


def registered_catalog() -> CatalogDecorator:
    """The decorators other apps registered, chained."""
    return chain_catalogs(*_registered)


def split_name(name: str) -> tuple[str, str, str]:
    """``database.schema.table`` → its three parts; missing leading parts are ''."""
    parts = name.split(".")
    table = parts[-1]
    schema = parts[-2] if len(parts) >= 2 else ""
    database = ".".join(parts[:-2]) if len(parts) >= 3 else ""
    return database, schema, table


def subgraph_to_elements(
    subgraph: Subgraph, *, catalog: CatalogDecorator | None = None
) -> list[dict[str, Any]]:
    """Cytoscape elements for a subgraph: dataset nodes, column children, FEEDS edges.

    Columns become children of their dataset (compound nodes) when the dataset is drawn.
    Datasets carry ``schema`` so the page can group them when the graph is large.
    """
    keys = [node.key for node in subgraph.nodes]
    extra = catalog(keys) if catalog is not None and keys else {}
    drawn = set(keys)
    elements = [
        _node_element(node, subgraph.center, drawn, extra.get(node.key, {}))
        for node in subgraph.nodes
    ]
    # Parents first: cytoscape needs a compound parent before (or with) its children.
    elements.sort(key=lambda element: element["data"]["type"] != "dataset")
    elements.extend(_edge_element(edge) for edge in _edges_between(subgraph.edges, drawn))
    return elements


def _node_element(
    node: Node, center: str, drawn: set[str], extra: Mapping[str, Any]
) -> dict[str, Any]:
    if node.label == "Column":
        data: dict[str, Any] = {
            "id": node.key,
            "type": "column",
            "label": visible(node.name),
            "name": visible(node.name),
            "dataset_key": node.dataset_key,
        }
        if node.dataset_key in drawn:
            data["parent"] = node.dataset_key
    else:
        database, schema, table = split_name(node.name)
        data = {
            "id": node.key,
            "type": "dataset",
            # Names from producers: controls and bidi overrides drawn as [U+202E], never raw.
            "label": visible(table),
            "name": visible(node.name),
            "database": database,
            "schema": schema,
            "platform": node.platform or "",
            "kind": node.kind or "table",
            "object_id": node.object_id or "",
        }
    data.update({k: v for k, v in extra.items() if k not in STRUCTURAL_FIELDS})
    classes = [data["type"]]
    if node.key == center:
        classes.append("center")
    classes.append(f"cls-{data.get('classification') or 'unclassified'}")
    return {"group": "nodes", "data": data, "classes": " ".join(classes)}


def _edges_between(edges: Iterable[Edge], drawn: set[str]) -> Iterable[Edge]:
    """Edges whose both ends are drawn; a truncated subgraph may hold dangling ones."""
    return (edge for edge in edges if edge.upstream in drawn and edge.downstream in drawn)


def _edge_element(edge: Edge) -> dict[str, Any]:
    masking = (edge.masking or "identity").lower()
    status = (edge.execution_status or "").upper()
    masked = masking in MASKED
    label = edge.transformation_type
    if masked:
        label = f"{LOCK} {masking} · {label}"
    classes = [f"level-{edge.level}", "masked" if masked else f"masking-{masking}"]
    if status in FAILED_STATUSES:
        classes.append("failed")
    return {
        "group": "edges",
        "data": {
            "id": f"{edge.upstream}->{edge.downstream}",
            "source": edge.upstream,
            "target": edge.downstream,
            "level": edge.level,
            "label": label,
            "transformation_type": edge.transformation_type,
            "job": edge.job or "",
            "job_version": edge.job_version or "",
            "query_id": edge.query_id or "",
            "execution_status": status,
            "masking": masking,
            "first_seen": _iso(edge.first_seen),
            "last_seen": _iso(edge.last_seen),
            "run_count": edge.run_count,
        },
        "classes": " ".join(classes),
    }


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
