"""Thin Celery tasks: each takes ids, fetches, calls one service in ``graph.ingestion``.

Retries are Celery's own, set from ``telemetry.retry``: ``attempts`` in all, the wait
doubling from ``backoff_seconds`` up to ``backoff_max_seconds``, with full jitter when
``jitter`` is on (so that windows that failed together do not retry together).
``acks_late``: a worker that dies mid-window leaves its message unacknowledged, and the
run's lease tells the sweeper (``sweep_task``, on beat) to queue it again well before
Redis's visibility timeout would; whichever message arrives second finds the window
claimed or done and does nothing.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from graph import ingestion
from graph.ingestion import leases
from graph.ingestion.merge import runs_hold
from graph.ingestion.sweep import Swept, runs_sweep
from graph.ingestion.windows import failed_sync_windows
from graph.models import IngestionRun, Source
from graph.signals import announce_window_failed
from graph.sources import PULLED_KINDS
from lineage_portal.config import engine

logger = logging.getLogger(__name__)

_RETRY = engine().telemetry.retry


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(IngestionRun.DoesNotExist,),
    max_retries=_RETRY.attempts - 1,
    retry_backoff=_RETRY.backoff_seconds,
    retry_backoff_max=_RETRY.backoff_max_seconds,
    retry_jitter=_RETRY.jitter,
)
def ingest_window_task(self, run_id: int) -> str:
    """Ingest one queued window (an ``IngestionRun``) into the configured graph store.

    The task's id holds the run's lease, so the same task's next attempt may take it back
    even if the last one died before it could record anything.
    """
    from graph.store import get_store

    run = IngestionRun.objects.select_related("source").get(pk=run_id)
    last = self.request.retries >= self.max_retries
    try:
        ingestion.run_execute(
            run=run, store=get_store(), owner=f"task:{self.request.id}", retrying=not last
        )
    except Exception:
        if last:
            _announce_if_failed(run)
        raise
    return run.status


def _announce_if_failed(run: IngestionRun) -> None:
    """After the last attempt: a window recorded FAILED failed for good (no retry follows)."""
    try:
        run.refresh_from_db()
    except Exception:  # noqa: BLE001 - the database may be what failed; the run says so later
        logger.warning("run %s: could not read its outcome", run.pk, exc_info=True)
        return
    if run.status == IngestionRun.Status.FAILED:
        announce_window_failed(run)


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

    With a broker, each queued run is leased for the visibility timeout: if its message is
    lost (Redis restarted without persistence), the sweeper sends it again. Without one
    (``CELERY_TASK_ALWAYS_EAGER``), this process runs the windows itself once the
    transaction commits, holding them under its own lease meanwhile; one window's failure —
    already recorded on its run — must not stop the next window or break the page.
    """
    run_ids = list(runs.order_by("window_start").values_list("pk", flat=True))
    if not run_ids:
        return 0
    if _runs_here():
        owner = leases.process_owner("web")
        runs_hold(
            run_ids=run_ids,
            owner=owner,
            executor=IngestionRun.Executor.PROCESS,
            lease=leases.lease(),
        )
        transaction.on_commit(lambda: _run_here(owner, run_ids), robust=True)
        return len(run_ids)
    runs_hold(
        run_ids=run_ids,
        owner="",
        executor=IngestionRun.Executor.CELERY,
        lease=leases.queue_wait(),
    )
    for run_id in run_ids:
        transaction.on_commit(lambda run_id=run_id: ingest_window_task.delay(run_id), robust=True)
    return len(run_ids)


def _runs_here() -> bool:
    from lineage_portal.celery import app

    return bool(app.conf.task_always_eager)


def _run_here(owner: str, run_ids: list[int]) -> None:
    with leases.Heartbeat(owner):
        for run_id in run_ids:
            try:
                ingest_window_task.delay(run_id)
            except Exception:  # noqa: BLE001 - recorded on its run; the next window goes on
                logger.exception("run %s failed", run_id)


@shared_task
def incremental_sync_task() -> int:
    """For Celery beat: queue each enabled source's failed sync windows and new ones up to now."""
    queued = 0
    for source in Source.objects.filter(enabled=True, kind__in=PULLED_KINDS):
        with transaction.atomic():
            runs = failed_sync_windows(source=source) + ingestion.sync_windows(source=source)
            enqueue_windows(IngestionRun.objects.filter(pk__in=[run.pk for run in runs]))
        queued += len(runs)
    return queued


def runs_swept() -> Swept:
    """Sweep expired runs now and send the messages of the ones queued again."""
    with transaction.atomic():
        swept = runs_sweep(requeue=not _runs_here())
        if swept.resend:
            for run_id in swept.resend:
                transaction.on_commit(
                    lambda run_id=run_id: ingest_window_task.delay(run_id), robust=True
                )
    if swept.resend or swept.interrupted:
        logger.warning(
            "sweeper: %d window(s) queued again, %d failed as interrupted",
            len(swept.resend),
            len(swept.interrupted),
        )
    return swept


@shared_task
def sweep_task() -> dict:
    """For Celery beat, every lease: windows whose holder went silent are queued again or failed."""
    swept = runs_swept()
    return {"resent": swept.resend, "interrupted": swept.interrupted}


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
