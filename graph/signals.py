"""What the lineage side announces, for apps above it that care (governance rescans, alerts).

``graph`` never imports those apps: they connect to these signals when they start.

* ``run_finished``: an ingestion run has finished (succeeded or failed), with ``run``.
* ``window_failed``: a window (``run``, an ``IngestionRun``) ended FAILED for good — after
  its task's last retry, or in an in-process run that does not retry. Not sent for a
  failure that will be retried.
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

run_finished = Signal()
window_failed = Signal()


def announce_window_failed(run: object) -> None:
    """Send ``window_failed``; a listener's error is logged and never stops ingestion."""
    for receiver, outcome in window_failed.send_robust(sender=type(run), run=run):
        if isinstance(outcome, Exception):
            logger.error("window_failed receiver %r failed: %s", receiver, outcome)
