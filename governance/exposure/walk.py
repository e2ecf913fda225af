"""Where values travel: one walk downstream from many sources at once, edge by edge.

The walk asks the graph store for the edges leaving a whole frontier per step
(``edges_from``) and lets a ``carry`` function decide, per edge, what goes on. Each node
keeps two bitsets of the sources that reached it — by any path, and by a path whose every
edge is known to leave the value readable — so a thousand sources cost one walk, not a
thousand. Nothing here knows classifications: ``policy`` supplies ``carry``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from graph.keys import ColumnKey
from graph.store.base import Edge, GraphStore

from .policy import Carry

Progress = Callable[[int, int, str], None]


@dataclass
class Reach:
    """Which sources reached each node, and the carrying edges that brought them."""

    sources: list[str]
    reached: dict[str, int] = field(default_factory=dict)  # by any path
    readable: dict[str, int] = field(default_factory=dict)  # by known-unmasked paths
    into: dict[str, dict[str, tuple[Edge, Carry]]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def bit(self, source: str) -> int:
        return 1 << self.sources.index(source)

    def sources_at(self, node: str) -> Iterator[int]:
        """Indexes of the sources that reached ``node``."""
        bits, index = self.reached.get(node, 0), 0
        while bits:
            if bits & 1:
                yield index
            bits >>= 1
            index += 1


def walk(
    store: GraphStore,
    sources: Sequence[str],
    *,
    carry: Callable[[Edge], Carry],
    non_pii: int,
    depth: int,
    as_of: datetime | None = None,
    edges_from: Callable[[list[str]], list[Edge]] | None = None,
    progress: Progress | None = None,
) -> Reach:
    """Walk downstream from ``sources`` up to ``depth`` edges.

    ``carry`` says what an edge does; ``non_pii`` is the bitset of sources whose values
    an aggregate does not mask (``Carry.NON_PII``). ``edges_from`` replaces the store's
    own for walks over a chosen kind of edge (the table-level walk).
    """
    reach = Reach(list(sources))

    def fetch(keys: list[str], level: int) -> list[Edge]:
        if edges_from is not None:
            return edges_from(keys)
        # Past the first step every key comes from an edge: no former key to follow.
        return store.edges_from(keys, as_of=as_of, current=level > 1)

    frontier = {key: (1 << i, 1 << i) for i, key in enumerate(reach.sources)}
    for key, (bits, _) in frontier.items():
        reach.reached[key] = reach.readable[key] = bits
    for level in range(1, depth + 1):
        if not frontier:
            break
        arriving: dict[str, tuple[int, int]] = {}
        for edge in fetch(sorted(frontier), level):
            kind = carry(edge)
            if kind is Carry.NONE or edge.upstream not in frontier:
                continue
            came, readable = frontier[edge.upstream]
            if kind is Carry.NON_PII:
                came, readable = came & non_pii, readable & non_pii
            elif kind is Carry.UNKNOWN:
                readable = 0
            if not came:
                continue
            reach.into[edge.downstream][edge.upstream] = (edge, kind)
            old = arriving.get(edge.downstream, (0, 0))
            arriving[edge.downstream] = (old[0] | came, old[1] | readable)
        frontier = _news(reach, arriving)
        if progress and frontier:
            progress(level, depth, f"{len(reach.reached):,} places reached")
    if progress:
        progress(depth, depth, f"{len(reach.reached):,} places reached")
    return reach


def _news(reach: Reach, arriving: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Record what arrived; the next frontier carries only what is new at each node."""
    news = {}
    for node, (came, readable) in arriving.items():
        new = came & ~reach.reached.get(node, 0)
        new_readable = readable & ~reach.readable.get(node, 0)
        if new or new_readable:
            reach.reached[node] = reach.reached.get(node, 0) | came
            reach.readable[node] = reach.readable.get(node, 0) | readable
            news[node] = (new | new_readable, new_readable)
    return news


def table_edges(
    store: GraphStore, columns_of: Callable[[list[str]], list[str]], as_of: datetime | None
) -> Callable[[list[str]], list[Edge]]:
    """``edges_from`` for the table-level walk: dataset edges no column edge explains.

    Where column lineage exists between two datasets it says exactly which columns carry
    what, and the column walk follows it; only the other dataset edges are walked here.
    """

    def fetch(keys: list[str]) -> list[Edge]:
        datasets = [e for e in store.edges_from(keys, as_of=as_of) if e.level == "dataset"]
        explained = {
            (ColumnKey.parse(e.upstream).dataset_key, ColumnKey.parse(e.downstream).dataset_key)
            for e in store.edges_from(columns_of(keys), as_of=as_of)
            if e.level == "column"
        }
        return [e for e in datasets if (e.upstream, e.downstream) not in explained]

    return fetch


def paths(
    reach: Reach,
    source: str,
    target: str,
    *,
    depth: int,
    allowed: Callable[[Carry], bool],
    limit: int,
) -> list[tuple[tuple[Edge, Carry], ...]]:
    """Simple paths from ``source`` to ``target`` over the walk's edges, shortest first.

    Only nodes the source reached and edges that carry its value (``allowed``) are used;
    at most ``limit`` paths of at most ``depth`` edges.
    """
    bit = reach.bit(source)
    found: list[tuple[tuple[Edge, Carry], ...]] = []
    for length in range(1, depth + 1):
        _paths_of_length(reach, source, target, bit, length, allowed, limit, found)
        if len(found) >= limit:
            break
    return found[:limit]


def _paths_of_length(reach, source, target, bit, length, allowed, limit, found) -> None:
    """Append every path of exactly ``length`` edges (backwards from the target)."""
    stack: list[tuple[str, tuple, frozenset]] = [(target, (), frozenset({target}))]
    while stack and len(found) < limit:
        node, suffix, seen = stack.pop()
        if len(suffix) == length:
            if node == source:
                found.append(suffix)
            continue
        for upstream, (edge, kind) in sorted(reach.into.get(node, {}).items(), reverse=True):
            if upstream in seen or not reach.reached.get(upstream, 0) & bit or not allowed(kind):
                continue
            stack.append((upstream, ((edge, kind), *suffix), seen | {upstream}))
