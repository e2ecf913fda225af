"""Thin Celery tasks of governance: verifying and anchoring the audit trail on beat."""

from __future__ import annotations

from celery import shared_task

from .audit_runs import audit_verification_run
from .import_services import csv_import_run
from .models import CsvImport


@shared_task  # type: ignore[untyped-decorator]  # celery ships no types
def audit_checkpoint_task() -> int:
    """Verify the chain since the last checkpoint and append a new one; the result's id."""
    return audit_verification_run().pk


@shared_task  # type: ignore[untyped-decorator]  # celery ships no types
def audit_full_verification_task() -> int:
    """Recompute the whole chain against every checkpoint; the result's id."""
    return audit_verification_run(full=True).pk


@shared_task  # type: ignore[untyped-decorator]  # celery ships no types
def csv_import_preview_task(import_id: int) -> str:
    """Check an uploaded CSV row by row exactly as applying it would, writing nothing."""
    return csv_import_run(csv_import=CsvImport.objects.get(pk=import_id)).state


@shared_task  # type: ignore[untyped-decorator]  # celery ships no types
def csv_import_apply_task(import_id: int) -> str:
    """Apply a checked CSV; rows refused now are reported the same way."""
    return csv_import_run(csv_import=CsvImport.objects.get(pk=import_id)).state
