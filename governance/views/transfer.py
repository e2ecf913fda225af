"""Classifications as CSV: a streamed export, and an import previewed before it is applied.

The preview is a dry run of the real import (every row checked exactly as it would be
applied, then rolled back). The uploaded text waits in the session under a one-time
token until the user applies it, so "Apply" applies exactly the file that was previewed.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lineage_portal.access import acting_user

from ..csv_io import CSV_COLUMNS, csv_lines, governance_csv_import, governance_csv_rows
from ..forms import CsvApplyForm, CsvUploadForm
from ..permissions import can_classify, can_export
from .common import governance_page

SESSION_KEY = "governance_csv_uploads"
MAX_PENDING = 3  # uploads kept per session; older previews expire


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
    """Check an uploaded CSV line by line exactly as applying it would (a dry run)."""
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "governance/csv.html", _context(request, form), status=400)
    reason = form.cleaned_data["reason"]
    report = governance_csv_import(
        actor=acting_user(request),
        lines=form.text.splitlines(keepends=True),
        reason=reason,
        dry_run=True,
    )
    name = form.cleaned_data["file"].name
    context = _context(request, form)
    context.update(report=report, filename=name, token=_keep(request, name, form.text, reason))
    return render(request, "governance/csv.html", context)


@require_POST
@governance_page("classify")
def csv_apply(request: HttpRequest) -> HttpResponse:
    """Apply a previewed upload for real; rows refused now are reported the same way."""
    form = CsvApplyForm(request.POST)
    upload = _take(request, form.cleaned_data["token"]) if form.is_valid() else None
    context = _context(request, CsvUploadForm())
    if upload is None:
        context["expired"] = True
        return render(request, "governance/csv.html", context, status=400)
    report = governance_csv_import(
        actor=acting_user(request),
        lines=upload["text"].splitlines(keepends=True),
        reason=upload["reason"],
    )
    context.update(report=report, filename=upload["name"], applied=True)
    return render(request, "governance/csv.html", context)


def _context(request: HttpRequest, form: CsvUploadForm) -> dict:
    return {
        "form": form,
        "columns": CSV_COLUMNS,
        "can_export": can_export(request.user),
        "can_import": can_classify(request.user),
    }


def _keep(request: HttpRequest, name: str, text: str, reason: str) -> str:
    token = secrets.token_urlsafe(16)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {"name": name, "text": text, "reason": reason}
    request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])
    return token


def _take(request: HttpRequest, token: str) -> dict | None:
    """The upload kept under ``token``, removed so it can be applied only once."""
    pending = request.session.get(SESSION_KEY, {})
    upload = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    return upload
