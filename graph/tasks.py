"""Thin Celery tasks: each takes ids, fetches, calls one service in ``graph.ingestion``.

Retries follow ``telemetry.retry`` (attempts in all, backoff doubling from
``backoff_seconds``). ``acks_late``: a worker that dies mid-window leaves the message to
be redelivered, which is safe because a replayed window changes nothing.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from graph import ingestion
from graph.models import IngestionRun, Source
from graph.signals import announce_window_failed
from graph.sources import PULLED_KINDS
from lineage_portal.config import engine

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True)
def ingest_window_task(self, run_id: int) -> str:
    """Ingest one queued window (an ``IngestionRun``) into the configured graph store."""
    from graph.store import get_store

    run = IngestionRun.objects.select_related("source").get(pk=run_id)
    if run.status == IngestionRun.Status.SUCCEEDED:
        return run.status  # a redelivered message: the window is in already
    try:
        ingestion.run_execute(run=run, store=get_store())
    except Exception as exc:
        retry = engine().telemetry.retry
        if self.request.retries + 1 >= retry.attempts:
            announce_window_failed(run)
            raise
        countdown = retry.backoff_seconds * 2**self.request.retries
        logger.warning("run %s failed (%s); retrying in %ss", run_id, exc, countdown)
        raise self.retry(exc=exc, countdown=countdown, max_retries=retry.attempts - 1) from exc
    return run.status


@shared_task(acks_late=True)
def backfill_task(source_id: int, days: int) -> int:
    """Split the last ``days`` days of a source into windows; one task per window."""
    source = Source.objects.get(pk=source_id)
    window_hours = engine().telemetry.window_hours
    with transaction.atomic():
        job = ingestion.backfill(source=source, days=days, window_hours=window_hours)
        return enqueue_windows(job.runs.filter(status=IngestionRun.Status.QUEUED))


def enqueue_windows(runs) -> int:
    """One ``ingest_window_task`` per run, oldest first, once the transaction commits.

    The callbacks are ``robust``: without a broker (``CELERY_TASK_ALWAYS_EAGER``) a window
    runs inside the request, and one window's failure — already recorded on its run — must
    not stop the next window or break the page.
    """
    run_ids = list(runs.order_by("window_start").values_list("pk", flat=True))
    for run_id in run_ids:
        transaction.on_commit(lambda run_id=run_id: ingest_window_task.delay(run_id), robust=True)
    return len(run_ids)


@shared_task
def incremental_sync_task() -> int:
    """For Celery beat: queue the windows from each enabled source's watermark up to now."""
    queued = 0
    for source in Source.objects.filter(enabled=True, kind__in=PULLED_KINDS):
        with transaction.atomic():
            runs = ingestion.sync_windows(source=source)
            enqueue_windows(IngestionRun.objects.filter(pk__in=[run.pk for run in runs]))
        queued += len(runs)
    return queued


@shared_task(acks_late=True)
def ingest_dbt_artifacts_task(source_id: int, target_dir: str) -> int:
    """Ingest a dbt project's artifacts (left in ``target_dir`` by a dbt run) for one source."""
    from pathlib import Path

    from graph.ingestion.dbt import dbt_artifacts_ingest
    from graph.store import get_store

    target = Path(target_dir)
    results = target / "run_results.json"
    run = dbt_artifacts_ingest(
        source=Source.objects.get(pk=source_id),
        manifest_path=target / "manifest.json",
        run_results_path=results if results.is_file() else None,
        store=get_store(),
    )
    return run.pk


@shared_task(bind=True, acks_late=True)
def openlineage_event_task(self, event_id: int) -> str:
    """Record one queued OpenLineage event (too large to record inside its request)."""
    from graph.ingestion.openlineage import openlineage_queued_ingest
    from graph.models import OpenLineageEvent
    from graph.store import get_store

    record = OpenLineageEvent.objects.get(pk=event_id)
    try:
        return openlineage_queued_ingest(record=record, store=get_store()).status
    except Exception as exc:
        # The store was busy or unreachable: the event stays queued and is tried again.
        retry = engine().telemetry.retry
        if self.request.retries + 1 >= retry.attempts:
            OpenLineageEvent.objects.filter(pk=event_id).update(
                status=OpenLineageEvent.Status.FAILED, reason=f"{type(exc).__name__}: {exc}"
            )
            raise
        countdown = retry.backoff_seconds * 2**self.request.retries
        raise self.retry(exc=exc, countdown=countdown, max_retries=retry.attempts - 1) from exc
