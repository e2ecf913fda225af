"""What the exposure pages draw, prepared from findings: rows, groups, paths and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from graph.keys import asset_label

from ..models import AuditEvent, Finding, classification_rank
from .selectors import FindingGroup
from .wording import finding_sentence as sentence_of
from .wording import (
    hop_rows,
    people_rows,
    plural,
    protection_words,
    readers_phrase,
)

HISTORY_WORDS = {
    "finding.open": "Opened by the exposure scan",
    "finding.acknowledge": "Acknowledged",
    "finding.resolve": "Resolved",
    "finding.reopen": "Re-opened by the exposure scan",
    "finding.ack_expire": "Re-opened: the acknowledgement expired",
}


@dataclass(frozen=True)
class FindingRow:
    """One finding as a line of a list: its sentence and where it leads."""

    finding: Finding
    sentence: str

    @property
    def url(self) -> str:
        return reverse("exposure_finding", args=[self.finding.pk])

    @property
    def detected_ago(self) -> str:
        return ago(self.finding.first_detected)

    @property
    def ack_until(self) -> str:
        return until(self.finding.ack_expires)


def finding_row(finding: Finding) -> FindingRow:
    return FindingRow(finding, sentence_of(finding))


@dataclass(frozen=True)
class GroupRow:
    """A group of findings (``FindingGroup``) with the sentence that sums it up."""

    group: FindingGroup
    sentence: str
    rows: list[FindingRow]

    @property
    def single(self) -> FindingRow | None:
        return self.rows[0] if len(self.rows) == 1 else None


def group_row(group: FindingGroup) -> GroupRow:
    rows = [finding_row(f) for f in group.findings]
    sentence = rows[0].sentence if len(rows) == 1 else group_sentence(group)
    return GroupRow(group, sentence, rows)


def group_sentence(group: FindingGroup) -> str:
    """``raw.orders (confidential, FINANCIAL) reaches analytics.fct_orders unmasked in 6 columns…``."""
    findings = group.findings
    level = max((f.classification for f in findings), key=lambda c: classification_rank(c or None))
    tags = sorted({tag for f in findings for tag in f.tags})
    source = f"{asset_label(group.source_dataset)} ({protection_words(level, tags)})"
    target = asset_label(group.target_dataset)
    if group.exposure:
        unmasked = sum(1 for f in findings if f.masking == "unmasked")
        how = [f"unmasked in {plural(unmasked, 'column')}"] if unmasked else []
        if unknown := len(findings) - unmasked:
            how.append(f"with unknown masking in {plural(unknown, 'column')}")
        return (
            f"{source} reaches {target} {' and '.join(how)}; {readers_phrase(findings[0].readers)}"
        )
    if group.kind == Finding.Kind.STEWARD_MISSING:
        return f"{plural(len(findings), 'asset')} of {source} have no active steward"
    if group.kind == Finding.Kind.REVIEW_OVERDUE:
        return f"{plural(len(findings), 'review')} of {source} are overdue"
    return f"{plural(len(findings), 'finding')} about {target}"


def ago(moment: datetime | None) -> str:
    """ "just now", "5 minutes ago", "3 days ago": one unit; pages put the exact time on hover."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def until(day: date | None) -> str:
    """``in 89 days`` / ``today`` / ``3 days ago`` for an expiry date."""
    if day is None:
        return ""
    days = (day - timezone.localdate()).days
    if days == 0:
        return "today"
    return f"in {plural(days, 'day')}" if days > 0 else f"{plural(-days, 'day')} ago"


# --- one finding --------------------------------------------------------------------------------


def paths_view(finding: Finding) -> list[dict[str, Any]]:
    """Each stored path: the datasets it runs through, and its hops as table rows."""
    pii = finding.kind == Finding.Kind.UNMASKED_PII_PATH
    return [
        {
            "number": number,
            "datasets": [asset_label(key) for key in path.get("datasets", [])],
            "readable": path.get("readable", True),
            "hops": hop_rows(path, pii=pii),
        }
        for number, path in enumerate(finding.paths, start=1)
    ]


def readers_view(finding: Finding) -> list[dict[str, Any]]:
    return people_rows(finding.readers)


@dataclass(frozen=True)
class HistoryRow:
    """An audit event about a finding, said in words."""

    event: AuditEvent

    @property
    def what(self) -> str:
        return HISTORY_WORDS.get(self.event.action, self.event.action)

    @property
    def ago(self) -> str:
        return ago(self.event.at)

    @property
    def until(self) -> str:
        return (self.event.after or {}).get("ack_expires") or ""


def refusal(finding: Finding, user: Any) -> str:
    """Why this user sees no decision forms, naming who may decide instead."""
    if finding.kind == Finding.Kind.FAILED_BACKFILL:
        return "Only a compliance admin may acknowledge or resolve a failed backfill."
    asset, source = asset_label(finding.target), asset_label(finding.source)
    if finding.steward:
        return (
            f"Only the steward of {asset} ({finding.steward}), the steward of {source} or a "
            "compliance admin may acknowledge or resolve this finding."
        )
    return (
        f"{asset} has no steward yet: only the steward of {source} or a compliance admin may "
        "acknowledge or resolve this finding."
    )
