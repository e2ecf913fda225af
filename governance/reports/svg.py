"""Lineage drawn as SVG on the server: a path or a small graph, left to right, with a legend.

No browser is involved, so PDFs (and e-mails, pages) can embed the drawing. The input is
plain: nodes with a label and a classification, edges with what happened to the value on
the way (``masking``). Colours follow the portal's classification language, always with
the word beside them; masked edges are drawn dashed and green with the word "masked",
unmasked ones solid and dark, unknown ones dotted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

CLASSIFICATION_COLOURS = {
    "restricted": ("#9b1c1c", "#fbe9e9"),
    "confidential": ("#c2570c", "#fff1e6"),
    "internal": ("#1d5fbf", "#e8f0fc"),
    "public": ("#6b7280", "#f1f2f4"),
}
UNCLASSIFIED = ("#7b8794", "none")
MASKED = frozenset({"hashed", "redacted", "aggregated", "masked"})
MASKING_WORDS = {
    "identity": "copied unmasked",
    "transformed": "transformed, value carried",
    "hashed": "hashed",
    "redacted": "redacted",
    "aggregated": "aggregated",
    "masked": "masked by policy",
    "unknown": "unknown (table-level lineage only)",
}
EDGE_STYLES = {
    "unmasked": {"stroke": "#1f2933", "dash": "", "width": 2.2},
    "masked": {"stroke": "#1e7b4a", "dash": "7 4", "width": 2},
    "unknown": {"stroke": "#7b8794", "dash": "2 3", "width": 1.6},
}

NODE_W, NODE_H, COL_GAP, ROW_GAP, PAD = 180, 54, 104, 22, 16


@dataclass(frozen=True)
class SvgNode:
    """A box: ``label`` (bold), ``sublabel`` (e.g. the schema), and its classification."""

    key: str
    label: str
    sublabel: str = ""
    classification: str = ""
    tags: tuple[str, ...] = ()
    highlight: bool = False


@dataclass(frozen=True)
class SvgEdge:
    """An arrow upstream → downstream; ``masking`` is identity, hashed, redacted, unknown …"""

    source: str
    target: str
    masking: str = "unknown"
    label: str = ""
    failed: bool = False


@dataclass
class _Layout:
    columns: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    width: int = 0
    height: int = 0


def edge_style(masking: str) -> str:
    """``masked``, ``unmasked`` or ``unknown``: how an edge is drawn."""
    masking = (masking or "unknown").lower()
    if masking in MASKED:
        return "masked"
    return "unknown" if masking == "unknown" else "unmasked"


def masking_words(masking: str) -> str:
    """What happened to the value, in words a reader understands (never a bare 'identity')."""
    return MASKING_WORDS.get((masking or "unknown").lower(), masking)


def lineage_svg(
    nodes: Sequence[SvgNode], edges: Sequence[SvgEdge], *, title: str = "", legend: bool = True
) -> str:
    """The graph as a standalone ``<svg>`` element: upstream on the left, downstream right."""
    known = {node.key for node in nodes}
    edges = [e for e in edges if e.source in known and e.target in known and e.source != e.target]
    layout = _layout(nodes, edges)
    parts = [_defs()]
    top = PAD + (22 if title else 0)
    if title:
        parts.append(f'<text x="{PAD}" y="{PAD + 12}" class="t">{escape(title)}</text>')
    position = {
        n.key: (
            PAD + layout.columns[n.key] * (NODE_W + COL_GAP),
            top + layout.rows[n.key] * (NODE_H + ROW_GAP),
        )
        for n in nodes
    }
    parts += [_edge(edge, position) for edge in edges]
    parts += [_node(node, *position[node.key]) for node in nodes]
    height = top + layout.height
    if legend:
        parts.append(_legend(PAD, height + 10))
        height += 10 + 74
    width = max(PAD * 2 + layout.width, 640 if legend else 0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + PAD}" '
        f'width="{width}" height="{height + PAD}" font-family="DejaVu Sans, sans-serif" '
        f'role="img" aria-label="{escape(title or "Lineage")}">' + "".join(parts) + "</svg>"
    )


def _layout(nodes: Sequence[SvgNode], edges: Sequence[SvgEdge]) -> _Layout:
    """Columns by longest path from a source (cycles broken), rows in order of appearance."""
    ups: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        ups[edge.target].append(edge.source)
    column: dict[str, int] = {}

    def depth(key: str, visiting: frozenset[str]) -> int:
        if key in column:
            return column[key]
        parents = [p for p in ups[key] if p not in visiting]
        column[key] = 1 + max((depth(p, visiting | {key}) for p in parents), default=-1)
        return column[key]

    for node in nodes:
        depth(node.key, frozenset())
    layout = _Layout(columns=column)
    per_column: dict[int, int] = defaultdict(int)
    for node in nodes:
        layout.rows[node.key] = per_column[column[node.key]]
        per_column[column[node.key]] += 1
    columns = max(column.values(), default=0) + 1
    rows = max(per_column.values(), default=1)
    layout.width = columns * NODE_W + (columns - 1) * COL_GAP
    layout.height = rows * NODE_H + (rows - 1) * ROW_GAP
    return layout


def _defs() -> str:
    markers = "".join(
        f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{style["stroke"]}"/></marker>'
        for name, style in EDGE_STYLES.items()
    )
    css = (
        "<style>.t{font-size:13px;font-weight:bold;fill:#1f2933}"
        ".l{font-size:11.5px;font-weight:bold;fill:#1f2933}.s{font-size:9.5px;fill:#52606d}"
        ".e{font-size:9px;fill:#1e7b4a}.lg{font-size:10px;fill:#1f2933}</style>"
    )
    return f"<defs>{markers}</defs>{css}"


def _node(node: SvgNode, x: int, y: int) -> str:
    level = (node.classification or "").lower()
    stroke, fill = CLASSIFICATION_COLOURS.get(level, UNCLASSIFIED)
    dash = ' stroke-dasharray="5 3"' if level not in CLASSIFICATION_COLOURS else ""
    width = 3.5 if node.highlight else 2.5
    word = level if level in CLASSIFICATION_COLOURS else "unclassified"
    tags = f" · {', '.join(t.upper() for t in node.tags)}" if node.tags else ""
    second = _clip(f"{word}{tags}", 32)
    third = _clip(node.sublabel, 32)
    return (
        f'<g><rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{width}"{dash}/>'
        f'<text x="{x + 9}" y="{y + 17}" class="l">{escape(_clip(node.label, 26))}</text>'
        f'<text x="{x + 9}" y="{y + 31}" class="s" fill="{stroke}">{escape(second)}</text>'
        f'<text x="{x + 9}" y="{y + 45}" class="s">{escape(third)}</text></g>'
    )


def _edge(edge: SvgEdge, position: dict[str, tuple[int, int]]) -> str:
    (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
    start: tuple[float, float] = (x1 + NODE_W, y1 + NODE_H / 2)
    end: tuple[float, float] = (x2, y2 + NODE_H / 2)
    if x2 <= x1:  # a back edge (a cycle): leave from below and come round
        start, end = (x1 + NODE_W / 2, y1 + NODE_H), (x2 + NODE_W / 2, y2 + NODE_H)
    kind = edge_style(edge.masking)
    style = EDGE_STYLES[kind]
    bend = max(abs(end[0] - start[0]) / 2, 40)
    path = (
        f"M{start[0]:.1f},{start[1]:.1f} C{start[0] + bend:.1f},{start[1]:.1f} "
        f"{end[0] - bend:.1f},{end[1]:.1f} {end[0]:.1f},{end[1]:.1f}"
    )
    dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
    out = (
        f'<path d="{path}" fill="none" stroke="{style["stroke"]}" stroke-width="{style["width"]}"'
        f'{dash} marker-end="url(#arrow-{kind})"/>'
    )
    if kind == "masked":
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 5)
        out += f'<text x="{mid[0]:.1f}" y="{mid[1]:.1f}" class="e" text-anchor="middle">masked: {escape(edge.masking)}</text>'
    return out


def _legend(x: int, y: int) -> str:
    items = []
    for index, (word, (stroke, fill)) in enumerate(
        [*CLASSIFICATION_COLOURS.items(), ("unclassified", UNCLASSIFIED)]
    ):
        cx = x + index * 118
        dash = ' stroke-dasharray="4 2"' if word == "unclassified" else ""
        items.append(
            f'<rect x="{cx}" y="{y + 14}" width="16" height="12" rx="2" fill="{fill}" '
            f'stroke="{stroke}" stroke-width="2"{dash}/>'
            f'<text x="{cx + 22}" y="{y + 24}" class="lg">{word}</text>'
        )
    for index, (kind, words) in enumerate(
        [
            ("unmasked", "copied unmasked"),
            ("masked", "masked (hashed, redacted, aggregated)"),
            ("unknown", "unknown masking"),
        ]
    ):
        style = EDGE_STYLES[kind]
        cx = x + [0, 150, 430][index]
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        items.append(
            f'<line x1="{cx}" y1="{y + 50}" x2="{cx + 34}" y2="{y + 50}" stroke="{style["stroke"]}" '
            f'stroke-width="{style["width"]}"{dash} marker-end="url(#arrow-{kind})"/>'
            f'<text x="{cx + 42}" y="{y + 54}" class="lg">{words}</text>'
        )
    head = f'<text x="{x}" y="{y + 6}" class="lg" font-weight="bold">Legend — border: classification; line: what happened to the value</text>'
    return f"<g>{head}{''.join(items)}</g>"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_elements(
    elements: Sequence[dict[str, Any]], *, center: str = ""
) -> tuple[list[SvgNode], list[SvgEdge]]:
    """Nodes and edges from the lineage page's cytoscape elements (dataset level)."""
    nodes, edges = [], []
    for element in elements:
        data = element["data"]
        if element["group"] == "nodes" and data.get("type") == "dataset":
            nodes.append(
                SvgNode(
                    key=data["id"],
                    label=data.get("label") or data["id"],
                    sublabel=".".join(p for p in (data.get("database"), data.get("schema")) if p),
                    classification=data.get("classification") or "",
                    tags=tuple(data.get("tags") or ()),
                    highlight=data["id"] == center,
                )
            )
        elif element["group"] == "edges" and data.get("level") == "dataset":
            edges.append(
                SvgEdge(
                    source=data["source"],
                    target=data["target"],
                    masking=data.get("masking") or "unknown",
                    label=data.get("transformation_type") or "",
                    failed=data.get("execution_status") in {"FAILED", "FAIL"},
                )
            )
    return nodes, edges
