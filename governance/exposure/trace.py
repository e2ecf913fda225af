"""``traceExposurePaths(target, maxDepth)``: every path from a regulated source into one asset.

Walks upstream from the target's columns over every edge that moves a value (masked or
not), so the answer shows the hashed paths beside the leaking ones, each with
``masked`` true, false or null (unknown: a table-level hop, or a transformation nobody
could tell). A masking policy on the target masks reads of it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max

from graph.keys import ColumnKey, is_column_key
from graph.masking import INDIRECT
from graph.models import Column, Dataset, IngestionRun
from graph.store.base import Edge, GraphStore

from ..models import AssetGovernance, AuditChainHead, TagSuggestion
from .engine import ExposurePath, Hop, max_depth
from .evidence import hop_json
from .policy import Carry, Governance, Source, carries, masked_on_arrival

PATHS_PER_SOURCE = 50


class UnknownTarget(LookupError):
    """No catalog dataset answers to the requested name."""


class AmbiguousTarget(ValueError):
    """Several catalog datasets answer to the requested name; ``candidates`` lists them."""

    def __init__(self, name: str, candidates: list[str]):
        self.candidates = candidates
        super().__init__(f"{name!r} names several datasets: {', '.join(candidates)}")


def target_resolve(name: str) -> Dataset:
    """A dataset by key or by warehouse name in any case (``PROD_DB.MARTS.X``, ``marts.x``)."""
    wanted = name.strip().strip('"').lower()
    if "://" in wanted:
        found = list(Dataset.objects.filter(key=wanted))
    else:
        found = list(Dataset.objects.filter(key__endswith=f"://{wanted}"))
        if not found:
            found = list(Dataset.objects.filter(key__endswith=f".{wanted}"))
    if not found:
        raise UnknownTarget(name)
    if len(found) > 1:
        raise AmbiguousTarget(name, sorted(d.key for d in found))
    return found[0]


@dataclass(frozen=True)
class TracedPath:
    """One path from a regulated source into the target."""

    source: Source
    path: ExposurePath
    masked: bool | None
    masked_by: str | None = None  # the target's masking policy, when it is what masks

    def as_json(self) -> dict[str, Any]:
        first, last = self.path.hops[0], self.path.hops[-1]
        protection = self.source.protection
        return {
            "source": protection.dataset_key,
            "source_column": first.from_column,
            "target_column": last.to_column,
            "tags": sorted(protection.tags),
            "classification": protection.classification,
            "risk_level": self.source.risk_level,
            "masked": self.masked,
            "masked_by_policy": self.masked_by,
            "path": self.path.datasets,
            "hops": [hop_json(hop) for hop in self.path.hops],
        }


def exposure_paths_trace(
    *,
    store: GraphStore,
    target: Dataset,
    depth: int | None = None,
    as_of: datetime | None = None,
    column: str | None = None,
) -> list[TracedPath]:
    """Every path into ``target`` (or one of its columns) from a regulated source."""
    depth = max_depth(depth)
    governance, sources = _sources(store, as_of)
    columns = Column.objects.filter(dataset=target)
    if column:
        columns = columns.filter(name__iexact=column.strip())
    ends = list(columns.values_list("key", flat=True)) + [target.key]
    into = _upstream(store, ends, depth, as_of)
    traced = []
    for start in sorted(set(into.walked) & set(sources)):
        for path in _paths_from(into, start, set(ends), depth):
            traced.append(_traced(sources[start], path, governance))
    return sorted(
        traced, key=lambda t: (t.masked is not False, t.source.risk_level, len(t.path.hops))
    )


_cache: dict[tuple, tuple[Governance, dict[str, Source]]] = {}


def _sources(store: GraphStore, as_of: datetime | None) -> tuple[Governance, dict[str, Source]]:
    """Governance and the sensitive sources, computed again only when something changed.

    Every governance change appends an audit event and touches its asset, a warehouse sync
    adds suggestions, lineage changes with ingestion runs: those are the cache's key.
    """
    key = (_state(), as_of, id(store))
    if key not in _cache:
        governance = Governance.load()
        sources = {
            s.key: s
            for s in governance.sources(
                masked_copies=lambda keys: masked_on_arrival(store.edges_to(keys, as_of=as_of))
            )
        }
        sources.update({s.key: s for s in governance.table_sources(list(sources.values()))})
        _cache.clear()  # one entry: the current state (and its as_of)
        _cache[key] = (governance, sources)
    return _cache[key]


def _state() -> tuple:
    head = AuditChainHead.objects.values_list("seq", flat=True).first() or 0
    assets = AssetGovernance.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    suggestions = TagSuggestion.objects.aggregate(n=Max("pk"))["n"] or 0
    runs = IngestionRun.objects.aggregate(n=Max("finished_at"))["n"]
    return head, assets["n"], assets["at"], suggestions, runs


@dataclass
class _Upstream:
    """Edges into each node met on the way up, and every node met."""

    edges: dict[str, list[Edge]]
    walked: set[str]


def _upstream(store: GraphStore, ends: list[str], depth: int, as_of) -> _Upstream:
    """Walk up from ``ends`` over value-moving edges (table-level ones only where no column edge is)."""
    into: dict[str, list[Edge]] = defaultdict(list)
    walked, frontier = set(ends), list(ends)
    for level in range(depth):
        if not frontier:
            break
        # Past the first step every key comes from an edge: no former key to follow.
        edges = store.edges_to(frontier, as_of=as_of, current=level > 0)
        arriving = [e for e in edges if e.flow_type != INDIRECT]
        explained = {
            (_dataset(e.upstream), _dataset(e.downstream)) for e in arriving if e.level == "column"
        }
        nxt = []
        for edge in arriving:
            pair = (edge.upstream, edge.downstream)
            if edge.level == "dataset" and pair in explained:
                continue
            into[edge.downstream].append(edge)
            if edge.upstream not in walked:
                walked.add(edge.upstream)
                nxt.append(edge.upstream)
        frontier = nxt
    return _Upstream(into, walked)


def _paths_from(up: _Upstream, start: str, ends: set[str], depth: int) -> list[list[Edge]]:
    """Simple paths from ``start`` to any end, forwards, at most ``depth`` edges."""
    out: dict[str, list[Edge]] = defaultdict(list)
    for edges in up.edges.values():
        for edge in edges:
            out[edge.upstream].append(edge)
    found: list[list[Edge]] = []
    stack: list[tuple[str, list[Edge], frozenset[str]]] = [(start, [], frozenset({start}))]
    while stack and len(found) < PATHS_PER_SOURCE:
        node, path, seen = stack.pop()
        if node in ends and path:
            found.append(path)
            continue
        if len(path) >= depth:
            continue
        for edge in sorted(out.get(node, ()), key=lambda e: e.downstream, reverse=True):
            if edge.downstream not in seen:
                stack.append((edge.downstream, [*path, edge], seen | {edge.downstream}))
    return sorted(found, key=len)


def _traced(source: Source, edges: list[Edge], governance: Governance) -> TracedPath:
    kinds = [carries(edge, source) for edge in edges]
    path = ExposurePath(tuple(Hop(edge, kind) for edge, kind in zip(edges, kinds, strict=True)))
    policy = governance.of(edges[-1].downstream).masked_by
    if Carry.NONE in kinds:
        return TracedPath(source, path, True)
    if policy:
        return TracedPath(source, path, True, masked_by=policy)
    return TracedPath(source, path, None if Carry.UNKNOWN in kinds else False)


def _dataset(key: str) -> str:
    return ColumnKey.parse(key).dataset_key if is_column_key(key) else key
