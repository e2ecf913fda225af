"""PDF reports from Django templates with WeasyPrint: a document someone can sign.

Every report is a ``ReportDocument``: a cover (organisation, scope, filters, as-of date,
generated at and by, report id, the previous report's SHA-256), a summary of figures,
and sections. A section is a template and its context, so a new kind of report — the
exposure report's findings, for one — is a function that returns sections.

Regenerating a report for the same register slot and data gives the same bytes: the PDF's
creation date is the slot's time (not the clock), its file identifier is the report id,
and nothing else in the file depends on when it was made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from lineage_portal.config import engine

from ..audit_checkpoints import audit_checkpoint_latest
from .register import Slot


@dataclass(frozen=True)
class Stat:
    """A figure on the summary page: ``tone`` is "", "ok", "warn" or "bad"."""

    label: str
    value: Any
    tone: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Section:
    """A part of the report: a heading and the template that draws it from ``context``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    intro: str = ""


@dataclass
class ReportDocument:
    """What a report says, before it is laid out."""

    title: str
    scope: str
    filters: list[tuple[str, str]] = field(default_factory=list)
    as_of: str = ""
    summary: list[Stat] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # row counts for the register


def document_html(document: ReportDocument, *, slot: Slot, generated_by: str) -> str:
    """The document as HTML (what WeasyPrint lays out; also handy to read in a test)."""
    context = {
        "doc": document,
        "slot": slot,
        "generated_by": generated_by,
        "organisation": engine().reports.organisation,
        "created_iso": slot.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # The audit chain's last signed checkpoint, so a filed report anchors the trail too.
        "checkpoint": audit_checkpoint_latest(),
    }
    return render_to_string("reports/pdf/document.html", context)


def render_pdf(document: ReportDocument, *, slot: Slot, generated_by: str, target: Path) -> None:
    """Lay the document out and write the PDF to ``target``."""
    html = HTML(
        string=document_html(document, slot=slot, generated_by=generated_by),
        base_url=str(settings.BASE_DIR),
    )
    html.write_pdf(target, pdf_identifier=slot.report_id.encode(), uncompressed_pdf=False)
