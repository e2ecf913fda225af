"""The neighbourhood of a dataset, assembled the same way on every backend.

A backend supplies the primitives of :class:`NeighbourhoodParts`; this module decides
which nodes are kept under ``limit`` and which edges are drawn at each level.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .base import Direction, Edge, Level, Node, Reached, Subgraph, check_depth
from .common import (
    DIRECTIONS,
    LEVELS,
    check_choice,
    check_limit,
    column_level_edges,
    edge_sort_key,
    merge_nearest,
    utc_or_none,
)


class NeighbourhoodParts(Protocol):
    """What a backend answers so that :func:`build_neighbourhood` can draw around a node."""

    def existed(self, key: str, as_of: datetime | None) -> bool: ...

    def walk_from(
        self, key: str, direction: str, depth: int, as_of: datetime | None, limit: int
    ) -> list[Reached]: ...

    def nodes_by_key(self, keys: list[str]) -> dict[str, Node]: ...

    def edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]: ...

    def columns_of(self, keys: list[str]) -> list[Node]: ...

    def column_edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]: ...


def build_neighbourhood(
    parts: NeighbourhoodParts,
    center: str,
    *,
    depth: int,
    direction: str,
    level: str,
    as_of: datetime | None,
    limit: int,
) -> Subgraph:
    """Nodes within ``depth`` of ``center`` (nearest first, at most ``limit`` besides it).

    Each side of a ``both`` walk is cut at ``limit + 1`` nodes: the nearest ``limit + 1``
    of the union are always among the nearest ``limit + 1`` of the side they came from.
    """
    check_depth(depth)
    check_choice(direction, DIRECTIONS, "direction")
    check_choice(level, LEVELS, "level")
    check_limit(limit)
    as_of = utc_or_none(as_of)
    if not parts.existed(center, as_of):
        return Subgraph(center=center)
    sides = ("upstream", "downstream") if direction == "both" else (direction,)
    reached = merge_nearest(
        *(parts.walk_from(center, side, depth, as_of, limit + 1) for side in sides)
    )
    keys = [center, *(r.key for r in reached[:limit])]
    graph = Subgraph(center=center, truncated=len(reached) > limit)
    found = parts.nodes_by_key(keys)
    graph.nodes = [found[k] for k in keys if k in found]
    edges = parts.edges_among(keys, as_of)
    if level == "column":
        columns = parts.columns_of(keys)
        graph.nodes += columns
        edges = column_level_edges(
            edges, parts.column_edges_among(keys, as_of), {c.key: c.dataset_key for c in columns}
        )
    graph.edges = sorted(edges, key=edge_sort_key)
    return graph


class NeighbourhoodFromParts:
    """``GraphStore.neighbourhood`` for a backend that supplies :class:`NeighbourhoodParts`
    and ``_current(key)`` (the key a former key was renamed to)."""

    def neighbourhood(
        self,
        key: str,
        *,
        depth: int,
        direction: Direction = "both",
        level: Level = "dataset",
        as_of: datetime | None = None,
        limit: int = 500,
    ) -> Subgraph:
        """See :meth:`GraphStore.neighbourhood`; ``limit`` caps the datasets walked to."""
        check_depth(depth)
        return build_neighbourhood(
            self,
            self._current(key),
            depth=depth,
            direction=direction,
            level=level,
            as_of=as_of,
            limit=limit,
        )
