"""The one way lineage enters the graph store and the catalog, and the one way a run closes.

Every source — a warehouse window, a set of dbt artifacts, an OpenLineage event — hands
its lineage over as a ``LineageBatch``; ``lineage_merge`` writes it to the graph store
(which batches on its own) and to the relational catalog, in this order: renames, then
datasets, columns, edges and reads, then catalog rows under each dataset's current key.
``run_finish`` closes an ``IngestionRun`` and moves its source's watermark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from graph.keys import column_key, key_name
from graph.models import Dataset, IngestionRun, ParseFailure, Source
from graph.signals import run_finished
from graph.store.base import (
    ColumnNode,
    DatasetNode,
    EdgeObservation,
    GraphStore,
    ReadObservation,
)

from . import catalog
from .catalog import CatalogColumn, CatalogDataset


@dataclass
class LineageBatch:
    """What one unit of ingestion adds to the graph, normalized and aggregated.

    ``edges`` are merged as they are; ``edges_if_known`` only onto edges the store already
    has (a failed run tells something about a known job, never creates one);
    ``edges_if_new`` only where the store has no such edge yet (a declared dependency
    that did not run must not hide a real run's status).
    """

    datasets: list[CatalogDataset] = field(default_factory=list)
    columns: list[CatalogColumn] = field(default_factory=list)
    edges: list[EdgeObservation] = field(default_factory=list)
    edges_if_known: list[EdgeObservation] = field(default_factory=list)
    edges_if_new: list[EdgeObservation] = field(default_factory=list)
    reads: list[ReadObservation] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)  # (old key, new key), in order
    # Descriptions fill a blank catalog description only: a steward's own text is never replaced.
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Merged:
    """How many rows of each kind a batch put into the store."""

    datasets: int
    columns: int
    edges: int
    reads: int
    dataset_edges: int = 0
    column_edges: int = 0


def lineage_merge(*, store: GraphStore, batch: LineageBatch) -> Merged:
    """Write ``batch`` to the graph store, then to the catalog; returns what was written.

    Call it inside the caller's transaction: the catalog rows commit with the run record.
    """
    current = _apply_renames(store, batch.renames)
    datasets = _unique_datasets(batch.datasets)
    store.merge_datasets(
        DatasetNode(
            key=d.key,
            platform=d.platform,
            name=d.name,
            object_id=d.object_id,
            kind=d.kind,
            first_seen=d.first_seen,
        )
        for d in datasets
    )
    columns = sorted({(c.dataset_key, c.name.lower()) for c in batch.columns})
    store.merge_columns(ColumnNode(key=column_key(d, c), dataset_key=d, name=c) for d, c in columns)
    edges = [*batch.edges, *_filter_edges(store, batch)]
    store.merge_edges(edges)
    store.merge_reads(batch.reads)
    _update_catalog(store, batch, datasets, current)
    levels = [e.level for e in edges]
    return Merged(
        datasets=len(datasets),
        columns=len(columns),
        edges=len(edges),
        reads=len(batch.reads),
        dataset_edges=levels.count("dataset"),
        column_edges=levels.count("column"),
    )


def _apply_renames(store: GraphStore, renames: list[tuple[str, str]]) -> dict[str, str]:
    """Renames reach the store and catalog first, in order; returns old key → current key."""
    current: dict[str, str] = {}
    for old_key, new_key in renames:
        if old_key == new_key:
            continue
        store.rename_dataset(old_key, new_key, name=key_name(new_key))
        catalog.catalog_rename(old_key=old_key, new_key=new_key)
        for old, now in current.items():
            if now == old_key:
                current[old] = new_key
        current[old_key] = new_key
    return current


def _unique_datasets(rows: list[CatalogDataset]) -> list[CatalogDataset]:
    by_key: dict[str, CatalogDataset] = {}
    for row in rows:
        by_key[row.key] = catalog.combine(by_key.get(row.key), row)
    return list(by_key.values())


def _filter_edges(store: GraphStore, batch: LineageBatch) -> list[EdgeObservation]:
    """The conditional observations whose condition (edge known / edge new) holds."""
    wanted = [*batch.edges_if_known, *batch.edges_if_new]
    if not wanted:
        return []
    known: set[tuple[str, str]] = set()
    for downstream in sorted({o.downstream for o in wanted}):
        known |= {(e.upstream, e.downstream) for e in store.edges_of(downstream)}
    return [o for o in batch.edges_if_known if (o.upstream, o.downstream) in known] + [
        o for o in batch.edges_if_new if (o.upstream, o.downstream) not in known
    ]


def _update_catalog(
    store: GraphStore,
    batch: LineageBatch,
    datasets: list[CatalogDataset],
    renamed: dict[str, str],
) -> None:
    """Catalog rows under each dataset's current key (a renamed table keeps its row)."""
    keys = {d.key: renamed.get(d.key, d.key) for d in datasets}
    keys.update({c.dataset_key: renamed.get(c.dataset_key, c.dataset_key) for c in batch.columns})
    unknown = set(keys.values()) - catalog.catalog_known_keys(keys.values())
    for key, now in keys.items():
        if now in unknown and (node := store.get_dataset(now)) is not None:
            keys[key] = node.key
    catalog.catalog_upsert(
        datasets=[
            CatalogDataset(**{**d.__dict__, "key": keys[d.key], "name": key_name(keys[d.key])})
            for d in datasets
        ],
        columns=[
            CatalogColumn(keys[c.dataset_key], c.name, c.data_type, c.ordinal)
            for c in batch.columns
        ],
    )
    for key, text in batch.descriptions.items():
        Dataset.objects.filter(key=keys.get(key, key), description="").update(description=text)


# --- the run record ---------------------------------------------------------------------


def run_begin(*, run: IngestionRun) -> float:
    """Mark a run as running (another attempt); returns the monotonic start for its duration."""
    run.status, run.attempts, run.error = IngestionRun.Status.RUNNING, run.attempts + 1, ""
    run.started_at, run.finished_at = timezone.now(), None
    run.save(update_fields=["status", "attempts", "error", "started_at", "finished_at"])
    return time.monotonic()


def run_finish(
    *,
    run: IngestionRun,
    status: str,
    started: float,
    failures: list[ParseFailure] | None = None,
    **counts,
) -> IngestionRun:
    """Close a run: its counts, status and duration; a success also records its failures.

    A retried run keeps only its last attempt's parse failures, and a success moves the
    source's watermark to the run's window end.
    """
    if failures is not None:
        run.failures.all().delete()
        ParseFailure.objects.bulk_create(failures, batch_size=500)
    for name, value in counts.items():
        setattr(run, name, value)
    run.status, run.finished_at = status, timezone.now()
    run.duration_seconds = time.monotonic() - started
    run.save()
    if status == IngestionRun.Status.SUCCEEDED:
        watermark_advance(source_id=run.source_id, end=run.window_end)
    # Listeners that act on it do so once the run's transaction commits (their concern).
    run_finished.send(sender=IngestionRun, run=run)
    return run


def watermark_advance(*, source_id: int, end: datetime) -> None:
    """The watermark only moves forward, whatever order windows finish in."""
    Source.objects.filter(pk=source_id).filter(
        Q(watermark__isnull=True) | Q(watermark__lt=end)
    ).update(watermark=end)
