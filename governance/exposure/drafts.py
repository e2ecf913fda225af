"""What a scan believes right now, as finding drafts: exposures and governance gaps.

A draft is a finding before it meets the stored one: ``scan`` opens, updates, resolves or
re-opens stored findings by comparing them with the drafts of one scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from graph.models import Backfill, IngestionRun
from graph.store.base import GraphStore

from ..models import AssetGovernance, Finding, Risk
from .engine import Exposure, short_name
from .evidence import grants_list_json, path_json, reads_json
from .policy import PII_EXPOSURE, Governance, Protection, risk_of

Kind = Finding.Kind


@dataclass
class Draft:
    """The fields of one finding as this scan sees it."""

    kind: str
    risk_level: str
    source: str
    source_dataset: str
    target: str
    target_dataset: str
    risk_key: str = ""
    source_column: str = ""
    target_column: str = ""
    classification: str = ""
    target_classification: str = ""
    tags: list[str] = field(default_factory=list)
    steward: str = ""
    masking: str = ""
    reason: str = ""
    hops: int = 0
    paths: list[dict[str, Any]] = field(default_factory=list)
    more_paths: bool = False
    readers: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        return f"{self.kind}|{self.source}|{self.target}"


def exposure_drafts(
    exposures: list[Exposure], store: GraphStore, *, as_of: datetime | None = None
) -> Iterator[Draft]:
    """One draft per exposure, with the exposed dataset's readers and grants."""
    # Every exposed dataset's readers and grants in a few queries, not two a dataset.
    exposed = sorted({exposure.target.dataset_key for exposure in exposures})
    reads, holders = store.readers_of(exposed), store.who_can_read_of(exposed)
    readers = {dataset: reads_json(reads[dataset], as_of=as_of) for dataset in exposed}
    grants = {dataset: grants_list_json(holders[dataset]) for dataset in exposed}
    for exposure in exposures:
        source, target = exposure.source.protection, exposure.target
        dataset = target.dataset_key
        pii = exposure.source.risk_key == PII_EXPOSURE
        yield Draft(
            kind=Kind.UNMASKED_PII_PATH if pii else Kind.UNMASKED_REGULATED_PATH,
            risk_level=exposure.source.risk_level,
            risk_key=exposure.source.risk_key,
            source=source.key,
            source_dataset=source.dataset_key,
            source_column=source.column,
            target=target.key,
            target_dataset=dataset,
            target_column=target.column,
            classification=source.classification or "",
            target_classification=target.classification or "",
            tags=sorted(source.tags),
            steward=target.steward or "",
            masking="unmasked" if exposure.readable else "unknown",
            reason=exposure.reason,
            hops=exposure.hops,
            paths=[path_json(path) for path in exposure.paths],
            more_paths=exposure.more_paths,
            readers=readers[dataset],
            grants=grants[dataset],
        )


def gap_drafts(governance: Governance) -> Iterator[Draft]:
    """Classified assets without an active steward, and reviews past their due date."""
    today = timezone.localdate()
    assets = AssetGovernance.objects.filter(
        Q(classification__isnull=False) | Q(tags__isnull=False) | Q(next_review_due__lt=today)
    ).select_related("dataset", "column__dataset")
    for asset in assets.distinct():
        protection = governance.of(asset.key)
        own = governance.own.get(asset.key)
        classified = own is not None and (own.classification or own.tags)
        if classified and not protection.steward:
            yield _gap(Kind.STEWARD_MISSING, protection, "no active steward is accountable")
        if asset.next_review_due is not None and asset.next_review_due < today:
            overdue = (today - asset.next_review_due).days
            yield _gap(
                Kind.REVIEW_OVERDUE,
                protection,
                f"review due {asset.next_review_due.isoformat()}, {overdue} days overdue",
                details={"due": asset.next_review_due.isoformat(), "days_overdue": overdue},
            )


def _gap(kind: str, protection: Protection, reason: str, details=None) -> Draft:
    risk_key, level = risk_of(protection.tags)
    return Draft(
        kind=kind,
        risk_level=level,
        risk_key=risk_key,
        source=protection.key,
        source_dataset=protection.dataset_key,
        source_column=protection.column,
        target=protection.key,
        target_dataset=protection.dataset_key,
        target_column=protection.column,
        classification=protection.classification or "",
        target_classification=protection.classification or "",
        tags=sorted(protection.tags),
        steward=protection.steward or "",
        reason=f"{short_name(protection.key)}: {reason}",
        details=details or {},
    )


def backfill_drafts() -> Iterator[Draft]:
    """A backfill with windows that failed (after their retries): lineage is missing."""
    failed = IngestionRun.objects.filter(
        backfill__isnull=False, status=IngestionRun.Status.FAILED
    ).values_list("backfill_id", flat=True)
    for backfill in Backfill.objects.filter(pk__in=set(failed)).select_related("source"):
        runs = backfill.runs.filter(status=IngestionRun.Status.FAILED).order_by("window_start")
        first, last = runs.first(), runs.last()
        count = runs.count()
        yield Draft(
            kind=Kind.FAILED_BACKFILL,
            risk_level=Risk.MEDIUM,
            source=f"source:{backfill.source.name}",
            source_dataset="",
            target=f"backfill:{backfill.pk}",
            target_dataset="",
            reason=(
                f"{count} window{'s' if count != 1 else ''} of the {backfill.source.name} "
                f"backfill failed ({first.window_start:%Y-%m-%d %H:%M} to "
                f"{last.window_end:%Y-%m-%d %H:%M} UTC): {last.error or 'no reason recorded'}"
            ),
            details={
                "backfill": backfill.pk,
                "source": backfill.source.name,
                "failed_windows": count,
                "first_window": first.window_start.isoformat(),
                "last_window": last.window_end.isoformat(),
                "error": last.error,
            },
        )
