"""Precision, recall and F1 of table and column lineage on the hand-written cases.

``python -m benchmarks.accuracy`` prints the tables; ``benchmarks.run`` puts them in
docs/benchmarks.md. Three tools on the same cases (`benchmarks.cases`):

* **ours**: `graph.sql.parse_statement` with the case's dialect, defaults and schema;
* **sqlglot.lineage**: sqlglot's own helper, driven as its documentation shows
  (`benchmarks.cases_sqlglot`), on the sqlglot this project pins;
* **DataHub**: acryl-datahub's `sqlglot_lineage` in .venv-bench
  (`benchmarks.cases_datahub`), its platform set to the case's dialect.

Scoring is micro-averaged: table lineage counts (case, in|out, table) triples, column
lineage counts (case, downstream table, column, upstream table, column) edges, whatever
their kind. For ours, the share of right edges whose transform, type, subtype and masking
also match the truth is reported too.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.cases import Case, load_cases

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("ours", "sqlglot.lineage", "datahub")


def ours(cases: list[Case]) -> dict[str, dict]:
    """Our results, normalized: {case id: {in, out, edges: {edge: kind name}, error}}."""
    from graph.sql import parse_statement
    from graph.sql.vocabulary import DESCRIPTIONS, KIND_NAMES

    names = {description: KIND_NAMES[i] for i, description in enumerate(DESCRIPTIONS)}
    results = {}
    for case in cases:
        result = parse_statement(
            case.sql,
            dialect=case.dialect,
            default_db=case.default_db,
            default_schema=case.default_schema,
            schema=case.schema,
        )
        results[case.id] = {
            "in": sorted(result.in_tables),
            "out": sorted(result.out_tables),
            "edges": {
                (c.table, c.column, u.table, u.column): names[
                    (u.transform, u.type, u.subtype, u.masking)
                ]
                for c in result.column_lineage
                for u in c.upstreams
            },
            "error": result.error,
            "warnings": list(result.warnings),
        }
    return results


def sqlglot_lineage(cases: list[Case]) -> dict[str, dict]:
    """sqlglot.lineage's results, normalized like ours (no kinds)."""
    from benchmarks.cases_sqlglot import parse_case

    return {case.id: parse_case(case) for case in cases}


def datahub(cases: list[Case], python: str | None) -> dict[str, dict] | None:
    """DataHub's results from its own virtualenv; None when it is not there."""
    if not python:
        return None
    lines = "".join(json.dumps(case.as_input()) + "\n" for case in cases)
    proc = subprocess.run(
        [python, "-m", "benchmarks.cases_datahub"],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmarks.cases_datahub failed: {proc.stderr[-800:]}")
    results = {}
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        row["edges"] = {tuple(edge): None for edge in row["edges"]}
        results[row["id"]] = row
    return results


def score(cases: list[Case], results: dict[str, dict], group=None) -> dict:
    """P/R/F1 of tables and columns, overall or per `group(case)` value."""
    groups: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        groups[group(case) if group else "all"].append(case)
    return {name: _score(members, results) for name, members in sorted(groups.items())}


def _score(cases: list[Case], results: dict[str, dict]) -> dict:
    table = [0, 0, 0]  # true positives, false positives, false negatives
    column = [0, 0, 0]
    labels = [0, 0]  # right kinds, right edges with a kind to compare
    for case in cases:
        got = results.get(case.id) or {"in": [], "out": [], "edges": {}}
        truth_tables = {("in", t) for t in case.in_tables} | {("out", t) for t in case.out_tables}
        got_tables = {("in", t) for t in got["in"]} | {("out", t) for t in got["out"]}
        _count(table, got_tables, truth_tables)
        _count(column, set(got["edges"]), set(case.edges))
        for edge, kind in got["edges"].items():
            if edge in case.edges and kind is not None:
                labels[1] += 1
                labels[0] += kind == case.edges[edge]
    return {
        "cases": len(cases),
        "table": _prf(table),
        "column": _prf(column),
        "kinds": labels[0] / labels[1] if labels[1] else None,
    }


def _count(counts: list[int], got: set, truth: set) -> None:
    counts[0] += len(got & truth)
    counts[1] += len(got - truth)
    counts[2] += len(truth - got)


def _prf(counts: list[int]) -> dict:
    tp, fp, fn = counts
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def misses(cases: list[Case], results: dict[str, dict]) -> list[dict]:
    """Per case where a tool differs from the truth: what it missed and added."""
    found = []
    for case in cases:
        got = results.get(case.id) or {"in": [], "out": [], "edges": {}, "error": "no result"}
        tables = (set(got["in"]) ^ case.in_tables) | (set(got["out"]) ^ case.out_tables)
        missing = sorted(set(case.edges) - set(got["edges"]), key=str)
        extra = sorted(set(got["edges"]) - set(case.edges), key=str)
        if tables or missing or extra:
            found.append(
                {
                    "id": case.id,
                    "tables": sorted(tables),
                    "missing": missing,
                    "extra": extra,
                    "error": got.get("error"),
                }
            )
    return found


def evaluate(peer_python: str | None) -> dict:
    """Every tool on every case: scores overall, by statement kind and by dialect."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    cases = load_cases()
    runs = {"ours": ours(cases), "sqlglot.lineage": sqlglot_lineage(cases)}
    try:
        dh = datahub(cases, peer_python)
    except RuntimeError as exc:
        dh, runs["datahub_error"] = None, str(exc)
    if dh is not None:
        runs["datahub"] = dh
    figures: dict = {
        "cases": len(cases),
        "dialects": len({case.dialect for case in cases}),
        "kinds": sorted({case.kind for case in cases}),
    }
    for tool in TOOLS:
        if tool not in runs:
            continue
        figures[tool] = {
            "overall": score(cases, runs[tool])["all"],
            "by_kind": score(cases, runs[tool], lambda c: c.kind),
            "by_dialect": score(cases, runs[tool], lambda c: c.dialect),
            "misses": misses(cases, runs[tool]),
        }
    if "datahub_error" in runs:
        figures["datahub_error"] = runs["datahub_error"]
    return figures


def main() -> None:
    python = sys.argv[1] if len(sys.argv) > 1 else None
    figures = evaluate(python)
    for tool in TOOLS:
        if tool in figures:
            overall = figures[tool]["overall"]
            print(
                f"{tool:16} tables F1 {overall['table']['f1']:.3f} "
                f"(P {overall['table']['precision']:.3f} R {overall['table']['recall']:.3f})  "
                f"columns F1 {overall['column']['f1']:.3f} "
                f"(P {overall['column']['precision']:.3f} R {overall['column']['recall']:.3f})"
            )
    print(f"{figures['cases']} cases, {figures['dialects']} dialects")


if __name__ == "__main__":
    main()
