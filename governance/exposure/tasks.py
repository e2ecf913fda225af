"""Scans on demand, after ingestion runs and after governance changes — coalesced.

Many changes in a row (a bulk classification, a backfill of 90 windows) ask for one scan:
a request while another scan waits in the queue joins it. Thin Celery task, per the
house rule: it takes the scan's id and calls ``scan.exposure_scan``.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from graph.store import get_store

from ..models import ExposureScan
from .scan import exposure_scan

logger = logging.getLogger(__name__)


def exposure_scan_request(*, trigger: str) -> ExposureScan:
    """Queue a scan, or join the one already waiting; it runs once the transaction commits."""
    with transaction.atomic():
        waiting = (
            ExposureScan.objects.select_for_update()
            .filter(status=ExposureScan.Status.QUEUED)
            .first()
        )
        if waiting is not None:
            return waiting
        scan = ExposureScan.objects.create(trigger=trigger)
        transaction.on_commit(lambda: exposure_scan_task.delay(scan.pk), robust=True)
        return scan


def auto_scan_enabled() -> bool:
    return getattr(settings, "EXPOSURE_AUTO_SCAN", True)


@shared_task(acks_late=True)
def exposure_scan_task(scan_id: int) -> str:
    """Run a queued scan (a redelivered message for a finished scan does nothing)."""
    scan = ExposureScan.objects.get(pk=scan_id)
    if scan.status != ExposureScan.Status.QUEUED:
        return scan.status
    exposure_scan(store=get_store(), scan=scan)
    return scan.status
