"""When findings may have changed: an ingestion run finished, or governance changed.

Connected in ``GovernanceConfig.ready``. Each asks for a (coalesced) scan; the scan's own
audit events about findings ask for nothing, or a scan would summon the next one.
"""

from __future__ import annotations

from django.db import transaction

from graph.models import IngestionRun

from .tasks import auto_scan_enabled, exposure_scan_request

UNFINISHED = (IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING)


def on_run_finished(sender, run, **kwargs) -> None:
    """A sync window, a dbt or OpenLineage run, or the last window of a backfill to finish.

    Asked once the run's transaction commits: a rolled-back run asks nothing.
    """
    if auto_scan_enabled():
        transaction.on_commit(lambda: _after_run(run), robust=True)


def _after_run(run) -> None:
    if run.backfill_id is not None and run.backfill.runs.filter(status__in=UNFINISHED).exists():
        return  # the backfill's last window will ask, once
    exposure_scan_request(trigger=f"ingestion run {run.pk}")


def on_audit_event(sender, instance, created: bool, **kwargs) -> None:
    if created and auto_scan_enabled() and instance.object_type != "finding":
        # Queue once the governance change has committed: a rolled-back edit asks nothing.
        transaction.on_commit(
            lambda: exposure_scan_request(trigger=f"governance change #{instance.seq}"),
            robust=True,
        )
