"""A dataset's lineage as a PDF: the graph drawn with its legend, then its datasets and edges."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from graph.presenters import lineage_elements
from graph.selectors import (
    LINEAGE_MAX_DEPTH,
    Lineage,
    LineageNotFound,
    dataset_get_by_key,
    lineage_get,
)

from .kinds import Params, Progress, ReportKind, ReportParametersError
from .pdf import ReportDocument, Section, Stat
from .svg import edge_style, from_elements, lineage_svg, masking_words

DIRECTIONS = ("both", "upstream", "downstream")
MAX_NODES = 60  # beyond this a page-wide drawing is unreadable; the tables still list all


class LineageReport(ReportKind):
    """The neighbourhood of one dataset, at table level, as of a date."""

    def clean(self, data: Mapping[str, Any]) -> Params:
        key = (data.get("dataset") or "").strip().lower()
        if not key:
            raise ReportParametersError("dataset: name the dataset whose lineage to report")
        try:
            depth = int(data.get("depth") or 2)
        except ValueError:
            raise ReportParametersError("depth: must be a whole number") from None
        if not 1 <= depth <= LINEAGE_MAX_DEPTH:
            raise ReportParametersError(f"depth: must be from 1 to {LINEAGE_MAX_DEPTH}")
        direction = data.get("direction") or "both"
        if direction not in DIRECTIONS:
            raise ReportParametersError("direction: must be upstream, downstream or both")
        params = {"dataset": key, "depth": depth, "direction": direction}
        if as_of := (data.get("as_of") or "").strip():
            try:
                params["as_of"] = date.fromisoformat(as_of).isoformat()
            except ValueError:
                raise ReportParametersError("as_of: a date written YYYY-MM-DD") from None
        return params

    def _lineage(self, params: Params) -> Lineage:
        as_of = date.fromisoformat(params["as_of"]) if params.get("as_of") else None
        try:
            return lineage_get(
                key=params["dataset"],
                depth=params["depth"],
                direction=params["direction"],
                as_of=as_of,
            )
        except LineageNotFound:
            raise ReportParametersError(
                f"dataset: no dataset {params['dataset']!r} in the catalog"
            ) from None

    def count(self, params: Params) -> int:
        return len(self._lineage(params).subgraph.nodes)

    def filename(self, params: Params, fmt: str) -> str:
        name = params["dataset"].split("://", 1)[-1].replace("/", "_")
        return f"lineage-{name}-{timezone.now():%Y-%m-%d}.{fmt}"

    def document(self, params: Params, progress: Progress) -> ReportDocument:
        lineage = self._lineage(params)
        nodes, edges = from_elements(lineage_elements(lineage), center=lineage.center)
        dataset = dataset_get_by_key(key=lineage.center)
        title = dataset.qualified_name if dataset else lineage.center
        by_key = {n.key: n for n in nodes}
        drawn = nodes[:MAX_NODES]
        svg = lineage_svg(drawn, edges, title=f"Lineage of {title}")
        unmasked = [e for e in edges if edge_style(e.masking) == "unmasked"]
        edge_rows = [
            {
                "edge": e,
                "source": by_key[e.source],
                "target": by_key[e.target],
                "words": masking_words(e.masking),
                "style": edge_style(e.masking),
            }
            for e in edges
            if e.source in by_key and e.target in by_key
        ]
        progress(1, 1, "lineage drawn")
        return ReportDocument(
            title=f"Lineage of {title}",
            scope=f"Datasets within {params['depth']} hop{'s' if params['depth'] != 1 else ''} of {title}, {params['direction']}, at table level.",
            filters=[
                ("dataset", lineage.center),
                ("depth", str(params["depth"])),
                ("direction", params["direction"]),
            ],
            as_of=params.get("as_of", ""),
            summary=[
                Stat("datasets", len(nodes)),
                Stat("edges", len(edges)),
                Stat("edges carrying values unmasked", len(unmasked), "warn" if unmasked else "ok"),
            ],
            sections=[
                Section(
                    "Lineage graph",
                    "reports/pdf/_figure.html",
                    {
                        "svg": svg,
                        "truncated": lineage.truncated or len(nodes) > MAX_NODES,
                        "drawn": len(drawn),
                        "total": len(nodes),
                    },
                ),
                Section("Datasets", "reports/pdf/_nodes.html", {"nodes": nodes}),
                Section(
                    "Edges",
                    "reports/pdf/_edges.html",
                    {"edges": edge_rows},
                    "Upstream → downstream; what happened to the values on the way, in words.",
                ),
            ],
            rows={"datasets": len(nodes), "edges": len(edges)},
        )
