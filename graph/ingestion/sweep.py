"""The sweeper: windows whose holder stopped renewing its lease, found and dealt with.

Run every ``telemetry.lease_seconds`` by Celery beat (``graph.tasks.sweep_task``), and by
``manage.py ingest`` and the pages' jobs before they look at what is unfinished. For
each unfinished run whose lease ran out:

* a Celery worker's running window (killed, or lost with its machine) is queued again
  and its message sent anew — unless it has used up ``telemetry.retry.attempts``, or no
  broker runs tasks — and is otherwise failed as interrupted;
* a Celery window still queued after the visibility timeout has its message sent again
  (Redis restarted without persistence loses queued messages; a duplicate is harmless,
  the first worker to claim the run wins and the other message finds nothing to do);
* a window held by a ``manage.py ingest`` process that died (running or still waiting
  its turn) is failed as interrupted: running the command again resumes it, and the
  backfill's Retry button queues it for the workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from graph.models import IngestionRun
from lineage_portal.config import engine

from . import leases
from .merge import run_interrupt

CELERY, PROCESS = IngestionRun.Executor.CELERY, IngestionRun.Executor.PROCESS
QUEUED, RUNNING = IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING


@dataclass
class Swept:
    """What one sweep did: runs to send to the workers again, runs failed as interrupted."""

    resend: list[int] = field(default_factory=list)
    interrupted: list[int] = field(default_factory=list)


def runs_expired(*, now: datetime | None = None) -> QuerySet[IngestionRun]:
    """Unfinished runs whose lease ran out (runs without a lease are never swept)."""
    return IngestionRun.objects.filter(
        status__in=(QUEUED, RUNNING), lease_expires_at__lt=now or timezone.now()
    ).select_related("source")


def runs_sweep(*, requeue: bool, now: datetime | None = None) -> Swept:
    """Deal with every expired run as the module says; ``requeue``: a broker runs tasks.

    Returns the runs whose message the caller must send again (``graph.tasks`` does) once
    this commits, and the runs now failed as interrupted.
    """
    swept, attempts = Swept(), engine().telemetry.retry.attempts
    for run in runs_expired(now=now).order_by("window_start"):
        by_worker = requeue and run.executor == CELERY
        if by_worker and run.status == QUEUED:
            if run_interrupt(run=run, requeue_within=leases.queue_wait(), interrupted=False):
                swept.resend.append(run.pk)
        elif by_worker and run.attempts < attempts:
            if run_interrupt(run=run, requeue_within=leases.queue_wait()):
                swept.resend.append(run.pk)
        elif run_interrupt(run=run, requeue_within=None):
            swept.interrupted.append(run.pk)
    return swept
