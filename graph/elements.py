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
means unclassified), ``tags`` (list of str), ``steward`` and ``masking_policy`` when present,
and ``sensitive`` (bool): whether the asset holds regulated data. What counts as sensitive
is the decorator's to say; the graph side follows a sensitive column's value down the
column edges that carry it unmasked (within the drawn subgraph), marks the columns it
reaches ``carries_sensitive``, and draws those edges — and a table edge any of them
explains — as carrying regulated data unmasked.
Decorators cannot overwrite the structural fields (``id``, ``parent``, ``source``,
``target``, ``type``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from lineage_portal.text_safety import visible

from . import edge_words
from .store.base import Edge, Node, Subgraph

CatalogDecorator = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]

# Transformations that change the value on the way, so a regulated value does not
# arrive in the clear; drawn differently from identity edges on the graph.
MASKED = edge_words.MASKING_LABELS
FAILED_STATUSES = frozenset({"FAILED", "FAILURE", "FAIL", "ERROR", "ABORTED"})
# Lineage that was declared (dbt manifest alone, an OpenLineage JobEvent), never run.
DECLARED_STATUSES = frozenset({"DECLARED", "NOT_RUN"})
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
    subgraph: Subgraph,
    *,
    catalog: CatalogDecorator | None = None,
    column_edges: Sequence[Edge] = (),
) -> list[dict[str, Any]]:
    """Cytoscape elements for a subgraph: dataset nodes, column children, FEEDS edges.

    Columns become children of their dataset (compound nodes) when the dataset is drawn.
    Datasets carry ``schema`` so the page can group them when the graph is large.
    ``column_edges`` (for a table-level drawing) let a table edge say whether any of its
    column edges carries a sensitive value unmasked.
    """
    keys = [node.key for node in subgraph.nodes]
    sources = sorted({edge.upstream for edge in (*subgraph.edges, *column_edges)} - set(keys))
    extra = catalog([*keys, *sources]) if catalog is not None and keys else {}
    own = {key for key, fields in extra.items() if fields.get("sensitive")}
    sensitive = _carrying(own, [*subgraph.edges, *column_edges])
    drawn = set(keys)
    elements = [
        _node_element(node, subgraph.center, drawn, extra.get(node.key, {}), sensitive)
        for node in subgraph.nodes
    ]
    # Parents first: cytoscape needs a compound parent before (or with) its children.
    elements.sort(key=lambda element: element["data"]["type"] != "dataset")
    exposing = _exposing_table_edges(column_edges, sensitive)
    edges = list(_edges_between(subgraph.edges, drawn))
    producers = edge_producers(edges)
    elements.extend(
        _edge_element(
            edge, producers, sensitive, exposing.get((edge.upstream, edge.downstream), [])
        )
        for edge in edges
    )
    return elements


def edge_producers(edges: Iterable[Edge]) -> dict[str, dict[str, str]]:
    """Who reported the OpenLineage runs behind edges (or their other claims), by run id.

    ``{run_id: {"producer": <the event's producer URI>, "posted_by": <user>}}``: every
    accepted event is recorded with its producer identity, shown on the edge it changed.
    """
    from .models import OpenLineageRun

    said = [(e.origin, e.query_id) for e in edges]
    said += [(e.other_claim.origin, e.other_claim.query_id) for e in edges if e.other_claim]
    run_ids = {run_id for origin, run_id in said if origin == "openlineage" and run_id}
    if not run_ids:
        return {}
    runs = OpenLineageRun.objects.filter(run_id__in=run_ids).select_related("posted_by")
    return {
        run.run_id: {
            "producer": run.producer,
            "posted_by": run.posted_by.get_username() if run.posted_by else "",
        }
        for run in runs
    }


def _carrying(own: set[str], edges: Sequence[Edge]) -> set[str]:
    """Sensitive columns and every column their value reaches unmasked, edge by edge."""
    carrying = set(own)
    onward: dict[str, list[str]] = {}
    for edge in edges:
        if edge.level == "column" and edge_words.carries_value(edge):
            onward.setdefault(edge.upstream, []).append(edge.downstream)
    frontier = list(carrying)
    while frontier:
        for downstream in onward.get(frontier.pop(), ()):
            if downstream not in carrying:
                carrying.add(downstream)
                frontier.append(downstream)
    return carrying


def _dataset_of(column_key: str) -> str:
    return column_key.partition("#")[0]


def _exposing_table_edges(
    column_edges: Iterable[Edge], sensitive: set[str]
) -> dict[tuple[str, str], list[Edge]]:
    """(upstream table, downstream table) → its column edges that carry a sensitive value."""
    found: dict[tuple[str, str], list[Edge]] = {}
    for edge in column_edges:
        if edge.upstream in sensitive and edge_words.carries_value(edge):
            pair = (_dataset_of(edge.upstream), _dataset_of(edge.downstream))
            found.setdefault(pair, []).append(edge)
    return found


def _node_element(
    node: Node, center: str, drawn: set[str], extra: Mapping[str, Any], sensitive: set[str]
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
    if node.label == "Column":
        data["carries_sensitive"] = node.key in sensitive
    classes = [data["type"]]
    if node.key == center:
        classes.append("center")
    classes.append(f"cls-{data.get('classification') or 'unclassified'}")
    return {"group": "nodes", "data": data, "classes": " ".join(classes)}


def _edges_between(edges: Iterable[Edge], drawn: set[str]) -> Iterable[Edge]:
    """Edges whose both ends are drawn; a truncated subgraph may hold dangling ones."""
    return (edge for edge in edges if edge.upstream in drawn and edge.downstream in drawn)


def _claim_data(edge: Edge, producers: Mapping[str, Mapping[str, str]]) -> dict[str, Any] | None:
    claim = edge.other_claim
    if claim is None:
        return None
    return {
        "origin": claim.origin,
        "masking": claim.masking or "",
        "masked": claim.masked,
        "execution_status": claim.execution_status or "",
        "job": claim.job or "",
        "query_id": claim.query_id or "",
        "last_seen": _iso(claim.last_seen),
        **producers.get(claim.query_id or "", {}),
    }


def _edge_element(
    edge: Edge,
    producers: Mapping[str, Mapping[str, str]],
    sensitive: set[str],
    exposing: list[Edge],
) -> dict[str, Any]:
    masking = edge_words.masking_label(edge)
    status = (edge.execution_status or "").upper()
    masked = masking in MASKED
    flow = edge_words.flow_type(edge)
    carries = edge_words.carries_value(edge)
    regulated = bool(exposing) or (edge.upstream in sensitive and carries)
    label = edge.transformation_type
    if masked:
        label = f"{LOCK} {masking} · {label}"
    classes = [f"level-{edge.level}", "masked" if masked else f"masking-{masking}"]
    if flow == "INDIRECT":
        classes.append("indirect")
    if regulated:
        classes.append("unmasked-regulated")
    if status in FAILED_STATUSES:
        classes.append("failed")
    if status in DECLARED_STATUSES:
        classes.append("declared")
    if edge.conflict:
        classes.append("conflict")
    value_text = edge_words.masking_words(edge)
    if edge.level == "dataset" and exposing:
        names = sorted({e.upstream.partition("#")[2] for e in exposing})
        value_text = f"carries regulated data unmasked ({', '.join(names)})"
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
            "masked": edge_words.is_masked(edge),
            "flow_type": flow,
            "subtype": edge_words.subtype(edge),
            "value_text": value_text,
            "carries_value": carries,
            "regulated_unmasked": regulated,
            "first_seen": _iso(edge.first_seen),
            "last_seen": _iso(edge.last_seen),
            "run_count": edge.run_count,
            "description": edge.description or "",
            "origin": edge.origin,
            # Whose word the edge is not, when another origin said otherwise: shown beside it.
            "other_claim": _claim_data(edge, producers),
            "conflict": edge.conflict,
            **(producers.get(edge.query_id or "", {}) if edge.origin == "openlineage" else {}),
        },
        "classes": " ".join(classes),
    }


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
