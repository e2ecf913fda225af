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

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from graph.models import Backfill, IngestionRun, Source
from graph.sources import source_for
from graph.sources.base import LineageSource
from graph.store.base import GraphStore

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
    return job


def sync_windows(*, source: Source, now: datetime | None = None) -> list[IngestionRun]:
    """Queued runs from the watermark (or the end of pending ones) up to now minus latency."""
    hours = settings.LINEAGE_CONFIG["telemetry"]["window_hours"]
    end = ((now or timezone.now()) - source_for(source).latency).replace(second=0, microsecond=0)
    pending = (
        source.runs.filter(
            backfill__isnull=True,
            status__in=[IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING],
        )
        .order_by("-window_end")
        .first()
    )
    known = [t for t in (source.watermark, pending and pending.window_end) if t is not None]
    start = max(known) if known else end - timedelta(hours=hours)
    return [
        IngestionRun.objects.create(source=source, window_start=s, window_end=e)
        for s, e in windows(start, end, hours)
        if e - s >= timedelta(minutes=1)
    ]


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

    A failed window is recorded and skipped: it stays FAILED for a later retry.
    """
    runs = sorted(runs, key=lambda r: r.window_start)
    done, failed, rows, started = [], [], 0, time.monotonic()
    fetchers: dict[int, LineageSource] = {}
    try:
        for index, run in enumerate(runs, start=1):
            fetcher = fetchers.get(run.source_id) or fetchers.setdefault(
                run.source_id, source_for(run.source)
            )
            try:
                run_execute(run=run, store=store, fetcher=fetcher)
            except Exception:  # noqa: BLE001 - recorded on the run; the next window goes on
                logger.exception("window %s..%s failed", run.window_start, run.window_end)
                failed.append(run)
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
