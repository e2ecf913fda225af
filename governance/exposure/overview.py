"""The dashboard's governance panel: open findings, how much is classified and stewarded.

Registered with ``graph.hooks.register_dashboard_panel`` in ``GovernanceConfig.ready``, so
the home page (``graph``) draws it without knowing governance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from graph.hooks import Highlighted
from graph.models import Dataset

from ..models import AssetGovernance, Classification, Risk
from . import selectors
from .presenters import group_row

TREND_DAYS = 90
TOP_GROUPS = 4
SENSITIVE = (Classification.CONFIDENTIAL, Classification.RESTRICTED)
# The trend's drawing box (SVG user units): one bar per day, 0 at the bottom.
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 540, 64, 1


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the panel draws, in a handful of queries."""
    unresolved = selectors.finding_list().filter(state__in=selectors.UNRESOLVED)
    groups = selectors.finding_groups(unresolved)[:TOP_GROUPS]
    return {
        "risks": selectors.risk_counts(),
        "gravest": [group_row(g) for g in selectors.finding_groups_load(groups)],
        "coverage": coverage(),
        "trend": trend(selectors.open_trend(days=TREND_DAYS)),
        "scan": selectors.last_scan(),
    }


@dataclass(frozen=True)
class Coverage:
    """How far governance reaches: sensitive assets, classification, stewards, reviews."""

    sensitive_tables: int
    sensitive_columns: int
    datasets: int
    classified_datasets: int
    classified_assets: int
    stewarded_assets: int
    overdue_reviews: int

    @property
    def sensitive(self) -> int:
        return self.sensitive_tables + self.sensitive_columns

    @property
    def classified_percent(self) -> int | None:
        return _percent(self.classified_datasets, self.datasets)

    @property
    def steward_percent(self) -> int | None:
        return _percent(self.stewarded_assets, self.classified_assets)


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def coverage() -> Coverage:
    """Counts over the governance rows; a column answers to its table's steward if it has none."""
    sensitive = AssetGovernance.objects.filter(
        Q(classification__in=SENSITIVE) | Q(tags__isnull=False)
    ).distinct()
    classified = AssetGovernance.objects.filter(classification__isnull=False)
    own = Q(steward__active=True)
    inherited = Q(column__isnull=False, column__dataset__governance__steward__active=True)
    return Coverage(
        sensitive_tables=sensitive.filter(dataset__isnull=False).count(),
        sensitive_columns=sensitive.filter(column__isnull=False).count(),
        datasets=Dataset.objects.count(),
        classified_datasets=classified.filter(dataset__isnull=False).count(),
        classified_assets=classified.count(),
        stewarded_assets=classified.filter(own | inherited).count(),
        overdue_reviews=AssetGovernance.objects.filter(
            next_review_due__lt=timezone.localdate()
        ).count(),
    )


@dataclass(frozen=True)
class Bar:
    """One day of the trend: its date, counts by risk, and where its stacked bars go."""

    day: date
    counts: dict[str, int]
    # SVG coordinates as text, so no locale setting can write them with a decimal comma.
    x: str
    width: str
    segments: list[tuple[str, str, str]]  # (risk level, y, height)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def words(self) -> str:
        parts = [f"{self.counts.get(level, 0)} {level}" for level in Risk.values]
        return f"{self.day:%Y-%m-%d}: {self.total} unresolved ({', '.join(parts)})"


@dataclass(frozen=True)
class Trend:
    """Unresolved findings at the end of each day with a scan, as stacked bars."""

    bars: list[Bar]
    days: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT

    @property
    def peak(self) -> int:
        return max((bar.total for bar in self.bars), default=0)


def _num(value: float) -> str:
    return f"{value:.2f}"


def trend(points: list[tuple[date, dict[str, int]]], *, days: int = TREND_DAYS) -> Trend:
    """Place each day's bar on a ``days``-wide axis ending today; days without a scan stay empty.

    Empty days are not filled in: no scan ran, so nothing is known about them.
    """
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    slot = CHART_WIDTH / days
    peak = max((sum(counts.values()) for _, counts in points), default=0) or 1
    bars = []
    for day, counts in points:
        if day < first:
            continue
        x = (day - first).days * slot
        y = float(CHART_HEIGHT)
        segments = []
        for level in reversed(Risk.values):  # LOW at the bottom, HIGH on top
            height = CHART_HEIGHT * counts.get(level, 0) / peak
            if height:
                y -= height
                segments.append((level, _num(y), _num(height)))
        bars.append(Bar(day, counts, _num(x), _num(max(slot - BAR_GAP, 1)), segments))
    return Trend(bars, days)


def exposure_highlight(dataset_keys: Sequence[str]) -> Highlighted:
    """The lineage explorer's "Highlight exposure": paths of unresolved exposures drawn there."""
    edges, findings = selectors.exposure_edges(dataset_keys=dataset_keys)
    description = (
        f"Value-carrying paths of {findings} unresolved exposure finding"
        f"{'s' if findings != 1 else ''} from sensitive sources run through these datasets."
        if findings
        else "No unresolved exposure finding has a path through these datasets."
    )
    return Highlighted(edges=sorted(edges), description=description)
