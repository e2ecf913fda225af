"""Generating reports: CSV streamed, PDF rendered, either registered; big PDFs on a worker.

Only auditors and compliance admins generate and download reports
(``permissions.ensure_can_export``); every file generated is in the evidence register.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from lineage_portal.config import engine

from ..permissions import ensure_can_export
from .csv import registered_csv_response
from .exposure_report import ExposureReport
from .kinds import (
    AuditTrailReport,
    Progress,
    ReportKind,
    ReportParametersError,
    ReviewsReport,
    StewardGapsReport,
)
from .lineage_report import LineageReport
from .models import ReportEntry, ReportJob
from .pdf import ReportDocument, render_pdf
from .register import Rendered, Slot, report_register, temp_file

logger = logging.getLogger(__name__)

KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        AuditTrailReport("audit_trail", "Audit trail", ("csv", "pdf")),
        ReviewsReport("reviews", "Reviews and attestations", ("csv", "pdf")),
        StewardGapsReport("steward_gaps", "Steward gaps", ("csv", "pdf")),
        LineageReport("lineage", "Dataset lineage", ("pdf",)),
        ExposureReport("exposure", "Exposure report", ("csv", "pdf")),
    )
}


def report_kind_get(*, name: str, fmt: str) -> ReportKind:
    """The kind called ``name`` if it comes in ``fmt``; ``ReportParametersError`` otherwise."""
    kind = KINDS.get(name)
    if kind is None or fmt not in kind.formats:
        raise ReportParametersError(
            f"There is no {name.replace('_', ' ')} report as {fmt.upper()}."
        )
    return kind


def report_csv_stream(
    *, kind: ReportKind, params: dict[str, Any], actor: Any
) -> StreamingHttpResponse:
    """The CSV streamed to the browser, registered once its last row is out."""
    ensure_can_export(actor)
    header, rows = kind.csv(params)
    return registered_csv_response(
        kind=kind.name,
        title=kind.title,
        parameters=params,
        actor=actor,
        filename=kind.filename(params, "csv"),
        header=header,
        rows=rows,
    )


def report_is_big(*, kind: ReportKind, params: dict[str, Any]) -> bool:
    """Whether the PDF goes to a worker (more rows than ``reports.background_rows``)."""
    return kind.count(params) > engine().reports.background_rows


def report_document_register(
    *, kind: str, document: ReportDocument, params: dict[str, Any], actor: Any, filename: str
) -> ReportEntry:
    """Lay out ``document`` for the next register slot, keep the PDF, register it.

    The hook for every PDF report, the exposure report included: build a
    ``ReportDocument`` (sections are templates), then call this.
    """
    ensure_can_export(actor)
    generated_by = actor.get_username() if getattr(actor, "pk", None) else str(actor)

    def render(slot: Slot) -> Rendered:
        handle, path = temp_file(".pdf")
        handle.close()
        render_pdf(document, slot=slot, generated_by=generated_by, target=path)
        return Rendered(path=path, row_counts=document.rows)

    return report_register(
        kind=kind,
        format="pdf",
        title=document.title,
        parameters=params,
        actor=actor,
        filename=filename,
        render=render,
    )


def report_pdf_generate(
    *, kind: ReportKind, params: dict[str, Any], actor: Any, progress: Progress | None = None
) -> ReportEntry:
    """Read the data, then render and register the PDF."""
    ensure_can_export(actor)
    document = kind.document(params, progress or (lambda done, total, message: None))
    return report_document_register(
        kind=kind.name,
        document=document,
        params=params,
        actor=actor,
        filename=kind.filename(params, "pdf"),
    )


def report_job_start(*, kind: ReportKind, params: dict[str, Any], actor: Any) -> ReportJob:
    """Queue a PDF for a worker; the job page shows its progress and the download link."""
    ensure_can_export(actor)
    job = ReportJob.objects.create(
        kind=kind.name,
        format="pdf",
        parameters=params,
        requested_by=actor,
        message="Waiting for a worker",
    )
    from .tasks import report_generate_task

    transaction.on_commit(lambda: report_generate_task.delay(job.pk), robust=True)
    return job


def report_job_run(*, job_id: int) -> ReportJob:
    """Generate a job's report, recording progress as it goes and the outcome at the end."""
    job = ReportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status == ReportJob.Status.DONE:
        return job
    _job_update(job, status=ReportJob.Status.RUNNING, message="Reading the data")

    def progress(done: int, total: int, message: str) -> None:
        _job_update(job, done=done, total=total, message=message)

    try:
        kind = report_kind_get(name=job.kind, fmt=job.format)
        entry = report_pdf_generate(
            kind=kind, params=job.parameters, actor=job.requested_by, progress=progress
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the page; the worker goes on
        logger.exception("report job %s failed", job.pk)
        _job_update(
            job,
            status=ReportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )
        return job
    _job_update(
        job,
        status=ReportJob.Status.DONE,
        entry=entry,
        message=f"{entry.report_id} is ready",
        finished_at=timezone.now(),
    )
    return job


def _job_update(job: ReportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
