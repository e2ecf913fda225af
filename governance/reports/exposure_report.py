"""The exposure report: findings (filtered as the Exposure API takes them), each with its
path drawn, hops, readers and grants; then the classification inventory, steward
coverage, review status and ingestion coverage that give the findings their context.

Without ``as_of`` it reports the stored findings; with it, the exposures recomputed as
lineage stood at the end of that day (not stored, so without state).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from graph.ingestion.completeness import runs_completeness
from graph.models import IngestionRun, Source

from ..exposure.filters import FindingFilterSet
from ..models import AssetGovernance, Classification
from ..selectors import asset_governance_for_datasets, review_state_q, steward_gap_list
from .kinds import CsvRows, Params, Progress, ReportKind, ReportParametersError
from .pdf import ReportDocument, Section, Stat
from .svg import SvgEdge, SvgNode, lineage_svg, masking_words

RISKS = ("HIGH", "MEDIUM", "LOW")
FIELDS = (
    "id",
    "kind",
    "risk_level",
    "state",
    "source",
    "source_column",
    "target",
    "target_column",
    "classification",
    "tags",
    "masking",
    "reason",
    "hops",
    "paths",
    "readers",
    "grants",
    "first_detected",
    "last_detected",
)


def _short(key: str) -> str:
    return key.split("://", 1)[-1].split(".", 1)[-1].replace("#", ".")


class ExposureReport(ReportKind):
    """Findings and their evidence, for an auditor to file."""

    def clean(self, data: Mapping[str, Any]) -> Params:
        filterset = FindingFilterSet(data)
        if not filterset.is_valid():
            field, errors = next(iter(filterset.errors.items()))
            raise ReportParametersError(f"{field}: {' '.join(errors)}")
        params = {k: v for k, v in filterset.form.cleaned_data.items() if v}
        if as_of := (data.get("as_of") or "").strip():
            try:
                params["as_of"] = date.fromisoformat(as_of).isoformat()
            except ValueError:
                raise ReportParametersError("as_of: a date written YYYY-MM-DD") from None
        return params

    def rows(self, params: Params) -> list[dict[str, Any]]:
        """The findings as plain rows (stored, or recomputed as of a day)."""
        if params.get("as_of"):
            return _recomputed(params)
        filters = {k: v for k, v in params.items() if k != "as_of"}
        return [
            {f: getattr(finding, f) for f in FIELDS} for finding in FindingFilterSet(filters).qs
        ]

    def count(self, params: Params) -> int:
        if params.get("as_of"):
            return 0  # recomputed in the request: counted only by doing it
        filters = {k: v for k, v in params.items() if k != "as_of"}
        count: int = FindingFilterSet(filters).qs.count()
        return count

    def filename(self, params: Params, fmt: str) -> str:
        return f"exposure-report-{params.get('as_of') or timezone.localdate().isoformat()}.{fmt}"

    def csv(self, params: Params) -> CsvRows:
        header = [
            "finding",
            "kind",
            "risk",
            "state",
            "source",
            "source_column",
            "target",
            "target_column",
            "classification",
            "tags",
            "masking",
            "path",
            "hops",
            "transforms",
            "readers",
            "first_detected",
            "last_detected",
        ]
        return header, (
            _csv_row(row, path) for row in self.rows(params) for path in (row["paths"] or [None])
        )

    def document(self, params: Params, progress: Progress) -> ReportDocument:
        rows = self.rows(params)
        progress(len(rows), len(rows), f"{len(rows):,} findings read")
        by_risk = {risk: sum(1 for r in rows if r["risk_level"] == risk) for risk in RISKS}
        return ReportDocument(
            title="Exposure report",
            scope="Every path by which regulated data reaches a place less protected than its source, with the evidence, and the state of governance around it.",
            filters=[(k.replace("_", " "), str(v)) for k, v in params.items() if k != "as_of"],
            as_of=params.get("as_of", ""),
            summary=[
                Stat(
                    f"{risk} risk findings",
                    by_risk[risk],
                    "bad" if risk == "HIGH" and by_risk[risk] else "",
                )
                for risk in RISKS
            ]
            + [Stat("findings in all", len(rows))],
            sections=[
                Section(
                    "Findings",
                    "reports/pdf/_findings.html",
                    {"findings": [_evidence(r) for r in rows]},
                    "Gravest first. Each finding reads as a sentence, then its path is drawn, then its hops, readers and grants.",
                ),
                Section("Classification inventory", "reports/pdf/_inventory.html", _inventory()),
                Section(
                    "Steward coverage and review status", "reports/pdf/_coverage.html", _coverage()
                ),
                Section(
                    "Ingestion coverage",
                    "reports/pdf/_ingestion.html",
                    {"sources": _ingestion()},
                    "How much of each warehouse's history the lineage above stands on.",
                ),
            ],
            rows={"findings": len(rows)},
        )


def _recomputed(params: Params) -> list[dict[str, Any]]:
    from graph.store import get_store

    from ..exposure.drafts import exposure_drafts
    from ..exposure.engine import exposure_compute

    as_of = timezone.make_aware(datetime.combine(date.fromisoformat(params["as_of"]), time.max))
    store = get_store()
    computed = exposure_compute(store=store, as_of=as_of)
    rows = []
    for draft in exposure_drafts(computed.exposures, store, as_of=as_of):
        if params.get("risk_level") and draft.risk_level != params["risk_level"]:
            continue
        if params.get("kind") and draft.kind != params["kind"]:
            continue
        rows.append(
            {f: getattr(draft, f, "") for f in FIELDS}
            | {"id": "", "state": "as of " + params["as_of"]}
        )
    return sorted(rows, key=lambda r: (RISKS.index(r["risk_level"]), r["source"], r["target"]))


def _csv_row(row: dict[str, Any], path: dict[str, Any] | None) -> list[Any]:
    hops = (path or {}).get("hops", [])
    return [
        row["id"],
        row["kind"],
        row["risk_level"],
        row["state"],
        row["source"],
        row["source_column"],
        row["target"],
        row["target_column"],
        row["classification"],
        ";".join(row["tags"]),
        row["masking"],
        " → ".join((path or {}).get("datasets", [])),
        len(hops),
        "; ".join(masking_words(h.get("transform") or "unknown") for h in hops),
        len(row["readers"] or []),
        _iso(row["first_detected"]),
        _iso(row["last_detected"]),
    ]


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    """A finding with its sentence, its shortest path drawn, and its hops in words."""
    path = (row["paths"] or [{}])[0]
    datasets = path.get("datasets", [])
    governance = asset_governance_for_datasets(datasets) if datasets else {}
    nodes = [
        SvgNode(
            key=k,
            label=_short(k).split(".")[-1],
            sublabel=".".join(_short(k).split(".")[:-1]),
            classification=governance.get(k, {}).get("classification", ""),
            tags=tuple(governance.get(k, {}).get("tags", ())),
            highlight=i in (0, len(datasets) - 1),
        )
        for i, k in enumerate(datasets)
    ]
    hops = path.get("hops", [])
    edges = [
        SvgEdge(
            h["from"], h["to"], h.get("transform") or "unknown", h.get("transformation_type") or ""
        )
        for h in hops
    ]
    source, target = _short(row["source"]), _short(row["target"])
    what = ", ".join(
        p for p in (row["classification"], ", ".join(t.upper() for t in row["tags"])) if p
    )
    readers = len(row["readers"] or [])
    sentence = (
        (
            f"{source}{f' ({what})' if what else ''} reaches {target} "
            f"{'unmasked' if row['masking'] == 'unmasked' else 'with unknown masking'}"
            f"{f', in {len(hops)} hop' + ('s' if len(hops) != 1 else '') if hops else ''}"
            f"{f'; read by {readers} principal' + ('s' if readers != 1 else '') + ' in the last 90 days' if readers else ''}."
        )
        if datasets
        else row["reason"]
    )
    return {
        "row": row,
        "sentence": sentence,
        "svg": lineage_svg(nodes, edges, legend=False) if nodes else "",
        "hops": [
            {
                **h,
                "from_name": _short(h["from"]),
                "to_name": _short(h["to"]),
                "words": masking_words(h.get("transform") or "unknown"),
            }
            for h in hops
        ],
    }


def _inventory() -> dict[str, Any]:
    counts = dict(
        AssetGovernance.objects.values_list("classification")
        .annotate(n=Count("pk"))
        .values_list("classification", "n")
    )
    levels = [(level, counts.get(level, 0)) for level in reversed(Classification.values)]
    tags = (
        AssetGovernance.objects.filter(tags__isnull=False)
        .values_list("tags__slug")
        .annotate(n=Count("pk"))
        .order_by("tags__slug")
    )
    return {"levels": levels, "unclassified": counts.get(None, 0), "tags": list(tags)}


def _coverage() -> dict[str, Any]:
    classified = AssetGovernance.objects.exclude(
        Q(classification__isnull=True) | Q(classification=Classification.PUBLIC)
    )
    reviews = {
        state: AssetGovernance.objects.filter(review_state_q(state)).count()
        for state in ("overdue", "due_soon", "scheduled", "unscheduled")
    }
    return {
        "classified": classified.count(),
        "gaps": steward_gap_list().count(),
        "reviews": reviews,
    }


def _ingestion() -> list[dict[str, Any]]:
    rows = []
    for source in Source.objects.order_by("name"):
        runs = IngestionRun.objects.filter(source=source)
        span = runs.filter(status=IngestionRun.Status.SUCCEEDED).aggregate(
            start=Min("window_start"), end=Max("window_end")
        )
        rows.append(
            {
                "source": source,
                "span": span,
                "completeness": runs_completeness(runs=runs),
                "failed": runs.filter(status=IngestionRun.Status.FAILED).count(),
            }
        )
    return rows
