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
        from django.db import connection

        with connection.cursor() as cursor:
            edges, reads = embedded_rows(cursor)
    return fingerprint_of(edges, reads, store.counts())


def fingerprint_of(edges: list, reads: list, counts: Counts) -> Fingerprint:
    edges, reads = sorted(edges), sorted(reads)
    digest = hashlib.sha256(repr((edges, reads)).encode()).hexdigest()
    return Fingerprint(counts, len(edges), digest)


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


def embedded_rows(cursor) -> tuple[list, list]:
    """The embedded store's edges and reads through any DB-API cursor (another database too)."""
    cursor.execute(
        f"SELECT upstream, downstream, {', '.join(EDGE_FIELDS)}, first_seen, last_seen "
        "FROM graph_store_edge"
    )
    edges = [(*row[:-2], _time(row[-2]), _time(row[-1])) for row in cursor.fetchall()]
    cursor.execute(
        "SELECT principal, principal_kind, dataset_key, first_seen, last_seen, count "
        "FROM graph_store_read"
    )
    reads = [(*row[:3], _time(row[3]), _time(row[4]), row[5]) for row in cursor.fetchall()]
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
