"""The one way lineage enters the graph store and the catalog, and the one way a run closes.

Every source — a warehouse window, a set of dbt artifacts, an OpenLineage event — hands
its lineage over as a ``LineageBatch``; ``lineage_merge`` writes it to the graph store
(which batches on its own) and to the relational catalog, in this order: renames, then
datasets, columns, edges and reads, then catalog rows under each dataset's current key.
``run_begin`` claims an ``IngestionRun`` under a lease, ``run_finish`` closes it, and
``watermark_update`` keeps its source's watermark at the end of its last contiguous success.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from graph.keys import column_key, key_name
from graph.models import Dataset, IngestionRun, ParseFailure, Source
from graph.signals import announce_window_failed, run_finished
from graph.store.base import (
    ColumnNode,
    DatasetNode,
    EdgeObservation,
    GraphStore,
    ReadObservation,
)

from . import catalog
from . import ledger as ledger_rules
from .catalog import CatalogColumn, CatalogDataset
from .ledger import Ledger


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


def lineage_merge(
    *, store: GraphStore, batch: LineageBatch, ledger: Ledger | None = None, until=None
) -> Merged:
    """Write ``batch`` to the graph store, then to the catalog; returns what was written.

    Call it inside the caller's transaction: the catalog rows commit with the run record.
    With a warehouse source's ``ledger`` (and its window's end, ``until``), failed runs of
    edges not known to have succeeded before them wait in the ledger instead of being
    dropped, and land when that success arrives (``graph.ingestion.ledger``).
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
    # A column only documentation names may not exist: it stays out of the graph.
    columns = sorted(
        {(c.dataset_key, c.name.lower()) for c in batch.columns if not c.documented_only}
    )
    store.merge_columns(ColumnNode(key=column_key(d, c), dataset_key=d, name=c) for d, c in columns)
    edges = [*batch.edges, *_filter_edges(store, batch, ledger, until)]
    store.merge_edges(edges)
    if ledger is not None and (landing := ledger_rules.waiting_runs_landing(store, ledger, edges)):
        store.merge_edges(landing)
        edges += landing
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


def _filter_edges(
    store: GraphStore, batch: LineageBatch, ledger: Ledger | None, until
) -> list[EdgeObservation]:
    """The conditional observations whose condition (edge known / edge new) holds."""
    if ledger is not None:
        landing = ledger_rules.failed_runs_landing(
            store, batch.edges_if_known, ledger=ledger, until=until
        )
        return landing + _filter_edges(store, replace(batch, edges_if_known=[]), None, None)
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
        columns=[replace(c, dataset_key=keys[c.dataset_key]) for c in batch.columns],
    )
    for key, text in batch.descriptions.items():
        Dataset.objects.filter(key=keys.get(key, key), description="").update(description=text)


# --- the run record ---------------------------------------------------------------------

RUNNING, QUEUED = IngestionRun.Status.RUNNING, IngestionRun.Status.QUEUED
SUCCEEDED, FAILED = IngestionRun.Status.SUCCEEDED, IngestionRun.Status.FAILED


class RunLost(RuntimeError):
    """The run is no longer held by whoever is finishing it: its lease ran out and it moved on."""


def run_begin(*, run: IngestionRun, owner: str, lease: timedelta) -> float | None:
    """Claim ``run`` for ``owner`` as another attempt; the monotonic start, or None if not ours.

    A run is claimed when it is queued, running under a lease that ran out, or running
    under ``owner`` already (the same task again after a crash that could not record it).
    Anything else — done, failed for good, or held by a live worker — is left alone, which
    is what makes a message delivered twice harmless.
    """
    now = timezone.now()
    claimable = Q(status=QUEUED) | Q(status=RUNNING) & (
        Q(lease_expires_at__lt=now) | Q(lease_owner=owner)
    )
    claimed = IngestionRun.objects.filter(claimable, pk=run.pk).update(
        status=RUNNING,
        attempts=F("attempts") + 1,
        error="",
        interrupted=False,
        started_at=now,
        finished_at=None,
        lease_owner=owner,
        lease_expires_at=now + lease,
        heartbeat_at=now,
    )
    run.refresh_from_db()
    return time.monotonic() if claimed else None


def run_finish(
    *,
    run: IngestionRun,
    status: str,
    started: float,
    failures: list[ParseFailure] | None = None,
    requeue_within: timedelta | None = None,
    **counts,
) -> IngestionRun:
    """Close a run: its counts, status and duration; a success also records its failures.

    A retried run keeps only its last attempt's parse failures. ``status`` QUEUED records a
    failed attempt that will be retried (within ``requeue_within``), so that a window is
    recorded FAILED once, when it has failed for good. The source's watermark follows.
    Raises ``RunLost`` when the run was swept away from its holder meanwhile.
    """
    now = timezone.now()
    for name, value in counts.items():
        setattr(run, name, value)
    run.status, run.finished_at = status, None if status == QUEUED else now
    run.duration_seconds = time.monotonic() - started
    run.heartbeat_at = now
    run.lease_expires_at = (
        now + requeue_within if status == QUEUED and requeue_within is not None else None
    )
    # The window too: a source may learn it only while running (dbt: its nodes' executions).
    fields = [*counts, "status", "finished_at", "duration_seconds", "heartbeat_at"]
    fields += ["window_start", "window_end"]
    # Still its holder's: unfinished, and not swept to someone else meanwhile.
    held = IngestionRun.objects.filter(
        pk=run.pk, status__in=(QUEUED, RUNNING), lease_owner=run.lease_owner
    )
    if not held.update(
        lease_expires_at=run.lease_expires_at, **{f: getattr(run, f) for f in fields}
    ):
        raise RunLost(f"run {run.pk} is no longer held by {run.lease_owner or 'this process'}")
    if failures is not None:
        run.failures.all().delete()
        ParseFailure.objects.bulk_create(failures, batch_size=500)
    watermark_update(source_id=run.source_id)
    if status != QUEUED:
        _announce_finished(run)
    return run


def run_heartbeat(*, owner: str, lease: timedelta) -> int:
    """Renew the lease of every unfinished run ``owner`` holds; how many it renewed.

    Rows another transaction has locked (the holder finishing one of them) are skipped
    rather than waited for: their holder is evidently alive.
    """
    now = timezone.now()
    held = IngestionRun.objects.filter(lease_owner=owner, status__in=(QUEUED, RUNNING))
    locked_out = held.select_for_update(skip_locked=True).values("pk")
    with transaction.atomic():
        return IngestionRun.objects.filter(pk__in=locked_out).update(
            heartbeat_at=now, lease_expires_at=now + lease
        )


def runs_hold(*, run_ids: list[int], owner: str, executor: str, lease: timedelta) -> int:
    """Queued runs that ``owner`` will run itself: leased to it, so they are swept if it dies."""
    now = timezone.now()
    return IngestionRun.objects.filter(pk__in=run_ids, status=QUEUED).update(
        executor=executor, lease_owner=owner, lease_expires_at=now + lease, heartbeat_at=now
    )


def runs_requeue(*, run_ids: list[int]) -> int:
    """Failed runs queued again for another try (a retry, a resumed backfill); how many."""
    return IngestionRun.objects.filter(pk__in=run_ids, status=FAILED).update(
        status=QUEUED,
        error="",
        interrupted=False,
        finished_at=None,
        lease_owner="",
        lease_expires_at=None,
    )


def run_interrupt(
    *, run: IngestionRun, requeue_within: timedelta | None, interrupted: bool = True
) -> bool:
    """A run whose lease ran out: queued again (``requeue_within``) or failed as interrupted.

    ``interrupted`` False: a queued run whose message is merely sent again (nothing ran).
    Written only if its lease is still expired (a late heartbeat wins); returns whether
    the run was changed.
    """
    now = timezone.now()
    fields: dict[str, object]
    if not interrupted and requeue_within is not None:
        fields = {"lease_expires_at": now + requeue_within}
    elif requeue_within is not None:
        fields = {
            "status": QUEUED,
            "interrupted": True,
            "lease_owner": "",
            "error": f"{_interruption(run)}; queued again",
            "lease_expires_at": now + requeue_within,
        }
    else:
        fields = {
            "status": FAILED,
            "interrupted": True,
            "error": _interruption(run),
            "finished_at": now,
            "lease_expires_at": None,
        }
    expired = IngestionRun.objects.filter(pk=run.pk, status=run.status, lease_expires_at__lt=now)
    changed = bool(expired.update(**fields))
    if changed and fields.get("status") == FAILED:
        watermark_update(source_id=run.source_id)
        run.refresh_from_db()
        _announce_finished(run)
        announce_window_failed(run)  # failed for good: nobody retries it on their own
    return changed


def _announce_finished(run: IngestionRun) -> None:
    # Listeners that act on it do so once the run's transaction commits (their concern).
    # A failed attempt that will be retried is not finished: it says nothing.
    run_finished.send(sender=IngestionRun, run=run)


def _interruption(run: IngestionRun) -> str:
    since = run.heartbeat_at or run.started_at or run.lease_expires_at
    if run.status == RUNNING:
        what = f"the {run.get_executor_display()} running it stopped"
    else:
        what = f"the {run.get_executor_display()} that was to run it stopped before it started"
    return f"Interrupted: {what} (no heartbeat since {since:%Y-%m-%d %H:%M:%S} UTC)"


def watermark_update(*, source_id: int) -> datetime | None:
    """Set the source's watermark to the end of its last contiguous success, and return it.

    "Synced up to" must never pass a window that failed or has not run yet: the watermark
    is the end of the succeeded windows that precede the earliest moment no succeeded
    window covers among the source's other windows (failed, queued or running). A failed
    window that a later success covers again (a new backfill, a retry) holds nothing back.
    """
    runs = IngestionRun.objects.filter(source_id=source_id)
    done = runs.filter(status=SUCCEEDED)
    holes = list(
        runs.exclude(status=SUCCEEDED)
        .order_by("window_start")
        .values_list("window_start", "window_end")
    )
    gap = None
    if holes:
        covering = list(
            done.filter(window_end__gt=holes[0][0])
            .order_by("window_start")
            .values_list("window_start", "window_end")
        )
        gap = first_uncovered(holes, covering)
    if gap is not None:
        done = done.filter(window_end__lte=gap)
    watermark = done.aggregate(end=Max("window_end"))["end"]
    Source.objects.filter(pk=source_id).update(watermark=watermark)
    return watermark


def first_uncovered(
    holes: list[tuple[datetime, datetime]], covering: list[tuple[datetime, datetime]]
) -> datetime | None:
    """The earliest moment inside ``holes`` that no interval of ``covering`` covers (both sorted)."""
    earliest = None
    for start, end in holes:
        point = start
        for cover_start, cover_end in covering:
            if cover_start > point:
                break
            point = max(point, cover_end)
        if point < end and (earliest is None or point < earliest):
            earliest = point
    return earliest
