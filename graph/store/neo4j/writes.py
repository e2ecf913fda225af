"""Write transactions of the Neo4j store: batched merges and renames.

Each function takes a managed transaction (``session.execute_write`` hands it over) so that
a batch and the alias lookups it depends on commit together, and a retried transaction
starts over cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from neo4j import ManagedTransaction

from ..base import ColumnNode, DatasetNode, Edge, EdgeObservation, ReadObservation
from ..common import (
    LEVELS,
    claim_from,
    edge_as_observations,
    placeholder_dataset,
    renamed_name,
    resolve_keys,
    rounds,
    split_column_key,
    utc_or_none,
    valid_edge,
    valid_read,
)
from . import cypher


def native(value) -> datetime | None:
    """A Neo4j DateTime (or None) as an aware Python datetime in UTC."""
    if value is None:
        return None
    if hasattr(value, "to_native"):
        value = value.to_native()
    return value.astimezone(UTC)


def to_edge(row: dict) -> Edge:
    """A FEEDS relationship, as returned by ``cypher.EDGE_MAP``, as the interface's dataclass."""
    return Edge(
        upstream=row["upstream"],
        downstream=row["downstream"],
        level=row["level"],
        transformation_type=row["transformation_type"],
        first_seen=native(row["first_seen"]),
        last_seen=native(row["last_seen"]),
        run_count=row["run_count"],
        query_id=row.get("query_id"),
        job=row.get("job"),
        job_version=row.get("job_version"),
        execution_status=row["execution_status"],
        masking=row["masking"],
        flow_type=row.get("flow_type"),
        subtype=row.get("subtype"),
        masked=row.get("masked"),
        description=row.get("description"),
        origin=row.get("origin") or "warehouse",
        other_claim=claim_from({**row, "claim_seen": native(row.get("claim_seen"))}),
    )


def fields_of(row) -> dict:
    """A flat dataclass's fields as a dict: ``asdict`` without its deep copies.

    ``asdict`` deep-copies every value (each datetime through ``__reduce_ex__``), which
    cost more than packing the parameters for Bolt; these rows hold only plain values.
    """
    return {name: getattr(row, name) for name in row.__dataclass_fields__}


def timed_row(row) -> dict:
    """A dataclass as query parameters, its times as ISO-8601 text (see cypher._UNWIND_TIMED)."""
    values = fields_of(row)
    for field in ("first_seen", "last_seen"):
        if values.get(field) is not None:
            values[field] = values[field].isoformat()
    return values


def _run(tx: ManagedTransaction, query: str, **params) -> list[dict]:
    return tx.run(query, params).data()


def alias_lookup(tx: ManagedTransaction) -> Callable[[set[str]], dict[str, str]]:
    """The lookup :func:`resolve_keys` needs, inside this transaction."""

    def lookup(keys: set[str]) -> dict[str, str]:
        return {r["old"]: r["new"] for r in _run(tx, cypher.LOOKUP_ALIASES, keys=sorted(keys))}

    return lookup


def _ensure_endpoints(tx: ManagedTransaction, datasets: Iterable[str], columns: Iterable[str] = ()):
    """Create the datasets and columns an edge or read names, if they do not exist yet."""
    parents = set(datasets)
    column_rows = []
    for key in sorted(set(columns)):
        parent, name = split_column_key(key)
        parents.add(parent)
        column_rows.append({"key": key, "dataset_key": parent, "name": name})
    placeholders = [fields_of(placeholder_dataset(key)) for key in sorted(parents)]
    _run(tx, cypher.ENSURE_DATASETS, rows=placeholders)
    if column_rows:
        _run(tx, cypher.ENSURE_COLUMNS, rows=column_rows)


def ensure_datasets(tx: ManagedTransaction, keys: Iterable[str]) -> None:
    """Create the datasets a grant names, if they do not exist yet."""
    _ensure_endpoints(tx, keys)


def write_datasets(tx: ManagedTransaction, chunk: Sequence[DatasetNode]) -> None:
    """Merge datasets; rows written under a former key keep the renamed node's identity."""
    aliases = resolve_keys((r.key for r in chunk), alias_lookup(tx))
    rows = [
        {
            **timed_row(replace(r, first_seen=utc_or_none(r.first_seen))),
            "key": aliases[r.key],
            "object_id": r.object_id or None,
            "keep_identity": aliases[r.key] != r.key,
        }
        for r in chunk
    ]
    _run(tx, cypher.MERGE_DATASETS, rows=rows)


def write_columns(tx: ManagedTransaction, chunk: Sequence[ColumnNode]) -> None:
    """Merge columns under their (current) datasets."""
    aliases = resolve_keys(
        [r.dataset_key for r in chunk] + [r.key for r in chunk], alias_lookup(tx)
    )
    rows = []
    for r in chunk:
        parent = aliases[r.dataset_key]
        key = aliases[r.key]
        if parent != r.dataset_key and r.key.startswith(r.dataset_key + "#"):
            key = parent + r.key[len(r.dataset_key) :]
        rows.append({"key": key, "dataset_key": parent, "name": r.name})
    _ensure_endpoints(tx, {row["dataset_key"] for row in rows})
    _run(tx, cypher.MERGE_COLUMNS, rows=rows)


def _merge_edge_rows(tx: ManagedTransaction, edges: Sequence[EdgeObservation]) -> None:
    """Merge checked observations whose endpoints exist, repeats in successive rounds."""
    for level in LEVELS:
        part = [e for e in edges if e.level == level]
        for batch in rounds(part, key=lambda e: (e.upstream, e.downstream)):
            _run(tx, cypher.merge_edges(level), rows=[timed_row(e) for e in batch])


def write_edges(tx: ManagedTransaction, chunk: Sequence[EdgeObservation]) -> None:
    """Merge FEEDS observations, creating missing endpoints."""
    aliases = resolve_keys({k for r in chunk for k in (r.upstream, r.downstream)}, alias_lookup(tx))
    edges = [valid_edge(r, aliases) for r in chunk]
    columns = {k for e in edges if e.level == "column" for k in (e.upstream, e.downstream)}
    datasets = {k for e in edges if e.level == "dataset" for k in (e.upstream, e.downstream)}
    _ensure_endpoints(tx, datasets, columns)
    _merge_edge_rows(tx, edges)


def _merge_read_rows(tx: ManagedTransaction, reads: Sequence[ReadObservation]) -> None:
    for batch in rounds(reads, key=lambda r: (r.principal, r.dataset_key)):
        _run(tx, cypher.MERGE_READS, rows=[timed_row(r) for r in batch])


def write_reads(tx: ManagedTransaction, chunk: Sequence[ReadObservation]) -> None:
    """Merge READ observations, creating missing datasets."""
    aliases = resolve_keys((r.dataset_key for r in chunk), alias_lookup(tx))
    reads = [valid_read(r, aliases) for r in chunk]
    _ensure_endpoints(tx, {r.dataset_key for r in reads})
    _merge_read_rows(tx, reads)


# --- renames -----------------------------------------------------------------------


def rename(tx: ManagedTransaction, old_key: str, new_key: str, name: str | None) -> None:
    """Move a dataset to ``new_key``, folding it into ``new_key`` if that already exists."""
    current = resolve_keys([old_key], alias_lookup(tx))[old_key]
    if current == new_key:
        if name is not None:
            _run(tx, cypher.RENAME_DATASET, key=current, name=name)
        return
    found = _run(tx, cypher.DATASET_WITH_COLUMNS, key=current)
    moves = {current: new_key}
    if found:
        columns = found[0]["columns"]
        moves |= {c["key"]: new_key + c["key"][len(current) :] for c in columns}
        if _run(tx, cypher.EXISTS, key=new_key, as_of=None):
            _fold(tx, found[0]["dataset"], columns, new_key, name, moves)
        else:
            _run(
                tx, cypher.MOVE_DATASET, old=current, new=new_key, name=renamed_name(new_key, name)
            )
    _repoint_aliases(tx, moves)


def _fold(tx, dataset: dict, columns: list[dict], new_key: str, name: str | None, moves: dict):
    """Merge a dataset into the existing ``new_key``, as if its history were replayed."""
    edges = [to_edge(r["edge"]) for r in _run(tx, cypher.EDGES_OF, keys=list(moves), as_of=None)]
    reads = _run(tx, cypher.READERS, key=dataset["key"])
    grants = _run(tx, cypher.GRANTS_ON, key=dataset["key"])
    _run(tx, cypher.DETACH_DELETE_KEYS, keys=list(moves))
    _run(
        tx,
        cypher.ABSORB_DATASET,
        key=new_key,
        name=name,
        object_id=dataset.get("object_id"),
        kind=dataset.get("kind"),
        first_seen=dataset.get("first_seen"),
    )
    _run(
        tx,
        cypher.MERGE_COLUMNS,
        rows=[{"key": moves[c["key"]], "dataset_key": new_key, "name": c["name"]} for c in columns],
    )
    _merge_edge_rows(
        tx,
        [
            observation
            for e in edges
            for observation in edge_as_observations(
                e, moves.get(e.upstream, e.upstream), moves.get(e.downstream, e.downstream)
            )
        ],
    )
    # Temporal values go back as they came; the surviving dataset's own grants win.
    _run(tx, cypher.ADD_GRANTS, rows=[{**g, "dataset_key": new_key} for g in grants])
    _merge_read_rows(
        tx,
        [
            ReadObservation(
                principal=r["principal"],
                principal_kind=r["principal_kind"],
                dataset_key=new_key,
                first_seen=native(r["first_seen"]),
                last_seen=native(r["last_seen"]),
                count=r["count"],
            )
            for r in reads
        ],
    )


def _repoint_aliases(tx: ManagedTransaction, moves: dict[str, str]) -> None:
    """Old keys now lead to new keys; a key in use again stops being an alias."""
    pairs = [{"old": old, "new": new} for old, new in moves.items()]
    _run(tx, cypher.REPOINT_ALIASES, moves=pairs)
    _run(tx, cypher.DROP_ALIASES, keys=list(moves.values()))
    _run(tx, cypher.ADD_ALIASES, moves=pairs)
