"""Thin Celery tasks of governance: verifying and anchoring the audit trail on beat."""

from __future__ import annotations

from celery import shared_task

from .audit_runs import audit_verification_run


@shared_task
def audit_checkpoint_task() -> int:
    """Verify the chain since the last checkpoint and append a new one; the result's id."""
    return audit_verification_run().pk


@shared_task
def audit_full_verification_task() -> int:
    """Recompute the whole chain against every checkpoint; the result's id."""
    return audit_verification_run(full=True).pk
