"""What a user could see of a whole graph, as one comparable value: counts and a checksum.

Read straight from each backend (every FEEDS and READ edge with all its properties), so
two graphs compare equal only if every edge agrees on every field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC

from graph.store.base import Counts, GraphStore


@dataclass(frozen=True)
class Fingerprint:
    """A graph's counts and the SHA-256 of its sorted edges and reads."""

    counts: Counts
    edges: int
    checksum: str


def graph_fingerprint(store: GraphStore) -> Fingerprint:
    if store.name == "neo4j":
        edges, reads = _neo4j_rows(store)
    else:
        edges, reads = _embedded_rows()
    edges, reads = sorted(edges), sorted(reads)
    digest = hashlib.sha256(repr((edges, reads)).encode()).hexdigest()
    return Fingerprint(store.counts(), len(edges), digest)


def _time(value) -> str:
    if hasattr(value, "to_native"):
        value = value.to_native()
    return value.astimezone(UTC).isoformat()


EDGE_FIELDS = (
    "level",
    "transformation_type",
    "query_id",
    "job",
    "job_version",
    "execution_status",
    "masking",
    "flow_type",
    "subtype",
    "masked",
    "run_count",
)


def _embedded_rows():
    from graph.models import StoreEdge, StoreRead

    edges = [
        (e.upstream, e.downstream, *(getattr(e, f) for f in EDGE_FIELDS))
        + (_time(e.first_seen), _time(e.last_seen))
        for e in StoreEdge.objects.all()
    ]
    reads = [
        (r.principal, r.principal_kind, r.dataset_key, _time(r.first_seen), _time(r.last_seen))
        + (r.count,)
        for r in StoreRead.objects.all()
    ]
    return edges, reads


def _neo4j_rows(store):
    records, _, _ = store._driver.execute_query(
        "MATCH (u)-[e:FEEDS]->(d) RETURN u.key AS up, d.key AS down, properties(e) AS e"
    )
    edges = [
        (r["up"], r["down"], *(r["e"].get(f) for f in EDGE_FIELDS))
        + (_time(r["e"]["first_seen"]), _time(r["e"]["last_seen"]))
        for r in records
    ]
    records, _, _ = store._driver.execute_query(
        "MATCH (p:Principal)-[r:READ]->(d:Dataset) "
        "RETURN p.name AS p, p.kind AS kind, d.key AS d, properties(r) AS r"
    )
    reads = [
        (r["p"], r["kind"], r["d"], _time(r["r"]["first_seen"]), _time(r["r"]["last_seen"]))
        + (r["r"]["count"],)
        for r in records
    ]
    return edges, reads
