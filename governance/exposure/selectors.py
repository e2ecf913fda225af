"""Reads of findings and scans, for pages, the API and reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from graph.keys import column_key

from ..models import ExposureScan, Finding, Risk, classification_rank

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


def scan_latest() -> ExposureScan | None:
    """The most recent scan asked for, whether it waits, runs or has finished."""
    return ExposureScan.objects.first()


# --- groups: dozens of findings kept readable ---------------------------------------------


@dataclass
class FindingGroup:
    """Findings of one kind and risk from one source dataset into one exposed dataset.

    ``raw.orders`` reaching ``analytics.fct_orders`` in six columns is one group of six.
    """

    risk_level: str
    kind: str
    source_dataset: str
    target_dataset: str
    pks: list[int] = field(default_factory=list)
    open: int = 0
    source_rank: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.pks)

    @property
    def exposure(self) -> bool:
        return self.kind in EXPOSURE_KINDS


def finding_groups(rows: QuerySet[Finding]) -> list[FindingGroup]:
    """``rows`` gathered into groups, gravest first.

    Gravest: HIGH before MEDIUM before LOW; then groups with open findings before those
    wholly acknowledged or resolved, exposures before governance gaps, the most
    sensitive source first, the widest group first, and names for a stable order.
    """
    groups: dict[tuple[str, ...], FindingGroup] = {}
    fields = ("pk", "risk_level", "kind", "state", "source", "source_dataset", "target")
    for (
        pk,
        risk,
        kind,
        state,
        source,
        source_dataset,
        target,
        target_dataset,
        level,
    ) in rows.values_list(*fields, "target_dataset", "classification"):
        key = (risk, kind, source_dataset or source, target_dataset or target)
        group = groups.get(key)
        if group is None:
            group = groups[key] = FindingGroup(risk, kind, key[2], key[3])
        group.pks.append(pk)
        group.open += state == Finding.State.OPEN
        group.source_rank = max(group.source_rank, classification_rank(level or None))
    return sorted(groups.values(), key=_gravest)


def _gravest(group: FindingGroup) -> tuple:
    risk = Risk.values.index(group.risk_level) if group.risk_level in Risk.values else 9
    return (
        risk,
        group.open == 0,
        not group.exposure,
        -group.source_rank,
        -group.size,
        group.source_dataset,
        group.target_dataset,
    )


def finding_groups_load(groups: list[FindingGroup]) -> list[FindingGroup]:
    """Fill each group's ``findings`` (in one query), in the order ``finding_list`` gives."""
    wanted = [pk for group in groups for pk in group.pks]
    rows = {f.pk: f for f in Finding.objects.filter(pk__in=wanted).order_by(STATE_ORDER, "id")}
    for group in groups:
        group.findings = sorted(
            (rows[pk] for pk in group.pks if pk in rows),
            key=lambda f: (f.state != Finding.State.OPEN, f.target),
        )
    return groups


# --- what other pages show of findings ------------------------------------------------------

UNRESOLVED = (Finding.State.OPEN, Finding.State.ACKNOWLEDGED)


def unresolved_exposures() -> QuerySet[Finding]:
    """Open and acknowledged findings of values that leave their protection."""
    return finding_list().filter(kind__in=EXPOSURE_KINDS, state__in=UNRESOLVED)


def hop_edge_ids(hop: dict) -> list[str]:
    """The lineage explorer's ids of the edges a hop runs along: its table edge, its column edge."""
    ids = [f"{hop['from']}->{hop['to']}"]
    if hop.get("level") == "column" and hop.get("from_column") and hop.get("to_column"):
        upstream = column_key(hop["from"], hop["from_column"])
        ids.append(f"{upstream}->{column_key(hop['to'], hop['to_column'])}")
    return ids


def exposure_edges(*, dataset_keys: Sequence[str]) -> tuple[set[str], int]:
    """Edges along the paths of unresolved exposures that pass through any of these datasets.

    Returns the edge ids and how many findings they belong to. Paths are stored as JSON,
    which not every database can search, so they are read in chunks and matched here.
    """
    wanted = set(dataset_keys)
    edges: set[str] = set()
    findings = 0
    for paths in unresolved_exposures().values_list("paths", flat=True).iterator(chunk_size=500):
        through = [p for p in paths if wanted.intersection(p.get("datasets", ()))]
        findings += bool(through)
        for path in through:
            for hop in path.get("hops", ()):
                edges.update(hop_edge_ids(hop))
    return edges, findings


def leaks_from(*, dataset_key: str) -> dict[str, list[Finding]]:
    """Column key → unresolved exposures whose source is that column of the dataset."""
    found: dict[str, list[Finding]] = {}
    for finding in unresolved_exposures().filter(source_dataset=dataset_key):
        found.setdefault(finding.source, []).append(finding)
    return found


def leaks_into(*, dataset_key: str) -> dict[str, list[Finding]]:
    """Column key → unresolved exposures whose exposed asset is that column of the dataset."""
    found: dict[str, list[Finding]] = {}
    for finding in unresolved_exposures().filter(target_dataset=dataset_key):
        found.setdefault(finding.target, []).append(finding)
    return found
