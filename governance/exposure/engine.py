"""One point in time: sources × where their values land × policy → exposures with paths.

``exposure_compute`` is pure reading (the graph store and governance); ``scan`` records
what it returns. Every traversal takes ``as_of``: lineage as the edges' first and last
seen describe it on that date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from graph.keys import ColumnKey, DatasetKey, is_column_key
from graph.models import Column
from graph.store.base import MAX_DEPTH, Edge, GraphStore

from .policy import (
    Carry,
    Governance,
    Protection,
    Source,
    carries,
    edge_carry,
    exposure_reason,
    masked_on_arrival,
)
from .walk import Progress, Reach, paths, table_edges, walk

PATH_LIMIT = 20  # paths kept per finding, shortest first; the count says how many more


@dataclass(frozen=True)
class Hop:
    """One edge of a path, as evidence: where, what ran, and what it did to the value."""

    edge: Edge
    carry: Carry

    @property
    def from_dataset(self) -> str:
        return _dataset_of(self.edge.upstream)

    @property
    def to_dataset(self) -> str:
        return _dataset_of(self.edge.downstream)

    @property
    def from_column(self) -> str | None:
        return _column_of(self.edge.upstream)

    @property
    def to_column(self) -> str | None:
        return _column_of(self.edge.downstream)


@dataclass(frozen=True)
class ExposurePath:
    """A path a source's value takes to the exposed asset; ``readable`` unless a hop is unknown."""

    hops: tuple[Hop, ...]

    @property
    def readable(self) -> bool:
        return all(h.carry is not Carry.UNKNOWN for h in self.hops)

    @property
    def datasets(self) -> list[str]:
        nodes = [self.hops[0].from_dataset] + [h.to_dataset for h in self.hops]
        return [n for i, n in enumerate(nodes) if i == 0 or n != nodes[i - 1]]


@dataclass(frozen=True)
class Exposure:
    """A regulated source's value landing where it is not protected."""

    source: Source
    target: Protection
    reason: str
    paths: tuple[ExposurePath, ...]
    more_paths: bool  # more than PATH_LIMIT paths exist

    @property
    def readable(self) -> bool:
        """Whether a known-unmasked path exists (else the masking is unknown)."""
        return any(p.readable for p in self.paths)

    @property
    def hops(self) -> int:
        return min(len(p.hops) for p in self.paths)


@dataclass
class Computed:
    """What one computation found, and how much it looked at."""

    exposures: list[Exposure] = field(default_factory=list)
    sources: int = 0
    reached: int = 0
    governance: Governance | None = None


def max_depth(depth: int | None = None) -> int:
    """The walk's depth: ``graph.max_depth`` unless given, within the store's bound."""
    return min(depth or settings.LINEAGE_CONFIG["graph"]["max_depth"], MAX_DEPTH)


def exposure_compute(
    *,
    store: GraphStore,
    as_of: datetime | None = None,
    depth: int | None = None,
    progress: Progress | None = None,
) -> Computed:
    """Every exposure of every sensitive source, as lineage stood at ``as_of`` (now: None)."""
    depth = max_depth(depth)
    governance = Governance.load()
    sources = governance.sources(
        masked_copies=lambda keys: masked_on_arrival(store.edges_to(keys, as_of=as_of))
    )
    computed = Computed(sources=len(sources), governance=governance)
    column_reach = _walk(store, sources, depth, as_of, progress)
    computed.exposures += _exposures(column_reach, sources, governance, depth)
    tables = governance.table_sources(sources)
    fetch = table_edges(store, _catalog_columns, as_of)
    table_reach = _walk(store, tables, depth, as_of, None, edges_from=fetch)
    computed.exposures += _exposures(table_reach, tables, governance, depth)
    computed.reached = len(column_reach.reached) + len(table_reach.reached)
    return computed


def _walk(store, sources: list[Source], depth, as_of, progress, edges_from=None) -> Reach:
    non_pii = sum(1 << i for i, s in enumerate(sources) if not s.pii)
    return walk(
        store,
        [s.key for s in sources],
        carry=edge_carry,
        non_pii=non_pii,
        depth=depth,
        as_of=as_of,
        edges_from=edges_from,
        progress=progress,
    )


def _exposures(
    reach: Reach, sources: list[Source], governance: Governance, depth: int
) -> list[Exposure]:
    """Every (source, place) pair where the value lands unprotected, with its paths.

    A source that is itself a protected copy of another exposed source at the same place
    is left out: the finding names the origin, and the copy is a hop of its path.
    """
    found = []
    for node in sorted(reach.reached):
        target = governance.of(node)
        candidates = []
        for index in reach.sources_at(node):
            source = sources[index]
            if source.key != node and (reason := exposure_reason(source, target)):
                candidates.append((source, reason))
        origins = _origins(reach, candidates)
        for source, reason in candidates:
            if source.key in origins:
                found.append(_exposure(reach, source, target, reason, depth))
    return [e for e in found if e.paths]


def _origins(reach: Reach, candidates: list[tuple[Source, str]]) -> set[str]:
    keys = {s.key for s, _ in candidates}
    return {
        key
        for key in keys
        if not any(other != key and reach.reached.get(key, 0) & reach.bit(other) for other in keys)
    }


def _exposure(reach: Reach, source: Source, target: Protection, reason: str, depth: int):
    allowed: Callable[[Carry], bool] = lambda kind: kind is not Carry.NON_PII or not source.pii  # noqa: E731
    found = paths(reach, source.key, target.key, depth=depth, allowed=allowed, limit=PATH_LIMIT + 1)
    return Exposure(
        source=source,
        target=target,
        reason=reason,
        paths=tuple(
            ExposurePath(tuple(Hop(edge, _for_source(kind, source)) for edge, kind in path))
            for path in found[:PATH_LIMIT]
        ),
        more_paths=len(found) > PATH_LIMIT,
    )


def _for_source(kind: Carry, source: Source) -> Carry:
    """What a hop does to this source's value (an aggregate carries financial values)."""
    return Carry.UNMASKED if kind is Carry.NON_PII and not source.pii else kind


def _catalog_columns(dataset_keys: list[str]) -> list[str]:
    keys: list[str] = []
    for start in range(0, len(dataset_keys), 500):
        chunk = dataset_keys[start : start + 500]
        keys += Column.objects.filter(dataset__key__in=chunk).values_list("key", flat=True)
    return keys


def _dataset_of(key: str) -> str:
    return ColumnKey.parse(key).dataset_key if is_column_key(key) else key


def _column_of(key: str) -> str | None:
    return ColumnKey.parse(key).column if is_column_key(key) else None


def short_name(key: str) -> str:
    """``raw.customers`` / ``raw.customers.email``: how a sentence names an asset."""
    if is_column_key(key):
        column = ColumnKey.parse(key)
        return f"{column.dataset.short}.{column.column}"
    return DatasetKey.parse(key).short


__all__ = ["Computed", "Exposure", "ExposurePath", "Hop", "carries", "exposure_compute"]
