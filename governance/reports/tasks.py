"""Thin Celery task: a report job, generated on a worker."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)  # type: ignore[untyped-decorator]
def report_generate_task(job_id: int) -> str:
    """Generate the job's PDF; its progress and outcome are on the job."""
    return services.report_job_run(job_id=job_id).status
