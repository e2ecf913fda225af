"""Jobs started from the pages: a backfill, a sync now, a retry of a backfill's failed windows.

Each queues its windows as ``IngestionRun`` rows in one transaction and enqueues one
``ingest_window_task`` per window once it commits (``graph.tasks.enqueue_windows``).
Each sweeps first (``graph.tasks.runs_swept``), so that windows whose holder died count as
interrupted — retryable — rather than as work in progress that blocks a new backfill.
This module sits above ``graph.tasks`` and ``graph.ingestion``; neither imports it.
"""

from __future__ import annotations

from django.db import transaction

from graph.demo import emulator_running
from graph.ingestion.merge import runs_requeue
from graph.ingestion.windows import backfill, failed_sync_windows, sync_windows
from graph.models import Backfill, IngestionRun, Source
from graph.sources import PULLED_KINDS
from graph.tasks import enqueue_windows, runs_swept
from lineage_portal.config import engine

UNFINISHED = (IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING)


class JobRefused(Exception):
    """The job cannot start; the message says why, in words for the page."""


def source_refusal(source: Source) -> str | None:
    """Why jobs cannot be started on ``source`` from the portal, or None when they can."""
    if source.kind not in PULLED_KINDS:
        return f"{source.name} sends its lineage to the portal; there is nothing to pull."
    options = source.options or {}
    if options.get("emulator"):
        # The demo's emulator is left disabled for the periodic sync (it is not always up),
        # but the page may start jobs on it whenever it answers.
        if emulator_running(options):
            return None
        return (
            f"{source.name} is the demo warehouse and its emulator is not running: `make run` "
            "starts it with the portal (or run `python manage.py demo_warehouse serve`)."
        )
    if not source.enabled:
        return f"{source.name} is disabled; enable it in Admin first."
    return None


def backfill_start(
    *, source: Source, days: int, created_by: str, window_hours: int | None = None
) -> Backfill:
    """A backfill of the last ``days`` days, one task per window; refused while one is unfinished.

    Windows are ``telemetry.window_hours`` long unless ``window_hours`` says otherwise.
    """
    _ensure_startable(source)
    window_hours = window_hours or engine().telemetry.window_hours
    runs_swept()
    with transaction.atomic():
        unfinished = IngestionRun.objects.filter(
            source=source, backfill__isnull=False, status__in=UNFINISHED
        )
        if unfinished.exists():
            raise JobRefused(f"{source.name} already has a backfill in progress.")
        job = backfill(source=source, days=days, window_hours=window_hours, created_by=created_by)
        enqueue_windows(job.runs.all())
    return job


def sync_start(*, source: Source) -> list[IngestionRun]:
    """Queue the failed sync windows again and the new ones up to now (the beat's job, now)."""
    _ensure_startable(source)
    runs_swept()
    with transaction.atomic():
        runs = failed_sync_windows(source=source) + sync_windows(source=source)
        enqueue_windows(IngestionRun.objects.filter(pk__in=[run.pk for run in runs]))
    return runs


def backfill_retry(*, backfill: Backfill) -> int:
    """Queue the backfill's failed windows again (interrupted ones too); returns how many.

    Succeeded windows are left alone.
    """
    _ensure_startable(backfill.source)
    runs_swept()
    with transaction.atomic():
        failed = backfill.runs.select_for_update().filter(status=IngestionRun.Status.FAILED)
        run_ids = list(failed.order_by("window_start").values_list("pk", flat=True))
        if not run_ids:
            raise JobRefused("No window of this backfill has failed: there is nothing to retry.")
        runs_requeue(run_ids=run_ids)
        enqueue_windows(IngestionRun.objects.filter(pk__in=run_ids))
    return len(run_ids)


def _ensure_startable(source: Source) -> None:
    if (reason := source_refusal(source)) is not None:
        raise JobRefused(reason)
