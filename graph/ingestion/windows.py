"""Many windows: a backfill split into runs, the incremental sync, and running them in-process.

Enqueuing windows as Celery tasks is the job of ``graph.tasks`` and ``graph.jobs``, above this
package: ingestion never imports them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from graph.models import Backfill, IngestionRun, Source
from graph.signals import announce_window_failed
from graph.sources import source_for
from graph.sources.base import LineageSource
from graph.store.base import GraphStore
from lineage_portal.config import engine

from . import leases
from .merge import runs_hold, runs_requeue, watermark_update
from .window import Progress, run_execute

logger = logging.getLogger(__name__)


def windows(start: datetime, end: datetime, hours: int) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into windows of ``hours`` (the last one may be shorter)."""
    step, bounds = timedelta(hours=hours), []
    while start < end:
        bounds.append((start, min(start + step, end)))
        start += step
    return bounds


def backfill(
    *,
    source: Source,
    days: int,
    window_hours: int = 24,
    end: datetime | None = None,
    created_by: str = "",
) -> Backfill:
    """A backfill of the last ``days`` days, with one queued run per window."""
    fetcher_latency = source_for(source).latency
    end = end or (timezone.now() - fetcher_latency).replace(second=0, microsecond=0)
    bounds = windows(end - timedelta(days=days), end, window_hours)
    with transaction.atomic():
        job = Backfill.objects.create(
            source=source,
            start=bounds[0][0],
            end=end,
            windows_total=len(bounds),
            created_by=created_by,
        )
        IngestionRun.objects.bulk_create(
            [
                IngestionRun(source=source, backfill=job, window_start=s, window_end=e)
                for s, e in bounds
            ]
        )
        # History not ingested before now lies ahead: "synced up to" stops before it.
        watermark_update(source_id=source.pk)
    return job


def sync_windows(*, source: Source, now: datetime | None = None) -> list[IngestionRun]:
    """Queued runs from the end of the source's furthest window (or its watermark) up to now.

    The sync continues after every window ever made, whatever became of it: a failed
    window holds the watermark back (``merge.watermark_update``) and is retried by
    ``failed_sync_windows``, never recut.
    """
    hours = engine().telemetry.window_hours
    end = ((now or timezone.now()) - source_for(source).latency).replace(second=0, microsecond=0)
    furthest = source.runs.aggregate(end=Max("window_end"))["end"]
    known = [t for t in (source.watermark, furthest) if t is not None]
    start = max(known) if known else end - timedelta(hours=hours)
    return [
        IngestionRun.objects.create(source=source, window_start=s, window_end=e)
        for s, e in windows(start, end, hours)
        if e - s >= timedelta(minutes=1)
    ]


def failed_sync_windows(*, source: Source) -> list[IngestionRun]:
    """The source's failed sync windows (not a backfill's), queued again for the next sync."""
    failed = source.runs.filter(backfill__isnull=True, status=IngestionRun.Status.FAILED)
    run_ids = list(failed.order_by("window_start").values_list("pk", flat=True))
    runs_requeue(run_ids=run_ids)
    return list(IngestionRun.objects.filter(pk__in=run_ids).order_by("window_start"))


def backfill_resumable(*, source: Source) -> Backfill | None:
    """The source's latest backfill if some of its windows are not in yet, else None."""
    latest = source.backfills.order_by("-created", "-id").first()
    if latest is None or not latest.runs.exclude(status=IngestionRun.Status.SUCCEEDED).exists():
        return None
    return latest


@dataclass
class WindowsDone:
    """What an in-process run of several windows did."""

    runs: list[IngestionRun]
    failed: list[IngestionRun]
    rows_read: int
    seconds: float


def run_windows(
    *, runs: Iterable[IngestionRun], store: GraphStore, progress: Progress | None = None
) -> WindowsDone:
    """Execute runs one after the other in this process (the ``ingest`` command, the demo).

    The process holds every queued window it is about to run under its own lease, so if it
    is killed the sweeper finds them all interrupted. A failed window is recorded and
    skipped: it stays FAILED for a later retry. A window someone else is running is left
    to them.
    """
    runs = sorted(runs, key=lambda r: r.window_start)
    owner, lease = leases.process_owner(), leases.lease()
    runs_hold(
        run_ids=[r.pk for r in runs],
        owner=owner,
        executor=IngestionRun.Executor.PROCESS,
        lease=lease,
    )
    done, failed, rows, started = [], [], 0, time.monotonic()
    fetchers: dict[int, LineageSource] = {}
    try:
        with leases.Heartbeat(owner):
            for index, run in enumerate(runs, start=1):
                fetcher = fetchers.get(run.source_id) or fetchers.setdefault(
                    run.source_id, source_for(run.source)
                )
                try:
                    run_execute(run=run, store=store, fetcher=fetcher, owner=owner)
                except Exception:  # noqa: BLE001 - recorded on the run; the next window goes on
                    logger.exception("window %s..%s failed", run.window_start, run.window_end)
                    failed.append(run)
                    announce_window_failed(run)
                done.append(run)
                rows += run.rows_read
                if progress:
                    progress(
                        index, len(runs), _rate(rows, index, len(runs), time.monotonic() - started)
                    )
    finally:
        for fetcher in fetchers.values():
            fetcher.close()
    return WindowsDone(done, failed, rows, time.monotonic() - started)


def _rate(rows: int, done: int, total: int, seconds: float) -> str:
    """A progress message: rows so far, rows per second, time left at this pace."""
    per_second = rows / seconds if seconds else 0.0
    eta = timedelta(seconds=round(seconds / done * (total - done))) if done else timedelta(0)
    return f"{rows:,} rows, {per_second:,.0f} rows/s, ETA {eta}"
