"""An exposure as evidence: paths hop by hop, readers and grants, in JSON-ready form.

The same shapes serve the stored findings, the ``/api/v1/exposure/paths`` answer
(design.md's contract) and the reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from graph.store.base import Grant, GraphStore, Read

from .engine import ExposurePath, Hop
from .policy import Carry

READERS_DAYS = 90


def hop_json(hop: Hop) -> dict[str, Any]:
    """One hop as the API and the findings show it."""
    edge = hop.edge
    return {
        "from": hop.from_dataset,
        "to": hop.to_dataset,
        "from_column": hop.from_column,
        "to_column": hop.to_column,
        "transform": edge.masking,
        "type": edge.flow_type,
        "subtype": edge.subtype,
        "masking": hop_masked(hop),
        "transformation_type": edge.transformation_type,
        "job": edge.job,
        "query_id": edge.query_id,
        "execution_status": edge.execution_status,
        "first_seen": edge.first_seen.isoformat(),
        "last_seen": edge.last_seen.isoformat(),
        "level": edge.level,
    }


def hop_masked(hop: Hop) -> bool | None:
    """Whether this hop masks the value it moves: False, True, or None when unknown."""
    if hop.carry is Carry.UNKNOWN:
        return None
    return hop.carry is Carry.NONE


def path_json(path: ExposurePath) -> dict[str, Any]:
    return {
        "datasets": path.datasets,
        "readable": path.readable,
        "hops": [hop_json(hop) for hop in path.hops],
    }


def readers_json(
    store: GraphStore, dataset_key: str, *, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """Who read the dataset in the 90 days up to ``as_of`` (now), most recent first."""
    return reads_json(store.readers(dataset_key), as_of=as_of)


def reads_json(reads: Iterable[Read], *, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The reads of the 90 days up to ``as_of`` (now), as findings keep them."""
    since = (as_of or timezone.now()) - timedelta(days=READERS_DAYS)
    return [
        {
            "principal": r.principal,
            "kind": r.principal_kind,
            "first_seen": r.first_seen.isoformat(),
            "last_seen": r.last_seen.isoformat(),
            "count": r.count,
        }
        for r in reads
        if r.last_seen >= since and (as_of is None or r.first_seen <= as_of)
    ]


def grants_json(store: GraphStore, dataset_key: str) -> list[dict[str, Any]]:
    """Who may read the dataset now, directly or through roles."""
    return grants_list_json(store.who_can_read(dataset_key))


def grants_list_json(grants: Iterable[Grant]) -> list[dict[str, Any]]:
    """Grants as findings keep them."""
    return [
        {
            "principal": g.principal,
            "kind": g.principal_kind,
            "privilege": g.privilege,
            "via": list(g.via),
        }
        for g in grants
    ]
