"""OpenLineage events into the graph: one event, one ``LineageBatch``, one merge.

``POST /api/v1/lineage`` (``graph/openlineage_api.py``) hands each event to
:func:`openlineage_event_ingest`, which checks the whole event first and only then writes,
so a bad event leaves nothing half-written. What each event records (docs/openlineage.md):

* RunEvent COMPLETE: its inputs and outputs (catalog rows, dataset and column nodes from
  the ``schema`` facet), an edge from every input to every output, and column edges from
  the outputs' ``columnLineage`` facet, all with execution_status SUCCESS.
* RunEvent FAIL / ABORT: no new lineage. Edges between its datasets that already exist get
  a newer observation with execution_status FAILED / ABORTED (counted in run_count, as the
  warehouse pipeline counts failed statements), so the graph shows that the last run
  failed. A failure older than the edge's last run changes nothing.
* RunEvent START / RUNNING / OTHER, or no eventType: accepted, nothing recorded.
* DatasetEvent: the dataset and its columns. JobEvent: its inputs and outputs with their
  columns, and no edges: a job definition is not an execution.

Every write is a merge keyed by the event's own time and runId, so a replayed event
changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import transaction

from graph.sources.openlineage.mapping import (
    EventDataset,
    EventLineage,
    EventRun,
    event_lineage,
    job_version,
    run_edges,
)
from graph.sources.openlineage.naming import FILE_PLATFORMS
from graph.sources.openlineage.validation import (
    InvalidEvent,
    event_kind,
    openlineage_event_errors,
    parse_event_time,
)
from graph.store.base import EdgeObservation, GraphStore

from .catalog import CatalogColumn, CatalogDataset
from .merge import LineageBatch, lineage_merge

FAILED_STATUS = {"FAIL": "FAILED", "ABORT": "ABORTED"}


@dataclass(frozen=True)
class EventResult:
    """What one event recorded: the numbers of rows merged into the graph store."""

    kind: str  # run | dataset | job
    event_type: str | None = None
    run_id: str | None = None
    datasets: int = 0
    columns: int = 0
    dataset_edges: int = 0
    column_edges: int = 0


def openlineage_event_ingest(*, event: dict, store: GraphStore) -> EventResult:
    """Record one OpenLineage event (see the module docstring for what each kind records).

    Raises :class:`InvalidEvent` with every offending field before anything is written.
    """
    errors = openlineage_event_errors(event)
    if errors:
        raise InvalidEvent(errors)
    time = parse_event_time(event["eventTime"])
    kind = event_kind(event)
    if kind == "dataset":
        lineage = event_lineage([event["dataset"]], [])
    else:
        lineage = event_lineage(event.get("inputs") or [], event.get("outputs") or [])
    if kind != "run":
        with transaction.atomic():
            merged = lineage_merge(store=store, batch=_datasets_batch(lineage, time, store))
        return EventResult(kind, datasets=len(lineage.datasets), columns=merged.columns)
    return _ingest_run(event, lineage, time, store)


def _ingest_run(
    event: dict, lineage: EventLineage, time: datetime, store: GraphStore
) -> EventResult:
    job = event["job"]
    run = EventRun(
        time,
        str(uuid.UUID(event["run"]["runId"])),
        f"{job['namespace']}/{job['name']}",
        job_version(job),
    )
    event_type = str(event.get("eventType") or "OTHER").upper()
    result = EventResult("run", event_type, run.run_id)
    if event_type == "COMPLETE":
        datasets, columns = run_edges(lineage, run)
        batch = _datasets_batch(lineage, time, store)
        batch.edges = [*datasets, *columns]
        with transaction.atomic():
            merged = lineage_merge(store=store, batch=batch)
        return replace(
            result,
            datasets=len(lineage.datasets),
            columns=merged.columns,
            dataset_edges=len(datasets),
            column_edges=len(columns),
        )
    if event_type in FAILED_STATUS:
        with transaction.atomic():
            observed = _failed_edges(lineage, run, FAILED_STATUS[event_type], store)
            merged = lineage_merge(store=store, batch=LineageBatch(edges=observed))
        return replace(result, dataset_edges=merged.dataset_edges, column_edges=merged.column_edges)
    return result


def _failed_edges(
    lineage: EventLineage, run: EventRun, status: str, store: GraphStore
) -> list[EdgeObservation]:
    """Observations marking this run's existing edges ``status``; never a new edge."""
    datasets, columns = run_edges(lineage, run)
    wanted = {(e.upstream, e.downstream) for e in (*datasets, *columns)}
    observed = []
    for downstream in sorted({down for _, down in wanted}):
        for edge in store.edges_of(downstream):
            # Only a failure newer than what is known can be the latest run of the edge; the
            # edge keeps its masking, as a failed run tells nothing new about what it does.
            if (edge.upstream, edge.downstream) in wanted and edge.last_seen < run.time:
                failure = run.observe(edge.upstream, edge.downstream, edge.level, edge.masking)
                observed.append(replace(failure, execution_status=status))
    return observed


def _datasets_batch(lineage: EventLineage, time: datetime, store: GraphStore) -> LineageBatch:
    """Catalog rows, dataset nodes and column nodes of every dataset of the event."""
    datasets = list(lineage.datasets.values())
    for dataset in datasets:
        dataset.kind = dataset.kind or _known_kind(dataset, store)
    return LineageBatch(
        datasets=[
            CatalogDataset(
                key=d.key,
                platform=d.platform,
                name=d.name,
                kind=d.kind,
                first_seen=time,
                last_seen=time,
            )
            for d in datasets
        ],
        columns=[
            CatalogColumn(d.key, name, *(typed or ("", 0)))
            for d in datasets
            for name, typed in d.columns.items()
        ],
        descriptions={d.key: d.description for d in datasets if d.description},
    )


def _known_kind(dataset: EventDataset, store: GraphStore) -> str:
    """The kind an event does not state: files are files; else what the store knows, or table."""
    if dataset.platform in FILE_PLATFORMS:
        return "file"
    node = store.get_dataset(dataset.key)
    return node.kind if node is not None and node.kind not in (None, "", "unknown") else "table"
