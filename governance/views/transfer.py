"""Classifications as CSV: a streamed export, and an import checked before it is applied.

An upload is kept on disk as a ``CsvImport``; a task checks it (a dry run of the real
import) while its page shows the progress, then the user applies it — another task — and
the page shows what was applied and what was refused, line by line.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lineage_portal.access import acting_user

from ..csv_io import CSV_COLUMNS, csv_lines, governance_csv_rows
from ..forms import CsvUploadForm
from ..import_services import csv_import_apply, csv_import_start, ensure_can_follow
from ..models import CsvImport
from ..permissions import can_classify, can_export
from .common import governance_page


@require_GET
@governance_page("export")
def csv_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every governed asset as CSV, streamed row by row (auditors and admins)."""
    rows = governance_csv_rows(actor=acting_user(request))
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    filename = f"governance-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@governance_page("view")
def csv_page(request: HttpRequest) -> HttpResponse:
    """Export for auditors and admins; upload for stewards and admins; the format for all."""
    return render(request, "governance/csv.html", _context(request, CsvUploadForm()))


@require_POST
@governance_page("classify")
def csv_preview(request: HttpRequest) -> HttpResponse:
    """Keep the upload and start checking it; its page follows the check."""
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "governance/csv.html", _context(request, form), status=400)
    csv_import = csv_import_start(
        actor=acting_user(request),
        filename=form.cleaned_data["file"].name,
        text=form.text,
        reason=form.cleaned_data["reason"],
    )
    return redirect("governance_import_detail", pk=csv_import.pk)


@require_GET
@governance_page("classify")
def csv_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its progress while a task runs, then its report."""
    csv_import = get_object_or_404(CsvImport, pk=pk)
    ensure_can_follow(request.user, csv_import)
    context = _context(request, CsvUploadForm()) | {"job": csv_import, **_progress(csv_import)}
    return render(request, "governance/csv_import.html", context)


@require_GET
@governance_page("classify")
def csv_import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The import's progress, polled by its page every second while a task runs."""
    csv_import = get_object_or_404(CsvImport, pk=pk)
    ensure_can_follow(request.user, csv_import)
    return JsonResponse({"state": csv_import.state, **_progress(csv_import)})


@require_POST
@governance_page("classify")
def csv_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a checked import (once); its page follows the apply."""
    csv_import = get_object_or_404(CsvImport, pk=pk)
    try:
        csv_import_apply(actor=acting_user(request), csv_import=csv_import)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    return redirect("governance_import_detail", pk=pk)


def _progress(csv_import: CsvImport) -> dict:
    total = max(csv_import.rows_total, csv_import.rows_done, 1)
    rate = 0.0
    if csv_import.started_at and csv_import.rows_done:
        end = csv_import.finished_at or timezone.now()
        rate = csv_import.rows_done / max((end - csv_import.started_at).total_seconds(), 0.001)
    return {
        "rows_done": csv_import.rows_done,
        "rows_total": csv_import.rows_total,
        "percent": round(100 * csv_import.rows_done / total),
        "rows_per_second": round(rate),
        "finished": csv_import.finished,
    }


def _context(request: HttpRequest, form: CsvUploadForm) -> dict:
    return {
        "form": form,
        "columns": CSV_COLUMNS,
        "can_export": can_export(request.user),
        "can_import": can_classify(request.user),
    }
