"""One OpenLineage run told over several events, merged into one state, as Marquez keeps it.

Producers differ: some send a run's inputs and outputs on START and nothing on COMPLETE,
others only on COMPLETE, others spread facets over START/RUNNING/COMPLETE, and streaming
jobs send START and RUNNING for days and never COMPLETE. Events also arrive late and out of
order. So the lineage of a run is always derived from the merged state of all its events,
and the merge does not depend on their order:

* datasets are the union of every event's inputs and outputs (by key); for each facet of
  a dataset, of the job or of the run, the one of the latest event wins;
* the state is the latest terminal event (COMPLETE, FAIL, ABORT) if any, else RUNNING if
  one came, else START, else OTHER; ``state_time`` is that event's time, ``started_at``
  the earliest event time;
* a run that reached RUNNING or COMPLETE creates lineage (status from its state);
  one that only ever started and then failed or aborted tells about edges that already
  exist, and creates none (see ``lineage_mode``).

Pure reading: the record of a state is ``graph.models.OpenLineageRun``, written by
``graph.ingestion.openlineage``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from .mapping import job_version
from .naming import dataset_name

TERMINAL = ("COMPLETE", "FAIL", "ABORT")
CREATING = ("RUNNING", "COMPLETE")  # a run that got this far did move data
EDGE_STATUS = {"COMPLETE": "SUCCESS", "FAIL": "FAILED", "ABORT": "ABORTED", "RUNNING": "RUNNING"}
SIDES = ("inputs", "outputs")

Facets = dict[str, list[Any]]  # facet name -> [event time (ISO), value]


@dataclass
class RunState:
    """What every event of one run said so far (see the module docstring)."""

    run_id: str
    job: str = ""
    job_time: str = ""  # the time of the event the job name was taken from
    producer: str = ""
    # event type -> the latest time (ISO, UTC) an event of that type was seen
    event_types: dict[str, str] = field(default_factory=dict)
    # side -> dataset key -> {"namespace", "name", "facets": Facets}
    datasets: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {s: {} for s in SIDES}
    )
    job_facets: Facets = field(default_factory=dict)
    run_facets: Facets = field(default_factory=dict)

    @property
    def state(self) -> str:
        """The run's state: the latest terminal event, else RUNNING, START or OTHER."""
        terminal = [(t, kind) for kind, t in self.event_types.items() if kind in TERMINAL]
        if terminal:
            return max(terminal)[1]
        return next((k for k in ("RUNNING", "START") if k in self.event_types), "OTHER")

    @property
    def state_time(self) -> datetime:
        return datetime.fromisoformat(self.event_types[self.state])

    @property
    def started_at(self) -> datetime:
        return datetime.fromisoformat(min(self.event_types.values()))

    @property
    def job_version(self) -> str | None:
        return job_version({"facets": facet_values(self.job_facets)})

    def side(self, side: str) -> list[dict[str, Any]]:
        """The datasets of one side as an event lists them, their facets merged, by key."""
        return [
            {"namespace": d["namespace"], "name": d["name"], "facets": facet_values(d["facets"])}
            for _, d in sorted(self.datasets[side].items())
        ]


def run_state_merge(state: RunState, event: dict[str, Any], time: datetime) -> RunState:
    """Fold one valid RunEvent (at ``time``, UTC) into ``state``; returns ``state``."""
    at = time.isoformat(timespec="microseconds")
    kind = str(event.get("eventType") or "OTHER").upper()
    if at > state.event_types.get(kind, ""):
        state.event_types[kind] = at
    job = event["job"]
    if at >= state.job_time:
        state.job, state.job_time = f"{job['namespace']}/{job['name']}", at
        state.producer = str(event.get("producer") or "")
    _merge_facets(state.job_facets, job.get("facets"), at)
    _merge_facets(state.run_facets, (event.get("run") or {}).get("facets"), at)
    for side in SIDES:
        for raw in event.get(side) or []:
            platform, name = dataset_name(raw["namespace"], raw["name"])
            known = state.datasets[side].setdefault(
                f"{platform}://{name}",
                {"namespace": raw["namespace"], "name": raw["name"], "facets": {}},
            )
            _merge_facets(known["facets"], raw.get("facets"), at)
    return state


def lineage_mode(state: RunState) -> Literal["create", "known", "none"]:
    """Whether the run's edges are created, only marked where they exist, or not written.

    A run that reached RUNNING or COMPLETE moved data: its edges are created, with the
    status of its state. One that only started and then failed or aborted tells something
    about a known job and never creates one; a run that only started says nothing yet.
    """
    if any(kind in state.event_types for kind in CREATING):
        return "create"
    return "known" if state.state in ("FAIL", "ABORT") else "none"


def _merge_facets(known: Facets, facets: Any, at: str) -> None:
    """The latest event's facet wins; at the same time, the larger value (order-free)."""
    if not isinstance(facets, dict):
        return
    for name, value in facets.items():
        candidate = [at, value]
        current = known.get(name)
        if current is None or _order(candidate) > _order(current):
            known[name] = candidate


def _order(entry: list[Any]) -> tuple[str, str]:
    return entry[0], json.dumps(entry[1], sort_keys=True, default=str)


def facet_values(facets: Facets) -> dict[str, Any]:
    """Merged facets as an event carries them: name -> value."""
    return {name: entry[1] for name, entry in facets.items()}
