"""Findings in words: the sentence a finding reads as, and what each hop did to the value.

Every page that shows a finding (the Exposure list, a finding's page, the dashboard, the
dataset panel) says it the same way, so the words live here. Masking is always said in
words — "copied unmasked", "hashed", "unknown (table-level lineage only)" — never as the
edge's bare label (``identity``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from graph.keys import asset_label

from ..models import Finding
from .evidence import READERS_DAYS

Kind = Finding.Kind
EXPOSURE_KINDS = frozenset({Kind.UNMASKED_PII_PATH, Kind.UNMASKED_REGULATED_PATH})
UNKNOWN_TABLE_LEVEL = "unknown (table-level lineage only)"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 hop``, ``2 hops``, ``3 principals``."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def tag_words(tags: Iterable[str]) -> list[str]:
    """Regulatory tags as the pages print them: ``PII``, ``GDPR``."""
    return [tag.upper() for tag in tags]


def protection_words(classification: str, tags: Iterable[str]) -> str:
    """``restricted, PII, GDPR`` — a level and its tags in one parenthesis."""
    return ", ".join([classification or "unclassified", *tag_words(sorted(tags))])


def source_phrase(finding: Finding) -> str:
    """``raw.customers.email (restricted, GDPR, PII)``."""
    return (
        f"{asset_label(finding.source)} ({protection_words(finding.classification, finding.tags)})"
    )


def readers_phrase(readers: Sequence[dict[str, Any]]) -> str:
    """``read by 2 principals in the last 90 days`` or that nobody was seen reading it."""
    if not readers:
        return f"no reads recorded in the last {READERS_DAYS} days"
    return f"read by {plural(len(readers), 'principal')} in the last {READERS_DAYS} days"


def finding_sentence(finding: Finding, *, today: date | None = None) -> str:
    """What the finding means, in one sentence (see ``ui.md``, Exposure and evidence)."""
    if finding.kind in EXPOSURE_KINDS:
        how = "unmasked" if finding.masking == "unmasked" else f"with masking {UNKNOWN_TABLE_LEVEL}"
        verb = "reaches" if finding.masking == "unmasked" else "may reach"
        return (
            f"{source_phrase(finding)} {verb} {asset_label(finding.target)} {how}, "
            f"in {plural(finding.hops, 'hop')}; {readers_phrase(finding.readers)}"
        )
    if finding.kind == Kind.STEWARD_MISSING:
        return f"{source_phrase(finding)} has no active steward accountable for it"
    if finding.kind == Kind.REVIEW_OVERDUE:
        return _overdue_sentence(finding, today or timezone.localdate())
    return finding.reason


def _overdue_sentence(finding: Finding, today: date) -> str:
    due = (finding.details or {}).get("due")
    if not due:
        return f"The review of {source_phrase(finding)} is overdue"
    days = (today - date.fromisoformat(due)).days
    late = plural(days, "day") + " overdue" if days > 0 else "due"
    return f"The review of {source_phrase(finding)} is {late} (was due {due})"


def reason_words(finding: Finding) -> str:
    """Why the place the value lands does not protect it (the scan's reason, readable).

    ``unclassified, below restricted; without gdpr, pii`` reads
    ``unclassified, below restricted; without GDPR, PII``.
    """
    parts = []
    for part in finding.reason.split("; "):
        if part.startswith("without "):
            part = "without " + ", ".join(tag_words(part.removeprefix("without ").split(", ")))
        parts.append(part)
    return "; ".join(parts)


# --- what a hop does to the value --------------------------------------------------------


def hop_masking(hop: dict[str, Any], *, pii: bool) -> str:
    """What one hop did to the value, in words (never a bare ``identity``)."""
    if hop.get("level") == "dataset":
        return UNKNOWN_TABLE_LEVEL
    transform = hop.get("transform") or "unknown"
    subtype = (hop.get("subtype") or "").upper()
    if hop.get("masking") is True:
        if transform in ("hashed", "redacted"):
            return transform
        return "counted" if subtype == "AGGREGATION" else "masked"
    if hop.get("masking") is None or transform == "unknown":
        return "unknown (the statement's column lineage says nothing of it)"
    if transform == "identity":
        if subtype == "AGGREGATION":
            return "aggregated, returns real values (MIN, MAX…)"
        return "copied unmasked"
    if transform == "aggregated":
        if pii:
            return "aggregated, returns real values (MIN, MAX…)"
        return "aggregated (a SUM or AVG) — masks PII, carries financial values"
    if transform == "transformed":
        return "transformed, the value still readable"
    return transform


def hop_state(hop: dict[str, Any]) -> str:
    """``unmasked``, ``masked`` or ``unknown``: how the graph and the table mark a hop."""
    if hop.get("level") == "dataset" or hop.get("masking") is None:
        return "unknown"
    return "masked" if hop["masking"] else "unmasked"


def seen(value: str | None) -> datetime | None:
    """An ISO timestamp from the stored evidence, as a datetime the templates can date."""
    return datetime.fromisoformat(value) if value else None


def hop_rows(path: dict[str, Any], *, pii: bool) -> list[dict[str, Any]]:
    """A path's hops as table rows: where, what ran, what it did to the value, when."""
    return [
        {
            "number": number,
            "from": _end(hop["from"], hop.get("from_column")),
            "to": _end(hop["to"], hop.get("to_column")),
            "masking": hop_masking(hop, pii=pii),
            "state": hop_state(hop),
            "transformation_type": hop.get("transformation_type") or "",
            "job": hop.get("job") or "",
            "query_id": hop.get("query_id") or "",
            "status": (hop.get("execution_status") or "").upper(),
            "last_seen": seen(hop.get("last_seen")),
            "first_seen": seen(hop.get("first_seen")),
        }
        for number, hop in enumerate(path.get("hops", []), start=1)
    ]


def _end(dataset: str, column: str | None) -> str:
    name = asset_label(dataset)
    return f"{name}.{column}" if column else name


def people_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Readers as rows with real datetimes (``first_seen``/``last_seen``)."""
    return [
        {**row, "first_seen": seen(row.get("first_seen")), "last_seen": seen(row.get("last_seen"))}
        for row in rows
    ]


def leak_phrase(finding: Finding) -> str:
    """Where a source column's value leaves: ``is copied unmasked to marts.marketing_export.email``."""
    target = asset_label(finding.target)
    if finding.masking != "unmasked":
        return f"may reach {target} (masking {UNKNOWN_TABLE_LEVEL})"
    readable: dict[str, Any] = next((p for p in finding.paths if p.get("readable")), {"hops": []})
    copied = all(hop_masking(h, pii=True) == "copied unmasked" for h in readable["hops"])
    return f"is copied unmasked to {target}" if copied else f"reaches {target} unmasked"


def arrival_phrase(finding: Finding) -> str:
    """What an exposed column receives: ``receives raw.customers.email unmasked``."""
    how = "unmasked" if finding.masking == "unmasked" else f"with masking {UNKNOWN_TABLE_LEVEL}"
    return f"receives {source_phrase(finding)} {how}"
