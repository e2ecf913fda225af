"""Renames in the embedded store: a dataset's node, columns, edges, reads and aliases move.

Called inside the caller's transaction with the dataset's current key (aliases resolved).
"""

from __future__ import annotations

from django.db.models import Q

from graph.models import StoreAlias, StoreEdge, StoreNode, StoreRead

from ..base import ReadObservation
from ..common import chunked, edge_as_observations, renamed_name, rounds
from . import sql
from .grants import move_grants

BATCH = 1000


def rename_node(current: str, new_key: str, name: str | None) -> None:
    """Move dataset ``current`` to ``new_key``, folding it into ``new_key`` if that exists."""
    if current == new_key:
        if name is not None:
            StoreNode.objects.filter(key=current, label="Dataset").update(name=name)
        return
    node = StoreNode.objects.filter(key=current, label="Dataset").first()
    moves = {current: new_key}
    if node is not None:
        columns = StoreNode.objects.filter(label="Column", dataset_key=current)
        moves |= {c: new_key + c[len(current) :] for c in columns.values_list("key", flat=True)}
        if StoreNode.objects.filter(key=new_key).exists():
            _fold(node, new_key, name, moves)
        else:
            _move(node, new_key, name)
    _repoint_aliases(moves)


def _move(node: StoreNode, new_key: str, name: str | None) -> None:
    """Rename in place: nothing lives at ``new_key`` yet."""
    old_key = node.key
    for end in ("upstream", "downstream"):
        StoreEdge.objects.filter(**{end: old_key}).update(**{end: new_key})
    sql.rekey_columns(old_key, new_key)
    StoreRead.objects.filter(dataset_key=old_key).update(dataset_key=new_key)
    move_grants(old_key, new_key, fold=False)
    node.key, node.name = new_key, renamed_name(new_key, name)
    node.save(update_fields=["key", "name"])


def _fold(node: StoreNode, new_key: str, name: str | None, moves: dict[str, str]) -> None:
    """Merge ``node`` into the existing dataset ``new_key``, as if its history were replayed."""
    edges = list(StoreEdge.objects.filter(Q(upstream__in=moves) | Q(downstream__in=moves)))
    reads = list(StoreRead.objects.filter(dataset_key=node.key))
    columns = list(StoreNode.objects.filter(label="Column", dataset_key=node.key))
    StoreEdge.objects.filter(pk__in=[e.pk for e in edges]).delete()
    StoreRead.objects.filter(dataset_key=node.key).delete()
    move_grants(node.key, new_key, fold=True)
    StoreNode.objects.filter(key__in=moves).delete()
    _absorb(StoreNode.objects.get(key=new_key), node, name)
    sql.upsert_columns([(moves[c.key], new_key, c.name) for c in columns])
    replayed = [
        observation
        for e in edges
        for observation in edge_as_observations(
            sql.to_edge(e), moves.get(e.upstream, e.upstream), moves.get(e.downstream, e.downstream)
        )
    ]
    for chunk in chunked(replayed, BATCH):
        for batch in rounds(chunk, key=lambda e: (e.upstream, e.downstream)):
            sql.upsert_edges(batch)
    moved_reads = [
        ReadObservation(
            principal=r.principal,
            principal_kind=r.principal_kind,
            dataset_key=new_key,
            first_seen=r.first_seen,
            last_seen=r.last_seen,
            count=r.count,
        )
        for r in reads
    ]
    for chunk in chunked(moved_reads, BATCH):
        sql.upsert_reads(chunk)  # one row per principal: no repeats within a chunk


def _absorb(target: StoreNode, node: StoreNode, name: str | None) -> None:
    """Keep the target's identity, filling what only the folded node knew."""
    if name is not None:
        target.name = name
    target.object_id = target.object_id or node.object_id
    if target.kind in ("", "unknown"):
        target.kind = node.kind
    known = [t for t in (target.first_seen, node.first_seen) if t is not None]
    target.first_seen = min(known) if known else None
    target.save()


def _repoint_aliases(moves: dict[str, str]) -> None:
    """Old keys now lead to new keys; a key in use again stops being an alias."""
    stale = list(StoreAlias.objects.filter(key__in=moves))
    for alias in stale:
        alias.key = moves[alias.key]
    StoreAlias.objects.bulk_update(stale, ["key"])
    StoreAlias.objects.filter(old_key__in=moves.values()).delete()
    StoreAlias.objects.bulk_create(
        [StoreAlias(old_key=old, key=new) for old, new in moves.items()],
        update_conflicts=True,
        unique_fields=["old_key"],
        update_fields=["key"],
    )
