"""A warehouse source's ledger, kept in the graph store beside the lineage it describes.

It makes a window's merge give the same graph whatever order the windows arrive in — four
workers on one backfill, a window retried after later ones, a window replayed by a new
backfill:

* ``windows``: the periods already merged. A statement inside them is merged again (its
  times and latest details change nothing) but counts no run; every other statement adds
  its runs to the edge (``EdgeObservation.additive``), so run counts never depend on which
  window came first.
* ``waiting``: failed runs of edges not yet seen succeeding before them. Taken in order, a
  failed run lands only on an edge that an earlier window created; taken out of order, it
  waits here until that earlier window is merged, and is dropped once every window before
  it is in without one (``prune``).

It is read before a window's rows are counted, and again — under the source's lock, in
the same store unit as the window's lineage — when the window is merged: the ledger and
the graph commit together, so a database failure after the graph's commit cannot make a
retry count the window twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from graph.store.base import EdgeObservation, GraphStore

Period = tuple[datetime, datetime]


class LedgerMoved(RuntimeError):
    """Another run merged part of this window's period meanwhile: the window must run again."""


def ledger_scope(*, platform: str, source_name: str) -> str:
    """The ledger's name in the store: the source as the graph knows it (its platform)."""
    return f"{platform}:{source_name}"


@dataclass
class Ledger:
    """Merged periods (sorted, coalesced) and failed runs waiting for their edge."""

    scope: str
    windows: list[Period] = field(default_factory=list)
    waiting: list[EdgeObservation] = field(default_factory=list)
    waiting_until: list[datetime] = field(default_factory=list)  # each one's window end

    @classmethod
    def load(cls, store: GraphStore, scope: str) -> Ledger:
        state = store.ingest_state(scope) or {}
        parse = datetime.fromisoformat
        return cls(
            scope,
            [(parse(s), parse(e)) for s, e in state.get("windows", [])],
            [_observation(item["edge"]) for item in state.get("waiting", [])],
            [parse(item["until"]) for item in state.get("waiting", [])],
        )

    def save(self, store: GraphStore) -> None:
        store.ingest_state_save(
            self.scope,
            {
                "windows": [[s.isoformat(), e.isoformat()] for s, e in self.windows],
                "waiting": [
                    {"edge": _state_of(o), "until": until.isoformat()}
                    for o, until in zip(self.waiting, self.waiting_until, strict=True)
                ],
            },
        )

    # --- periods ------------------------------------------------------------------------
    def overlap(self, start: datetime, end: datetime) -> list[Period]:
        """The merged periods' parts inside [start, end)."""
        return [(max(s, start), min(e, end)) for s, e in self.windows if s < end and e > start]

    def counted(self, start: datetime, end: datetime) -> Callable[[datetime], bool] | None:
        """Whether a moment of [start, end) was merged already; None when none of it was."""
        periods = self.overlap(start, end)
        if not periods:
            return None
        return lambda at: any(s <= at < e for s, e in periods)

    def add_window(self, start: datetime, end: datetime) -> None:
        """Record [start, end) as merged, joining it to the periods it touches."""
        merged: list[Period] = []
        for s, e in sorted([*self.windows, (start, end)]):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        self.windows = merged

    # --- failed runs waiting for their edge ------------------------------------------------
    def wait(self, observation: EdgeObservation, *, until: datetime) -> None:
        self.waiting.append(observation)
        self.waiting_until.append(until)

    def take_waiting(self, pairs: set[tuple[str, str]]) -> list[tuple[EdgeObservation, datetime]]:
        """The waiting observations of these edges (with their ``until``), no longer waiting."""
        taken: list[tuple[EdgeObservation, datetime]] = []
        kept: list[tuple[EdgeObservation, datetime]] = []
        for observation, until in zip(self.waiting, self.waiting_until, strict=True):
            (taken if (observation.upstream, observation.downstream) in pairs else kept).append(
                (observation, until)
            )
        self.waiting = [o for o, _ in kept]
        self.waiting_until = [u for _, u in kept]
        return taken

    def prune(self, *, settled: datetime | None) -> None:
        """Forget failed runs whose window ends by ``settled`` (every window before it is in)."""
        if settled is None:
            return
        kept = [
            (o, u) for o, u in zip(self.waiting, self.waiting_until, strict=True) if u > settled
        ]
        self.waiting = [o for o, _ in kept]
        self.waiting_until = [u for _, u in kept]


# --- deciding what lands ----------------------------------------------------------------


def failed_runs_landing(
    store: GraphStore, observations: list[EdgeObservation], *, ledger: Ledger, until: datetime
) -> list[EdgeObservation]:
    """Of a window's failed runs, those whose edge succeeded before them; the rest wait.

    ``until``: the window's end, after which a waiting run may be forgotten.
    """
    first = _first_seen(store, observations)
    landing = []
    for observation in observations:
        seen = first.get((observation.upstream, observation.downstream))
        if seen is not None and seen < observation.first_seen:
            landing.append(observation)
        else:
            ledger.wait(observation, until=until)
    return landing


def waiting_runs_landing(
    store: GraphStore, ledger: Ledger, merged: list[EdgeObservation]
) -> list[EdgeObservation]:
    """Waiting failed runs whose edge the ``merged`` observations just created or backdated."""
    pairs = {(o.upstream, o.downstream) for o in merged}
    candidates = ledger.take_waiting(pairs)
    if not candidates:
        return []
    first = _first_seen(store, [o for o, _ in candidates])
    landing = []
    for observation, until in candidates:
        seen = first.get((observation.upstream, observation.downstream))
        if seen is not None and seen < observation.first_seen:
            landing.append(observation)
        else:
            ledger.wait(observation, until=until)
    return landing


def _first_seen(
    store: GraphStore, observations: list[EdgeObservation]
) -> dict[tuple[str, str], datetime]:
    """The stored first_seen of each observation's edge (absent: no such edge yet)."""
    downstream = sorted({o.downstream for o in observations})
    return {(e.upstream, e.downstream): e.first_seen for e in store.edges_to(downstream)}


def _state_of(observation: EdgeObservation) -> dict[str, Any]:
    values = asdict(observation)
    values["first_seen"] = observation.first_seen.isoformat()
    values["last_seen"] = observation.last_seen.isoformat()
    return values


def _observation(values: dict[str, Any]) -> EdgeObservation:
    return EdgeObservation(
        **{
            **values,
            "first_seen": datetime.fromisoformat(values["first_seen"]),
            "last_seen": datetime.fromisoformat(values["last_seen"]),
        }
    )
