"""Reads of findings and scans, for pages, the API and reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from ..models import ExposureScan, Finding, Risk

RISK_ORDER = Case(
    *(When(risk_level=level, then=Value(rank)) for rank, level in enumerate(Risk.values)),
    default=Value(len(Risk.values)),
    output_field=IntegerField(),
)
STATE_ORDER = Case(
    When(state=Finding.State.OPEN, then=Value(0)),
    When(state=Finding.State.ACKNOWLEDGED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
EXPOSURE_KINDS = (Finding.Kind.UNMASKED_PII_PATH, Finding.Kind.UNMASKED_REGULATED_PATH)


def finding_list(
    *,
    kind: str | None = None,
    risk_level: str | None = None,
    state: str | None = None,
    source: str | None = None,
    target: str | None = None,
    steward: str | None = None,
    tag: str | None = None,
) -> QuerySet[Finding]:
    """Findings, unresolved and gravest first; ``source``/``target`` match keys or names."""
    rows = Finding.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    if risk_level:
        rows = rows.filter(risk_level=risk_level.upper())
    if state:
        rows = rows.filter(state=state)
    if source:
        rows = rows.filter(_matches("source", source))
    if target:
        rows = rows.filter(_matches("target", target))
    if steward:
        rows = rows.filter(steward__iexact=steward.strip())
    if tag:
        rows = rows.filter(tag_list__contains=f",{tag.strip().lower()},")
    return rows.order_by(STATE_ORDER, RISK_ORDER, "-last_detected", "id")


def _matches(field: str, text: str) -> Q:
    """A key, or any part of a name (``marketing_export``, ``raw.customers.email``)."""
    text = text.strip().lower()
    as_column = text.rsplit(".", 1)
    q = Q(**{f"{field}__icontains": text}) | Q(**{f"{field}_dataset__icontains": text})
    if len(as_column) == 2:
        q |= Q(**{f"{field}__iendswith": f"{as_column[0]}#{as_column[1]}"})
    return q


def finding_get(*, pk: int) -> Finding:
    return Finding.objects.select_related("acknowledged_by").get(pk=pk)


def findings_for_asset(*, dataset_key: str) -> QuerySet[Finding]:
    """Findings where the dataset (or one of its columns) is the source or the exposed asset."""
    return finding_list().filter(Q(source_dataset=dataset_key) | Q(target_dataset=dataset_key))


@dataclass(frozen=True)
class RiskCount:
    """Unresolved findings of one risk level, split by state."""

    risk_level: str
    open: int
    acknowledged: int

    @property
    def unresolved(self) -> int:
        return self.open + self.acknowledged


def risk_counts(rows: QuerySet[Finding] | None = None) -> list[RiskCount]:
    """HIGH, MEDIUM, LOW: open and acknowledged counts."""
    rows = Finding.objects.all() if rows is None else rows
    counted = rows.values("risk_level").annotate(
        open=Count("id", filter=Q(state=Finding.State.OPEN)),
        acknowledged=Count("id", filter=Q(state=Finding.State.ACKNOWLEDGED)),
    )
    by_level = {row["risk_level"]: row for row in counted}
    return [
        RiskCount(
            level,
            by_level.get(level, {}).get("open", 0),
            by_level.get(level, {}).get("acknowledged", 0),
        )
        for level in Risk.values
    ]


def open_trend(*, days: int = 90) -> list[tuple[date, dict[str, int]]]:
    """Unresolved findings by risk at the end of each day with a scan, over ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    scans = ExposureScan.objects.filter(
        status=ExposureScan.Status.SUCCEEDED, finished_at__gte=since
    ).order_by("finished_at")
    by_day: dict[date, dict[str, int]] = {}
    for scan in scans:
        by_day[timezone.localdate(scan.finished_at)] = scan.open_by_risk
    return sorted(by_day.items())


def last_scan() -> ExposureScan | None:
    return ExposureScan.objects.exclude(status=ExposureScan.Status.QUEUED).first()
