"""The SQL of the embedded graph store: upserts and recursive-CTE traversals.

Written once for SQLite (3.24+) and Postgres: ``INSERT … ON CONFLICT … DO UPDATE`` with
``excluded``, ``WITH RECURSIVE``, ``||`` and ``CAST(… AS TEXT)`` mean the same on both;
only the substring-position function differs. Every value is a query parameter; the
f-strings below only splice in table names and fixed SQL fragments chosen in code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from graph.models import StoreEdge, StoreNode, StoreRead

from ..base import DatasetNode, Edge, EdgeObservation, Node, ReadObservation
from ..common import CLAIM_FIELDS, claim_from, origin_rank_cases

NODE = StoreNode._meta.db_table
EDGE = StoreEdge._meta.db_table
READ = StoreRead._meta.db_table

# Separates keys in the trail of a path walk; no normalized key contains it.
TRAIL_SEP = "\x1f"

_EDGE_COLUMNS = (
    "upstream, downstream, level, transformation_type, query_id, job, job_version, "
    "execution_status, masking, flow_type, subtype, masked, description, origin, "
    "first_seen, last_seen, run_count"
)
_LATEST_WINS = (
    "transformation_type",
    "query_id",
    "job",
    "job_version",
    "execution_status",
    "masking",
    "flow_type",
    "subtype",
    "masked",
    "description",
)


def to_edge(row: StoreEdge) -> Edge:
    """A stored edge row as the interface's dataclass."""
    return Edge(
        upstream=row.upstream,
        downstream=row.downstream,
        level=row.level,
        transformation_type=row.transformation_type,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        run_count=row.run_count,
        query_id=row.query_id,
        job=row.job,
        job_version=row.job_version,
        execution_status=row.execution_status,
        masking=row.masking,
        flow_type=row.flow_type,
        subtype=row.subtype,
        masked=row.masked,
        description=row.description,
        origin=row.origin,
        other_claim=claim_from(row.__dict__),
    )


def to_node(row: StoreNode) -> Node:
    """A stored node row as the interface's dataclass; blank columns become ``None``."""
    return Node(
        key=row.key,
        label=row.label,
        name=row.name,
        platform=row.platform or None,
        dataset_key=row.dataset_key or None,
        kind=row.kind or None,
        object_id=row.object_id or None,
    )


def _db_time(value: datetime | None):
    """A datetime as the database driver wants it (SQLite stores UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def _rows(rows: Sequence[Sequence], types: Sequence[str]) -> tuple[str, list]:
    """The rows to insert as SQL and parameters: one array per column on Postgres.

    Postgres takes ``unnest`` of typed arrays (a dozen parameters, whatever the batch
    size); SQLite takes a ``VALUES`` list with one parameter per value.
    """
    if connection.vendor == "postgresql":
        arrays = [list(column) for column in zip(*rows, strict=True)]
        return f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types)})", arrays
    one = "(" + ", ".join(["%s"] * len(types)) + ")"
    return "VALUES " + ", ".join([one] * len(rows)), [value for row in rows for value in row]


_NODE_TYPES = ("text", "text", "text", "text", "text", "text", "text")


def _binary_order() -> str:
    """Order text by code point, as Python and Neo4j do, whatever the database's locale."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def execute(sql: str, params: Sequence = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def fetchall(sql: str, params: Sequence = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


# --- writes -----------------------------------------------------------------------


def insert_missing_nodes(rows: Sequence[tuple[str, str, str, str, str, str]]) -> None:
    """Create nodes ``(key, label, name, platform, dataset_key, kind)`` that do not exist."""
    if rows:
        source, params = _rows([(*row, "") for row in rows], _NODE_TYPES)
        execute(
            f"INSERT INTO {NODE} (key, label, name, platform, dataset_key, kind, object_id) "
            f"{source} ON CONFLICT (key) DO NOTHING",
            params,
        )


def upsert_columns(rows: Sequence[tuple[str, str, str]]) -> None:
    """Create columns ``(key, dataset_key, name)``, or rename existing ones to ``name``."""
    if rows:
        source, params = _rows(
            [(key, "Column", parent, name, "", "", "") for key, parent, name in rows], _NODE_TYPES
        )
        execute(
            f"INSERT INTO {NODE} (key, label, dataset_key, name, platform, kind, object_id) "
            f"{source} ON CONFLICT (key) DO UPDATE SET name = excluded.name",
            params,
        )


def upsert_datasets(rows: Sequence[DatasetNode], *, keep_identity: bool = False) -> None:
    """Create or update datasets; keys must be unique within ``rows``.

    A missing object_id does not erase a known one, and first_seen only moves earlier.
    ``keep_identity`` leaves name, platform and kind alone: the rows were written under a
    former key (a replayed window from before a rename) and must not undo the rename.
    """
    source, params = _rows(
        [
            (
                r.key,
                "Dataset",
                r.name,
                r.platform,
                "",
                r.kind,
                r.object_id or "",
                _db_time(r.first_seen),
            )
            for r in rows
        ],
        (*_NODE_TYPES, "timestamptz"),
    )
    identity = (
        ""
        if keep_identity
        else "name = excluded.name, platform = excluded.platform, kind = excluded.kind, "
    )
    execute(
        f"INSERT INTO {NODE} (key, label, name, platform, dataset_key, kind, object_id, first_seen) "
        f"{source} ON CONFLICT (key) DO UPDATE SET {identity}"
        f"object_id = CASE WHEN excluded.object_id <> '' THEN excluded.object_id "
        f"ELSE {NODE}.object_id END, "
        f"first_seen = CASE WHEN excluded.first_seen IS NOT NULL AND ({NODE}.first_seen IS NULL "
        f"OR excluded.first_seen < {NODE}.first_seen) THEN excluded.first_seen "
        f"ELSE {NODE}.first_seen END",
        params,
    )


def _extends(table: str) -> str:
    """True when the incoming observation widens the stored [first_seen, last_seen]."""
    return f"(excluded.first_seen < {table}.first_seen OR excluded.last_seen > {table}.last_seen)"


def _widen_times(table: str) -> str:
    return (
        f"first_seen = CASE WHEN excluded.first_seen < {table}.first_seen "
        f"THEN excluded.first_seen ELSE {table}.first_seen END, "
        f"last_seen = CASE WHEN excluded.last_seen > {table}.last_seen "
        f"THEN excluded.last_seen ELSE {table}.last_seen END"
    )


def _counted(table: str, column: str, additive: bool) -> tuple[str, str]:
    """The count's new value and the condition for writing at all (see ``upsert_reads``)."""
    added = f"{table}.{column} + excluded.{column}"
    if additive:
        return added, f"({_extends(table)} OR excluded.{column} > 0)"
    return f"CASE WHEN {_extends(table)} THEN {added} ELSE {table}.{column} END", _extends(table)


def upsert_edges(rows: Sequence[EdgeObservation], *, additive: bool = False) -> None:
    """Merge edge observations; (upstream, downstream) must be unique within ``rows``.

    The right-hand sides all read the row as it was before this statement, so the
    run_count and latest-wins tests compare against the stored range. An observation
    inside that range changes nothing, so the ``WHERE`` skips the write altogether (a
    replayed window costs no new row versions). ``additive`` rows always add their
    run_count (see ``EdgeObservation.additive``).
    """
    source, params = _rows(
        [
            (
                r.upstream,
                r.downstream,
                r.level,
                r.transformation_type,
                r.query_id,
                r.job,
                r.job_version,
                r.execution_status,
                r.masking,
                r.flow_type,
                r.subtype,
                r.masked,
                r.description,
                r.origin,
                _db_time(r.first_seen),
                _db_time(r.last_seen),
                r.run_count,
            )
            for r in rows
        ],
        ("text",) * 11 + ("boolean", "text", "text", "timestamptz", "timestamptz", "integer"),
    )
    execute(
        f"INSERT INTO {EDGE} ({_EDGE_COLUMNS}) {source} "
        f"ON CONFLICT (upstream, downstream) DO UPDATE SET {_edge_updates(additive)}",
        params,
    )


def _edge_updates(additive: bool) -> str:
    """The SET and WHERE of an edge upsert, by origin rank (see ``graph.store.base``).

    Same origin: run_count and times as always (``additive`` rows always add their
    run_count), the latest observation sets the fields.
    A higher origin takes the edge over, and the stored fields become the other claim; a
    lower one only becomes the other claim, if it is later than the claim kept.
    """
    new, old = origin_rank_cases("excluded.origin"), origin_rank_cases(f"{EDGE}.origin")
    over, same, under = f"({new}) > ({old})", f"({new}) = ({old})", f"({new}) < ({old})"
    claim_seen = f"{EDGE}.claim_seen"
    from_edge = f"{over} AND ({claim_seen} IS NULL OR {EDGE}.last_seen > {claim_seen})"
    from_row = f"{under} AND ({claim_seen} IS NULL OR excluded.last_seen > {claim_seen})"
    claims = [
        f"claim_{name} = CASE WHEN {from_edge} THEN {EDGE}.{field} "
        f"WHEN {from_row} THEN excluded.{field} ELSE {EDGE}.claim_{name} END"
        for name, field in (*CLAIM_FIELDS, ("seen", "last_seen"))
    ]
    later = f"excluded.last_seen > {EDGE}.last_seen"
    own = [
        f"{col} = CASE WHEN {over} OR ({same} AND {later}) THEN excluded.{col} "
        f"ELSE {EDGE}.{col} END"
        for col in (*_LATEST_WINS, "origin")
    ]
    extends = _extends(EDGE)
    # An additive row's run_count holds only runs never merged before: add it (0 for a
    # replay, which then changes nothing); any other row adds only when it widens the range.
    adds = f"({extends} OR excluded.run_count > 0)" if additive else extends
    counts = (
        f"run_count = CASE WHEN {over} THEN excluded.run_count "
        f"WHEN {same} AND {adds} THEN {EDGE}.run_count + excluded.run_count "
        f"ELSE {EDGE}.run_count END"
    )
    times = [
        f"{end} = CASE WHEN {over} OR ({same} AND excluded.{end} {cmp} {EDGE}.{end}) "
        f"THEN excluded.{end} ELSE {EDGE}.{end} END"
        for end, cmp in (("first_seen", "<"), ("last_seen", ">"))
    ]
    where = f"({same} AND {adds}) OR ({over}) OR ({from_row})"
    return f"{', '.join([*claims, counts, *own, *times])} WHERE {where}"


def upsert_reads(rows: Sequence[ReadObservation], *, additive: bool = False) -> None:
    """Merge read observations; (principal, dataset_key) must be unique within ``rows``."""
    source, params = _rows(
        [
            (
                r.principal,
                r.principal_kind,
                r.dataset_key,
                _db_time(r.first_seen),
                _db_time(r.last_seen),
                r.count,
            )
            for r in rows
        ],
        ("text", "text", "text", "timestamptz", "timestamptz", "integer"),
    )
    count, changes = _counted(READ, "count", additive)
    execute(
        f"INSERT INTO {READ} (principal, principal_kind, dataset_key, first_seen, last_seen, count) "
        f"{source} ON CONFLICT (principal, dataset_key) DO UPDATE SET "
        f"count = {count}, "
        f"principal_kind = CASE WHEN excluded.last_seen > {READ}.last_seen "
        f"THEN excluded.principal_kind ELSE {READ}.principal_kind END, {_widen_times(READ)} "
        f"WHERE {changes}",
        params,
    )


# --- traversals --------------------------------------------------------------------


def _steps(direction: str) -> tuple[str, str]:
    """(edge column we come from, edge column we go to) when walking ``direction``."""
    return ("upstream", "downstream") if direction == "downstream" else ("downstream", "upstream")


def _existed(alias: str) -> str:
    """The as_of test on a node: it existed then, or its first sighting is unknown."""
    return f"({alias}.first_seen IS NULL OR {alias}.first_seen <= %s)"


def walk(
    starts: Sequence[str],
    *,
    direction: str,
    depth: int,
    as_of: datetime | None,
    limit: int | None = None,
) -> list[tuple[str, str, int]]:
    """``(start, node, shortest depth)`` for every node ``direction`` of each start.

    ``UNION`` (not ``UNION ALL``) drops repeated (start, node, depth) rows, so the walk
    stays polynomial on diamonds, and the depth bound ends it on cycles.
    """
    come, go = _steps(direction)
    when = _db_time(as_of)
    seed_filter = f" AND {_existed('n')}" if as_of else ""
    step_join = f" JOIN {NODE} m ON m.key = e.{go}" if as_of else ""
    step_filter = f" AND e.first_seen <= %s AND {_existed('m')}" if as_of else ""
    sql = (
        "WITH RECURSIVE walk(origin, node, depth) AS ("
        f" SELECT CAST(n.key AS TEXT), CAST(n.key AS TEXT), 0 FROM {NODE} n"
        f" WHERE n.key IN ({', '.join(['%s'] * len(starts))}){seed_filter}"
        " UNION"
        f" SELECT w.origin, CAST(e.{go} AS TEXT), w.depth + 1"
        f" FROM walk w JOIN {EDGE} e ON e.{come} = w.node{step_join}"
        f" WHERE w.depth < %s{step_filter})"
        " SELECT origin, node, MIN(depth) AS hops FROM walk WHERE node <> origin"
        f" GROUP BY origin, node ORDER BY origin, hops, node{_binary_order()}"
    )
    params = [*starts, *([when] if as_of else []), depth, *([when, when] if as_of else [])]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    return fetchall(sql, params)


def path_edge_ids(
    source: str, target: str, *, depth: int, as_of: datetime | None
) -> list[list[int]]:
    """The edge ids of every simple path from ``source`` to ``target`` within ``depth``.

    ``back`` first finds how far each node is from ``target``; the path walk then only
    takes steps that can still arrive in time, and its trail keeps paths simple.
    """
    position = "strpos" if connection.vendor == "postgresql" else "instr"
    when = _db_time(as_of)
    seed_filter = f" AND {_existed('n')}" if as_of else ""
    back_join = f" JOIN {NODE} m ON m.key = e.upstream" if as_of else ""
    back_filter = f" AND e.first_seen <= %s AND {_existed('m')}" if as_of else ""
    walk_filter = " AND e.first_seen <= %s" if as_of else ""
    sql = (
        "WITH RECURSIVE back(node, depth) AS ("
        f" SELECT CAST(n.key AS TEXT), 0 FROM {NODE} n WHERE n.key = %s{seed_filter}"
        " UNION"
        " SELECT CAST(e.upstream AS TEXT), b.depth + 1"
        f" FROM back b JOIN {EDGE} e ON e.downstream = b.node{back_join}"
        f" WHERE b.depth < %s{back_filter}),"
        " dist(node, depth) AS (SELECT node, MIN(depth) FROM back GROUP BY node),"
        " walk(node, depth, trail, edge_ids) AS ("
        " SELECT d.node, 0, CAST(%s || d.node || %s AS TEXT), CAST('' AS TEXT)"
        " FROM dist d WHERE d.node = %s"
        " UNION ALL"
        " SELECT CAST(e.downstream AS TEXT), w.depth + 1,"
        " CAST(w.trail || e.downstream || %s AS TEXT),"
        " CAST(w.edge_ids || CAST(e.id AS TEXT) || ',' AS TEXT)"
        f" FROM walk w JOIN {EDGE} e ON e.upstream = w.node JOIN dist d ON d.node = e.downstream"
        f" WHERE w.node <> %s AND w.depth + 1 + d.depth <= %s"
        f" AND {position}(w.trail, %s || e.downstream || %s) = 0{walk_filter})"
        " SELECT edge_ids FROM walk WHERE node = %s AND depth > 0"
    )
    params = [
        target,
        *([when] if as_of else []),
        depth,
        *([when, when] if as_of else []),
        TRAIL_SEP,
        TRAIL_SEP,
        source,
        TRAIL_SEP,
        target,
        depth,
        TRAIL_SEP,
        TRAIL_SEP,
        *([when] if as_of else []),
        target,
    ]
    return [[int(i) for i in ids.rstrip(",").split(",")] for (ids,) in fetchall(sql, params)]


# --- renames -----------------------------------------------------------------------


def rekey_columns(old_key: str, new_key: str) -> None:
    """Move the columns of dataset ``old_key``, and their edges, under ``new_key``."""
    start = len(old_key) + 1  # substr() counts from 1: the '#' after the old key
    for end in ("upstream", "downstream"):
        execute(
            f"UPDATE {EDGE} SET {end} = %s || substr({end}, %s) WHERE {end} IN "
            f"(SELECT key FROM {NODE} WHERE label = 'Column' AND dataset_key = %s)",
            [new_key, start, old_key],
        )
    execute(
        f"UPDATE {NODE} SET key = %s || substr(key, %s), dataset_key = %s "
        "WHERE label = 'Column' AND dataset_key = %s",
        [new_key, start, new_key, old_key],
    )
