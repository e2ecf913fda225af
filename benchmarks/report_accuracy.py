"""The lineage-accuracy section of docs/benchmarks.md (figures from `benchmarks.accuracy`)."""

from __future__ import annotations

TOOLS = (("ours", "ours"), ("sqlglot.lineage", "sqlglot.lineage"), ("datahub", "DataHub"))
GOAL_TABLE_F1, GOAL_COLUMN_F1, GOAL_PRECISION = 0.97, 0.90, 0.97


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def render(acc: dict | None) -> str:
    """The section, or a line saying why it is missing."""
    text = "## Lineage accuracy on hand-written cases\n\n"
    if not acc:
        return text + "Not measured in this run.\n"
    tools = [(key, label) for key, label in TOOLS if key in acc]
    text += (
        f"{acc['cases']} statements and scripts across {acc['dialects']} dialects "
        "(`benchmarks/lineage_cases/`, one YAML file per dialect), written the way warehouse "
        "query histories hold them, each with its true input and output tables and column "
        "edges. Every case is also a test (`tests/graph/sql/test_cases.py`). Scores are "
        "micro-averaged: tables over (case, in/out, table), columns over (case, downstream "
        "table, column, upstream table, column), whatever the edge's kind. INDIRECT edges "
        "(CASE conditions, window keys, aggregate filters and orderings) count as edges; "
        "columns used only in WHERE, JOIN ON, GROUP BY, HAVING or ORDER BY are not lineage.\n\n"
    )
    rows = []
    for key, label in tools:
        overall = acc[key]["overall"]
        t, c = overall["table"], overall["column"]
        rows.append(
            [label]
            + [_f(t[k]) for k in ("precision", "recall", "f1")]
            + [_f(c[k]) for k in ("precision", "recall", "f1")]
            + [_f(overall["kinds"]) if key == "ours" else "–"]
        )
    text += _table(
        [
            "tool",
            "table P",
            "table R",
            "table F1",
            "column P",
            "column R",
            "column F1",
            "edge kinds right",
        ],
        rows,
    )
    text += (
        "\n*edge kinds right*: of the right column edges, the share whose transform, type, "
        "subtype and masking also match (the peers give no such labels).\n"
    )
    for group, title in (("by_kind", "statement kind"), ("by_dialect", "dialect")):
        text += f"\nF1 by {title} (tables / columns):\n\n" + _grouped(acc, tools, group, title)
    text += _misses(acc)
    if acc.get("datahub_error"):
        text += f"\nDataHub could not run: {acc['datahub_error']}\n"
    return text


def _grouped(acc: dict, tools: list, group: str, title: str) -> str:
    names = list(acc["ours"][group])
    rows = []
    for name in names:
        row = [name, acc["ours"][group][name]["cases"]]
        for key, _ in tools:
            score = acc[key][group].get(name)
            row.append(
                f"{_f(score['table']['f1'])} / {_f(score['column']['f1'])}" if score else "–"
            )
        rows.append(row)
    return _table([title, "cases", *(label for _, label in tools)], rows)


def _misses(acc: dict) -> str:
    misses = acc["ours"]["misses"]
    if not misses:
        return "\nOurs matches the truth on every case.\n"
    text = "\nWhere ours differs from the truth:\n\n"
    for miss in misses:
        parts = []
        if miss["tables"]:
            parts.append(f"tables {miss['tables']}")
        if miss["missing"]:
            parts.append(f"missing {[tuple(e) for e in miss['missing']]}")
        if miss["extra"]:
            parts.append(f"extra {[tuple(e) for e in miss['extra']]}")
        text += f"* `{miss['id']}`: " + "; ".join(parts) + "\n"
    return text


def goal_rows(acc: dict | None) -> list[list[str]]:
    """Rows for the Goals table: the accuracy targets, measured on our cases."""
    if not acc or "ours" not in acc:
        return []
    overall = acc["ours"]["overall"]
    table_f1, column_f1 = overall["table"]["f1"], overall["column"]["f1"]
    precision = min(overall["table"]["precision"], overall["column"]["precision"])
    return [
        ["table F1 ≥ 0.97 (our cases)", _f(table_f1), _met(table_f1 >= GOAL_TABLE_F1)],
        ["column F1 ≥ 0.90 (our cases)", _f(column_f1), _met(column_f1 >= GOAL_COLUMN_F1)],
        ["precision ≥ 0.97, tables and columns", _f(precision), _met(precision >= GOAL_PRECISION)],
    ]


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"
