"""A finding's paths as cytoscape elements: only the path's nodes, source left, exposed right.

A node is a column where the value passes (a dataset where only table-level lineage
exists), labelled with its table and column and bordered with its classification; an
edge is a hop, marked ``unmasked``, ``masked`` or ``unknown`` so the page draws masked
hops visibly differently from those that leave the value readable.
"""

from __future__ import annotations

from typing import Any

from graph.keys import DatasetKey, column_key

from ..models import Finding
from ..selectors import asset_governance_for_datasets
from .wording import hop_masking, hop_state


def finding_elements(finding: Finding) -> list[dict[str, Any]]:
    """Nodes and edges of every stored path of ``finding`` (shared steps drawn once)."""
    pii = finding.kind == Finding.Kind.UNMASKED_PII_PATH
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[str, dict[str, Any]] = {}
    for path in finding.paths:
        for hop in path.get("hops", ()):
            upstream = _node(nodes, hop["from"], hop.get("from_column"))
            downstream = _node(nodes, hop["to"], hop.get("to_column"))
            edge_id = f"{upstream}->{downstream}"
            edges.setdefault(edge_id, _edge(edge_id, upstream, downstream, hop, pii=pii))
    _classify(nodes)
    _roles(nodes, finding)
    return [*nodes.values(), *edges.values()]


def _node(nodes: dict[str, dict[str, Any]], dataset: str, column: str | None) -> str:
    key = column_key(dataset, column) if column else dataset
    if key not in nodes:
        name = DatasetKey.parse(dataset)
        nodes[key] = {
            "group": "nodes",
            "data": {
                "id": key,
                "dataset": dataset,
                "column": column or "",
                "table": name.short,
                "label": f"{name.short}\n{column}" if column else f"{name.short}\n(whole table)",
                "role": "via",
            },
        }
    return key


def _edge(
    edge_id: str, upstream: str, downstream: str, hop: dict[str, Any], *, pii: bool
) -> dict[str, Any]:
    state = hop_state(hop)
    return {
        "group": "edges",
        "data": {
            "id": edge_id,
            "source": upstream,
            "target": downstream,
            "masking": hop_masking(hop, pii=pii),
            "transformation_type": hop.get("transformation_type") or "",
            "job": hop.get("job") or "",
            "status": (hop.get("execution_status") or "").upper(),
            "last_seen": hop.get("last_seen") or "",
        },
        "classes": state,
    }


def _classify(nodes: dict[str, dict[str, Any]]) -> None:
    """Each node's effective classification: its own, else its table's (one query)."""
    datasets = {node["data"]["dataset"] for node in nodes.values()}
    known = asset_governance_for_datasets([*nodes, *datasets])
    for key, node in nodes.items():
        own = known.get(key, {})
        table = known.get(node["data"]["dataset"], {})
        level = own.get("classification") or table.get("classification") or ""
        node["data"]["classification"] = level
        node["classes"] = f"cls-{level or 'unclassified'}"


def _roles(nodes: dict[str, dict[str, Any]], finding: Finding) -> None:
    for key, role in ((finding.source, "source"), (finding.target, "target")):
        if key in nodes:
            nodes[key]["data"]["role"] = role
            nodes[key]["classes"] += f" {role}"
