"""Figures computed from the runners' per-statement results: ratios, agreement, accuracy.

* **Same-statement ratios**: a tool that ran out of its time budget parsed only part of
  the workload; the other tool's rate is then taken over the same statements (the
  runners record each statement's seconds), so every ratio compares the same statements.
* **Agreement with DataHub**: per statement, the sets of input and output tables
  (lower-case ``db.schema.table``) are equal or not; column edges
  ``(down table, down column, up table, up column)`` are compared as sets (Jaccard).
* **Accuracy against the generator**: the generator knows which table each statement
  writes and which it reads. Inputs are compared without the written table itself:
  whether ``UPDATE t … WHERE t.id = s.id`` *reads* t is a matter of convention (DataHub
  lists it, we list it only when t's own columns feed the values written), not of
  correctness.
"""

from __future__ import annotations

import json
from pathlib import Path


def load(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def same_statement_ratio(ours: list[dict], peer: list[dict]) -> dict | None:
    """Rates of both tools over the statements both parsed, and ours ÷ theirs."""
    ours_by_id = {r["id"]: r["d"] for r in ours}
    common = [r for r in peer if r["id"] in ours_by_id]
    ours_s = sum(ours_by_id[r["id"]] for r in common)
    peer_s = sum(r["d"] for r in common)
    if not common or ours_s <= 0 or peer_s <= 0:
        return None
    n = len(common)
    return {"statements": n, "ours": n / ours_s, "peer": n / peer_s, "ratio": peer_s / ours_s}


def hit_rate(results: list[dict], n: int | None = None) -> float | None:
    rows = results[:n] if n else results
    flags = [r["hit"] for r in rows if "hit" in r]
    return sum(flags) / len(flags) if flags else None


def success(results: list[dict]) -> dict:
    n = len(results) or 1
    return {
        "statements": len(results),
        "out_table": sum(bool(r["out"]) for r in results) / n,
        "column_lineage": sum(bool(r["columns"]) for r in results) / n,
        "errors": sum(bool(r["error"]) for r in results) / n,
    }


def agreement(ours: list[dict], peer: list[dict], corpus: list[dict], examples: int = 5) -> dict:
    """How often our tables and column edges match the peer's, with a few differences.

    Statements are paired by id: a peer stopped by its time budget has fewer results.
    """
    peer_by_id = {r["id"]: r for r in peer}
    ours_by_id = {r["id"]: r for r in ours}
    pairs = [
        (ours_by_id[s["id"]], peer_by_id[s["id"]], s)
        for s in corpus
        if s["id"] in peer_by_id and s["id"] in ours_by_id
    ]
    n = len(pairs) or 1
    same_in = same_out = same_in_excl = same_cols = 0
    jaccard, differing = 0.0, []
    for a, b, stmt in pairs:
        same_out += a["out"] == b["out"]
        same_in += a["in"] == b["in"]
        same_in_excl += _inputs(a) == _inputs(b)
        cols_a, cols_b = {tuple(c) for c in a["columns"]}, {tuple(c) for c in b["columns"]}
        same_cols += cols_a == cols_b
        jaccard += len(cols_a & cols_b) / len(cols_a | cols_b) if cols_a | cols_b else 1.0
        if (a["out"] != b["out"] or _inputs(a) != _inputs(b)) and len(differing) < examples:
            differing.append(_difference(a, b, stmt))
    column_examples, kinds_shown = [], set()
    by_kind: dict[str, list] = {}
    for a, b, stmt in pairs:
        cols_a, cols_b = {tuple(c) for c in a["columns"]}, {tuple(c) for c in b["columns"]}
        union = cols_a | cols_b
        by_kind.setdefault(stmt["kind"], []).append(
            (cols_a == cols_b, len(cols_a & cols_b) / len(union) if union else 1.0)
        )
        if cols_a != cols_b and stmt["kind"] not in kinds_shown and len(column_examples) < examples:
            kinds_shown.add(stmt["kind"])  # one per kind: different causes, not the same one
            column_examples.append(_column_difference(a, b, stmt))
    return {
        "statements": len(pairs),
        "out_tables": same_out / n,
        "in_tables": same_in / n,
        "in_tables_excluding_target": same_in_excl / n,
        "both_excluding_target": sum(
            a["out"] == b["out"] and _inputs(a) == _inputs(b) for a, b, _ in pairs
        )
        / n,
        "column_edges_identical": same_cols / n,
        "column_edges_jaccard": jaccard / n,
        "columns_by_kind": {
            kind: {
                "statements": len(v),
                "identical": sum(same for same, _ in v) / len(v),
                "jaccard": sum(j for _, j in v) / len(v),
            }
            for kind, v in sorted(by_kind.items())
        },
        "table_examples": differing,
        "column_examples": column_examples,
    }


def accuracy(results: list[dict], corpus: list[dict]) -> dict:
    """Share of statements whose tables match what the generator wrote and read."""
    by_id = {s["id"]: s for s in corpus}
    pairs = [(r, by_id[r["id"]]) for r in results if r["id"] in by_id]
    n = len(pairs) or 1
    right_out = sum(r["out"] == [s["target"]] for r, s in pairs)
    right_in = sum(_inputs(r) == sorted(set(s["sources"]) - {s["target"]}) for r, s in pairs)
    both = sum(
        r["out"] == [s["target"]] and _inputs(r) == sorted(set(s["sources"]) - {s["target"]})
        for r, s in pairs
    )
    return {"statements": len(pairs), "out": right_out / n, "in": right_in / n, "both": both / n}


def _inputs(result: dict) -> list[str]:
    return sorted(set(result["in"]) - set(result["out"]))


def _difference(a: dict, b: dict, stmt: dict) -> dict:
    return {
        "id": stmt["id"],
        "kind": stmt["kind"],
        "sql": stmt["sql"],
        "ours": {"in": _inputs(a), "out": a["out"], "error": a["error"]},
        "datahub": {"in": _inputs(b), "out": b["out"], "error": b["error"]},
        "truth": {"in": sorted(set(stmt["sources"]) - {stmt["target"]}), "out": [stmt["target"]]},
    }


def _column_difference(a: dict, b: dict, stmt: dict) -> dict:
    cols_a, cols_b = {tuple(c) for c in a["columns"]}, {tuple(c) for c in b["columns"]}
    return {
        "id": stmt["id"],
        "kind": stmt["kind"],
        "sql": stmt["sql"],
        "only_ours": sorted(cols_a - cols_b)[:6],
        "only_datahub": sorted(cols_b - cols_a)[:6],
        "counts": (len(cols_a - cols_b), len(cols_b - cols_a), len(cols_a & cols_b)),
    }
