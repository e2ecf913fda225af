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
from django.conf import settings
from django.db import transaction

from graph import ingestion
from graph.ingestion import leases
from graph.ingestion.merge import runs_hold
from graph.ingestion.sweep import Swept, runs_sweep
from graph.ingestion.windows import failed_sync_windows
from graph.models import IngestionRun, Source
from graph.sources import PULLED_KINDS

logger = logging.getLogger(__name__)

_RETRY = settings.LINEAGE_CONFIG["telemetry"]["retry"]


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    dont_autoretry_for=(IngestionRun.DoesNotExist,),
    max_retries=_RETRY["attempts"] - 1,
    retry_backoff=_RETRY["backoff_seconds"],
    retry_backoff_max=_RETRY["backoff_max_seconds"],
    retry_jitter=_RETRY["jitter"],
)
def ingest_window_task(self, run_id: int) -> str:
    """Ingest one queued window (an ``IngestionRun``) into the configured graph store.

    The task's id holds the run's lease, so the same task's next attempt may take it back
    even if the last one died before it could record anything.
    """
    from graph.store import get_store

    run = IngestionRun.objects.select_related("source").get(pk=run_id)
    ingestion.run_execute(
        run=run,
        store=get_store(),
        owner=f"task:{self.request.id}",
        retrying=self.request.retries < self.max_retries,
    )
    return run.status


@shared_task(acks_late=True)
def backfill_task(source_id: int, days: int) -> int:
    """Split the last ``days`` days of a source into windows; one task per window."""
    source = Source.objects.get(pk=source_id)
    window_hours = settings.LINEAGE_CONFIG["telemetry"]["window_hours"]
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
