"""The ``failed_backfill`` alert: an ingestion window that failed after its retries.

Ingestion sends ``graph.signals.window_failed``; this turns it into one alert per window
and error. The same window failing again with the same error is the same event (its
idempotency key), so a redelivered task or a second look sends nothing new.
"""

from __future__ import annotations

import hashlib
import logging

from django.urls import reverse

from graph.models import IngestionRun
from lineage_portal.config import engine

from .events import AlertEvent
from .services import alert_raise

logger = logging.getLogger(__name__)


def failed_window_event(run: IngestionRun) -> AlertEvent:
    """The alert for a failed ``IngestionRun``."""
    error = (run.error or "unknown error").strip()
    digest = hashlib.sha256(error.encode()).hexdigest()[:16]
    what = "Backfill window" if run.backfill_id else "Sync window"
    window = f"{run.window_start:%Y-%m-%d %H:%M}–{run.window_end:%Y-%m-%d %H:%M} UTC"
    base = engine().monitoring.portal_url.rstrip("/")
    return AlertEvent(
        kind="failed_backfill",
        idempotency_key=f"failed_backfill:run-{run.pk}:{digest}",
        risk="MEDIUM",
        title=f"{what} of {run.source.name} failed: {window}",
        text=(
            f"The window failed after {run.attempts} attempt{'s' if run.attempts != 1 else ''}: "
            f"{error[:500]}. Its lineage is missing until it is retried from the Ingestion page."
        ),
        link=base + reverse("ingestion_run_detail", args=[run.pk]),
        details={
            "source": run.source.name,
            "target": window,
            "run_id": run.pk,
            "backfill_id": run.backfill_id,
            "attempts": run.attempts,
            "error": error[:2000],
        },
    )


def on_window_failed(sender: object, run: IngestionRun, **kwargs: object) -> None:
    """Receiver of ``graph.signals.window_failed``."""
    alert_raise(event=failed_window_event(run))
