"""CSV imports as jobs: the upload is kept on disk, checked by a task, applied by another.

A big file no longer runs inside one request: the page follows the task's progress
(rows done of the rows in the file) and shows the report when it is finished.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .csv_io import governance_csv_import
from .models import CsvImport
from .permissions import can_administer, ensure_can_classify

# How much of each outcome a report keeps line by line (the counts are always complete).
KEPT_LINES = 1000


def import_path(csv_import: CsvImport) -> Path:
    return Path(settings.CSV_IMPORT_DIR) / csv_import.stored_name


def csv_import_start(*, actor: Any, filename: str, text: str, reason: str = "") -> CsvImport:
    """Keep the upload on disk and queue its check (a dry run of the real import)."""
    ensure_can_classify(actor)
    directory = Path(settings.CSV_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.csv"
    (directory / stored).write_text(text, encoding="utf-8")
    csv_import = CsvImport.objects.create(
        created_by=actor,
        filename=filename[:255],
        stored_name=stored,
        reason=reason,
        rows_total=max(text.count("\n") + (not text.endswith("\n")) - 1, 0),
    )
    _enqueue(csv_import, apply=False)
    return csv_import


def ensure_can_follow(actor: Any, csv_import: CsvImport) -> None:
    """An import is its uploader's (and any compliance admin's) to see and apply."""
    if csv_import.created_by_id != getattr(actor, "pk", None) and not can_administer(actor):
        raise PermissionDenied("This import was uploaded by someone else.")


def csv_import_apply(*, actor: Any, csv_import: CsvImport) -> CsvImport:
    """Queue applying a checked import, once; rows are judged again as they are applied."""
    ensure_can_follow(actor, csv_import)
    ensure_can_classify(actor)
    with transaction.atomic():
        locked = CsvImport.objects.select_for_update().get(pk=csv_import.pk)
        if locked.state != CsvImport.State.PREVIEWED:
            raise ValidationError(
                f"This import is {locked.get_state_display().lower()}: it can be applied once, "
                "after its check."
            )
        locked.state, locked.rows_done, locked.started_at = CsvImport.State.APPLYING, 0, None
        locked.save(update_fields=["state", "rows_done", "started_at"])
        _enqueue(locked, apply=True)
    return locked


def _enqueue(csv_import: CsvImport, *, apply: bool) -> None:
    from .tasks import csv_import_apply_task, csv_import_preview_task

    task = csv_import_apply_task if apply else csv_import_preview_task
    transaction.on_commit(lambda: task.delay(csv_import.pk))


def csv_import_run(*, csv_import: CsvImport) -> CsvImport:
    """Run the check or the apply the import is queued for; the outcome is stored on it."""
    applying = csv_import.state == CsvImport.State.APPLYING
    CsvImport.objects.filter(pk=csv_import.pk).update(started_at=timezone.now(), rows_done=0)

    def progress(done: int) -> None:
        CsvImport.objects.filter(pk=csv_import.pk).update(rows_done=done)

    try:
        with open(import_path(csv_import), encoding="utf-8", newline="") as file:
            report = governance_csv_import(
                actor=csv_import.created_by,
                lines=file,
                reason=csv_import.reason,
                dry_run=not applying,
                progress=progress,
            )
    except Exception as exc:  # noqa: BLE001 - stored for the page, then raised for the worker
        _finish(csv_import, state=CsvImport.State.FAILED, failure=f"{type(exc).__name__}: {exc}")
        raise
    _finish(
        csv_import,
        state=CsvImport.State.APPLIED if applying else CsvImport.State.PREVIEWED,
        rows_done=F("rows_total"),
        applied_count=len(report.applied),
        unchanged_count=len(report.unchanged),
        error_count=len(report.errors),
        applied_lines=report.applied[:KEPT_LINES],
        errors=[[error.line, error.reason] for error in report.errors[:KEPT_LINES]],
    )
    if applying:
        import_path(csv_import).unlink(missing_ok=True)
        CsvImport.objects.filter(pk=csv_import.pk).update(stored_name="")
    csv_import.refresh_from_db()
    return csv_import


def _finish(csv_import: CsvImport, **fields: Any) -> None:
    CsvImport.objects.filter(pk=csv_import.pk).update(finished_at=timezone.now(), **fields)
