"""OpenLineage events into the graph: each event checked, its run merged, one ``LineageBatch``.

``POST /api/v1/lineage`` (``graph/openlineage_api.py``) hands each event to
:func:`openlineage_event_ingest`, which checks the whole event first and only then writes,
so a bad event leaves nothing half-written. What each event records (docs/openlineage.md):

* RunEvent: merged into its run's state by runId (``graph.sources.openlineage.runstate``),
  and the run's lineage written from that state, whatever the order its events came in:
  a run that reached RUNNING or COMPLETE gets an edge from every input to every output
  and column edges from the outputs' ``columnLineage`` facets, with execution_status
  SUCCESS, RUNNING, FAILED or ABORTED from its state, first_seen its first event and
  last_seen the event that set its state; a run that only started and then failed or
  aborted marks the edges that already exist (masking kept) and creates none.
* JobEvent: its inputs and outputs and, where the graph has none yet, their edges as
  declared (execution_status DECLARED, run_count 0): a job definition is not a run.
* DatasetEvent: the dataset, its columns, description and owners.

Every edge is written with origin ``openlineage``: where the warehouse's own query history
saw the same edge, the warehouse's word stays and this one is kept beside it as the other
claim (``graph.store.base``). Every accepted event is recorded with who posted it
(``openlineage_record``). A run's observations count it once (``run_count``), however many
of its events re-derive them; a replayed event changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from graph.models import OpenLineageEvent, OpenLineageRun
from graph.sources.openlineage.mapping import (
    EventDataset,
    EventLineage,
    EventRun,
    event_lineage,
    job_version,
    run_edges,
)
from graph.sources.openlineage.naming import FILE_PLATFORMS
from graph.sources.openlineage.runstate import (
    EDGE_STATUS,
    RunState,
    lineage_mode,
    run_state_merge,
)
from graph.sources.openlineage.validation import (
    EventLimits,
    FieldError,
    InvalidEvent,
    event_kind,
    event_oversize,
    openlineage_event_errors,
    parse_event_time,
)
from graph.store.base import EdgeObservation, GraphStore

from .catalog import CatalogColumn, CatalogDataset
from .merge import LineageBatch, lineage_merge
from .openlineage_record import Poster, event_record, producer_source, signed_in_user

DECLARED = "DECLARED"  # the status of a JobEvent's edges: declared, never run


class EventTooLarge(InvalidEvent):
    """The event (or the run it adds to) holds more than the per-event limits allow."""


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


def openlineage_event_ingest(
    *,
    event: dict,
    store: GraphStore,
    poster: Poster | None = None,
    limits: EventLimits | None = None,
    lock_timeout: float | None = None,
    record: OpenLineageEvent | None = None,
) -> EventResult:
    """Record one OpenLineage event (see the module docstring for what each kind records).

    Raises :class:`InvalidEvent` (400) or :class:`EventTooLarge` (413) with every offending
    field before anything is written. ``lock_timeout`` bounds, on Postgres, how long the
    event waits for rows another writer holds (``django.db.OperationalError`` after it).
    ``record``: the queued event's record, which gets the outcome.
    """
    limits = limits or EventLimits()
    errors = openlineage_event_errors(event, now=timezone.now(), limits=limits)
    if errors:
        raise InvalidEvent(errors)
    oversize = event_oversize(event, limits)
    if oversize:
        raise EventTooLarge(oversize)
    time, kind = parse_event_time(event["eventTime"]), event_kind(event)
    with transaction.atomic():
        _bound_lock_wait(lock_timeout)
        if kind == "run":
            result = _ingest_run(event, time, store, poster, limits)
        else:
            result = _ingest_definition(event, kind, time, store)
        counts = {
            "datasets": result.datasets,
            "dataset_edges": result.dataset_edges,
            "column_edges": result.column_edges,
        }
        event_record(
            event=event,
            poster=poster,
            status=OpenLineageEvent.Status.ACCEPTED,
            counts=counts,
            record=record,
        )
    return result


def openlineage_event_queue(*, event: dict, poster: Poster | None) -> OpenLineageEvent:
    """Keep a large valid event for a worker (``openlineage_queued_ingest``); returns its record.

    The caller enqueues the task once this commits (tasks sit above ingestion).
    """
    return event_record(
        event=event, poster=poster, status=OpenLineageEvent.Status.QUEUED, body=event
    )


def openlineage_queued_ingest(
    *, record: OpenLineageEvent, store: GraphStore, limits: EventLimits | None = None
) -> OpenLineageEvent:
    """Record a queued event; a refusal or failure is its record's outcome, with the reason."""
    if record.status != OpenLineageEvent.Status.QUEUED or record.body is None:
        return record  # a redelivered message: done already
    poster = Poster(record.posted_by, record.auth)
    try:
        openlineage_event_ingest(
            event=record.body, store=store, poster=poster, limits=limits, record=record
        )
    except InvalidEvent as exc:
        event_record(
            event=record.body,
            poster=poster,
            status=OpenLineageEvent.Status.FAILED,
            reason=str(exc),
            record=record,
        )
    return record


def _bound_lock_wait(seconds: float | None) -> None:
    """Give up on rows another writer holds after ``seconds`` (Postgres; SQLite's busy
    timeout is the connection's own), so a busy store is answered, not waited on."""
    if seconds and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"]
            )


# --- RunEvents ----------------------------------------------------------------------------


def _ingest_run(
    event: dict, time: datetime, store: GraphStore, poster: Poster | None, limits: EventLimits
) -> EventResult:
    run_id = str(uuid.UUID(event["run"]["runId"]))
    record = OpenLineageRun.objects.select_for_update().filter(run_id=run_id).first()
    state = RunState(**record.merged) if record is not None else RunState(run_id)
    run_state_merge(state, event, time)
    inputs, outputs = state.side("inputs"), state.side("outputs")
    too_many = event_oversize({"inputs": inputs, "outputs": outputs}, limits)
    if too_many:
        raise EventTooLarge(
            [FieldError(e.field, f"{e.reason} (the run's events together)") for e in too_many]
        )
    lineage = event_lineage(inputs, outputs)
    run = EventRun(state.state_time, run_id, state.job, state.job_version, state.started_at)
    written = {tuple(pair) for pair in (record.written if record is not None else [])}
    batch, observed = _run_batch(state, lineage, run, written, store)
    merged = lineage_merge(store=store, batch=batch)
    _save_run(record, state, written | observed, poster)
    event_type = str(event.get("eventType") or "OTHER").upper()
    return EventResult(
        "run",
        event_type,
        run_id,
        datasets=len(batch.datasets),
        columns=merged.columns,
        dataset_edges=merged.dataset_edges,
        column_edges=merged.column_edges,
    )


def _run_batch(
    state: RunState,
    lineage: EventLineage,
    run: EventRun,
    written: set[tuple[str, str]],
    store: GraphStore,
) -> tuple[LineageBatch, set[tuple[str, str]]]:
    """The batch the run's state asks for, and the edges it observes."""
    mode = lineage_mode(state)
    if mode == "none":
        return LineageBatch(), set()
    datasets, columns = run_edges(lineage, run)
    status = EDGE_STATUS[state.state] if state.state in EDGE_STATUS else "SUCCESS"
    if mode == "known":
        observations = _known_edges([*datasets, *columns], run.time, store)
        batch = LineageBatch()
    else:
        observations = [*datasets, *columns]
        batch = _datasets_batch(lineage, state.started_at, run.time, store)
    # A run counts once on each edge, however many of its events re-derive the edge.
    batch.edges = [
        replace(
            o,
            execution_status=status,
            run_count=0 if (o.upstream, o.downstream) in written else 1,
        )
        for o in observations
    ]
    return batch, {(o.upstream, o.downstream) for o in batch.edges}


def _known_edges(
    observations: list[EdgeObservation], time: datetime, store: GraphStore
) -> list[EdgeObservation]:
    """The observations whose edge exists and last ran before ``time``, with its masking.

    A failure older than the edge's last run is not its latest, and a failed run tells
    nothing new about what the edge does to a value.
    """
    wanted = {(o.upstream, o.downstream): o for o in observations}
    found = []
    for downstream in sorted({down for _, down in wanted}):
        for edge in store.edges_of(downstream):
            observation = wanted.get((edge.upstream, edge.downstream))
            if observation is not None and edge.last_seen < time:
                found.append(
                    replace(
                        observation,
                        masking=edge.masking,
                        flow_type=edge.flow_type,
                        subtype=edge.subtype,
                        masked=edge.masked,
                        description=edge.description,
                    )
                )
    return found


def _save_run(
    record: OpenLineageRun | None,
    state: RunState,
    written: set[tuple[str, str]],
    poster: Poster | None,
) -> None:
    user = signed_in_user(poster)
    fields = {
        "job": state.job[:512],
        "job_version": (state.job_version or "")[:128],
        "producer": state.producer[:1024],
        "state": state.state,
        "state_time": state.state_time,
        "started_at": state.started_at,
        "merged": state.__dict__,
        "written": sorted(list(pair) for pair in written),
    }
    if record is None:
        namespace = state.job.split("/", 1)[0]
        OpenLineageRun.objects.create(
            run_id=state.run_id,
            source=producer_source(namespace),
            events=1,
            posted_by=user,
            **fields,
        )
        return
    for name, value in fields.items():
        setattr(record, name, value)
    record.events += 1
    record.posted_by = user or record.posted_by
    record.save()


# --- JobEvents and DatasetEvents -----------------------------------------------------------


def _ingest_definition(event: dict, kind: str, time: datetime, store: GraphStore) -> EventResult:
    """A DatasetEvent's dataset, or a JobEvent's datasets and declared edges."""
    if kind == "dataset":
        lineage = event_lineage([event["dataset"]], [])
        batch = _datasets_batch(lineage, time, time, store)
        merged = lineage_merge(store=store, batch=batch)
        return EventResult(kind, datasets=len(batch.datasets), columns=merged.columns)
    job = event["job"]
    lineage = event_lineage(event.get("inputs") or [], event.get("outputs") or [])
    run = EventRun(time, None, f"{job['namespace']}/{job['name']}", job_version(job))
    datasets, columns = run_edges(lineage, run)
    batch = _datasets_batch(lineage, time, time, store)
    # Declared, not run: drawn as such, and only where no run has told more.
    batch.edges_if_new = [
        replace(o, execution_status=DECLARED, run_count=0) for o in (*datasets, *columns)
    ]
    merged = lineage_merge(store=store, batch=batch)
    return EventResult(
        kind,
        datasets=len(batch.datasets),
        columns=merged.columns,
        dataset_edges=merged.dataset_edges,
        column_edges=merged.column_edges,
    )


def _datasets_batch(
    lineage: EventLineage, first: datetime, last: datetime, store: GraphStore
) -> LineageBatch:
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
                first_seen=first,
                last_seen=last,
                owners=d.owners,
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
