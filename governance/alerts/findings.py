"""Alerts for exposure findings: one per finding when it is first opened.

``exposure.scan`` calls ``findings_alert`` with the findings a scan has just opened, in
the scan's transaction (delivery waits for the commit). A finding's id is its alert's
idempotency key, so a re-scan that finds it again sends nothing new.

``failed_backfill`` findings are left out: the failed window already raised its alert
when it failed (``failed_backfill.py``); one failure, one alert.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse

from governance.models import Finding
from graph.keys import ColumnKey, DatasetKey, is_column_key
from lineage_portal.config import engine

from .events import AlertEvent
from .services import alert_raise

SKIPPED_KINDS = {"failed_backfill"}
TRANSFORM_WORDS = {
    "identity": "copied unmasked",
    "transformed": "transformed, value carried",
    "hashed": "hashed",
    "redacted": "redacted",
    "aggregated": "aggregated",
    "unknown": "masking unknown",
}


def _short(key: str) -> str:
    if not key or "://" not in key:
        return key
    if is_column_key(key):
        column = ColumnKey.parse(key)
        return f"{column.dataset.short}.{column.column}"
    return DatasetKey.parse(key).short


def _link(finding: Finding) -> str:
    base = engine().monitoring.portal_url.rstrip("/")
    for name in ("exposure_finding", "exposure-finding-detail"):
        try:
            return base + reverse(name, args=[finding.pk])
        except NoReverseMatch:
            continue
    return ""


def _path(finding: Finding) -> tuple[list[str], str]:
    """The shortest path's datasets, and what happened on its hops, in words."""
    if not finding.paths:
        return [], ""
    shortest = finding.paths[0]
    names = [_short(key) for key in shortest.get("datasets", [])]
    words = sorted(
        {
            TRANSFORM_WORDS.get(h.get("transform") or "unknown", "masking unknown")
            for h in shortest.get("hops", [])
        }
    )
    hops = len(shortest.get("hops", []))
    summary = f"{hops} hop{'s' if hops != 1 else ''}: {', '.join(words)}" if hops else ""
    return names, summary


def finding_event(finding: Finding) -> AlertEvent:
    """The alert for a finding, read as a sentence first (ui.md)."""
    source, target = _short(finding.source), _short(finding.target)
    tags = ", ".join(t.upper() for t in finding.tags)
    what = ", ".join(p for p in (finding.classification, tags) if p)
    if finding.kind in ("unmasked_pii_path", "unmasked_regulated_path"):
        how = "unmasked" if finding.masking == "unmasked" else "with unknown masking"
        title = f"{source}{f' ({what})' if what else ''} reaches {target} {how}"
    else:
        title = finding.reason or f"{finding.get_kind_display()}: {source}"
    readers = len(finding.readers or [])
    path, summary = _path(finding)
    text = finding.reason
    if readers:
        text += f"; read by {readers} principal{'s' if readers != 1 else ''} in the last 90 days"
    return AlertEvent(
        kind=finding.kind,
        idempotency_key=f"finding:{finding.pk}:opened",
        risk=finding.risk_level,
        title=title,
        text=text,
        link=_link(finding),
        details={
            "finding_id": finding.pk,
            "source": source,
            "target": target,
            "path": path,
            "path_summary": summary,
            "readers": readers,
        },
    )


def findings_alert(findings: Iterable[Finding]) -> int:
    """Raise one alert per newly opened finding; returns how many were recorded."""
    raised = 0
    for finding in findings:
        if finding.kind in SKIPPED_KINDS:
            continue
        raised += alert_raise(event=finding_event(finding)) is not None
    return raised
