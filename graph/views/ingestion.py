"""Ingestion pages: runs, backfills with live progress, and starting jobs.

Everyone signed in sees them; only compliance admins start a backfill, a sync or a retry
(the buttons are not shown to others, and a POST from anyone else is refused with 403).
Without a Celery broker the tasks run inside the POST, so it returns when they are done.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from lineage_portal.access import access_required, can_administer, ensure_can_administer
from lineage_portal.config import engine

from .. import jobs, selectors
from ..ingestion.completeness import run_completeness
from ..models import Backfill, IngestionRun, Source
from ..selectors.producers import RECENT_REFUSALS, producer_list
from .lineage import PAGE_SIZE, _not_found

MAX_BACKFILL_DAYS = 365


class BackfillForm(forms.Form):
    """How many days back a backfill reaches."""

    days = forms.IntegerField(
        min_value=1,
        max_value=MAX_BACKFILL_DAYS,
        error_messages={
            key: f"A backfill covers a whole number of days, from 1 to {MAX_BACKFILL_DAYS}."
            for key in ("required", "invalid", "min_value", "max_value")
        },
    )


def ingestion_run_list(request: HttpRequest) -> HttpResponse:
    """Sources with their job buttons, the latest backfills' progress, every run newest first."""
    overview = selectors.ingestion_overview()
    page = Paginator(overview.runs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "overview": overview,
        "page": page,
        "can_start_jobs": can_administer(request.user),
        "backfill_days": engine().telemetry.backfill_days,
        "sync_minutes": engine().telemetry.scan_interval_minutes,
        "max_backfill_days": MAX_BACKFILL_DAYS,
    }
    return render(request, "graph/ingestion_run_list.html", context)


def ingestion_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its counts, its completeness against the warehouse, and what it could not parse."""
    try:
        run = selectors.ingestion_run_get(pk=pk)
    except IngestionRun.DoesNotExist:
        return _not_found(request, "ingestion run", "There is no ingestion run with this number.")
    context = {
        "run": run,
        "failures": run.failures.order_by("id"),
        "completeness": run_completeness(run=run),
    }
    return render(request, "graph/ingestion_run_detail.html", context)


def backfill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One backfill: a progress bar that follows it live, its final state, and its windows."""
    try:
        backfill = selectors.backfill_get(pk=pk)
    except Backfill.DoesNotExist:
        return _not_found(request, "backfill", "There is no backfill with this number.")
    context = {
        "progress": selectors.backfill_progress(backfill=backfill),
        "windows": selectors.backfill_windows(backfill=backfill),
        "can_start_jobs": can_administer(request.user),
    }
    return render(request, "graph/backfill_detail.html", context)


def backfill_windows(request: HttpRequest, pk: int) -> HttpResponse:
    """The backfill page's table of windows alone, which its script swaps in as runs finish."""
    backfill = get_object_or_404(Backfill, pk=pk)
    return render(
        request,
        "graph/backfill_window_table.html",
        {"windows": selectors.backfill_windows(backfill=backfill)},
    )


@require_POST
def source_backfill_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a backfill of the last N days of a source, then follow it on its page."""
    ensure_can_administer(request.user)
    source = get_object_or_404(Source, pk=pk)
    form = BackfillForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["days"][0])
        return redirect("ingestion_run_list")
    days = form.cleaned_data["days"]
    try:
        job = jobs.backfill_start(source=source, days=days, created_by=request.user.get_username())
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
        return redirect("ingestion_run_list")
    messages.success(
        request, f"Backfill of {source.name} started: {days} days in {job.windows_total} windows."
    )
    return redirect("backfill_detail", pk=job.pk)


@require_POST
def source_sync_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Sync a source from its watermark up to now, as the periodic sync would."""
    ensure_can_administer(request.user)
    source = get_object_or_404(Source, pk=pk)
    try:
        runs = jobs.sync_start(source=source)
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
    else:
        if runs:
            messages.success(
                request,
                f"Sync of {source.name} started: {len(runs)} window{'s' if len(runs) > 1 else ''} "
                f"from {runs[0].window_start:%Y-%m-%d %H:%M} to {runs[-1].window_end:%Y-%m-%d %H:%M} UTC.",
            )
        else:
            messages.info(request, f"{source.name} is up to date: there is nothing to sync yet.")
    return redirect("ingestion_run_list")


@require_POST
def backfill_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a backfill's failed windows again; the page then follows them."""
    ensure_can_administer(request.user)
    backfill = get_object_or_404(Backfill.objects.select_related("source"), pk=pk)
    try:
        count = jobs.backfill_retry(backfill=backfill)
    except jobs.JobRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Retrying {count} failed window{'s' if count > 1 else ''} of this backfill."
        )
    return redirect("backfill_detail", pk=pk)


@require_GET
@access_required("administer")
def openlineage_producer_list(request: HttpRequest) -> HttpResponse:
    """Every OpenLineage producer namespace: events accepted and refused, and why."""
    context = {"producers": producer_list(), "recent_refusals": RECENT_REFUSALS}
    return render(request, "graph/openlineage_producers.html", context)
