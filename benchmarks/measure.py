"""The timing loop every tool runs through; standard library only (runs in both venvs).

A runner process pins itself to one core, parses a few warm-up statements untimed
(imports, dialect tables and first-call caches settle), then times the workload on the
wall clock until it is done or the time budget is spent, and only afterwards turns the
tool's results into plain summaries (in/out tables, column edges) — that conversion is
not part of the measured time.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


def pin_to_core(core: int) -> None:
    """Run this process on one core only (Linux)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})


def sqlglot_build() -> str:
    """sqlglot's version in this process, and whether it runs compiled (sqlglotc, mypyc)."""
    from importlib.metadata import version

    import sqlglot.parser

    compiled = not sqlglot.parser.__file__.endswith(".py")
    return f"{version('sqlglot')} ({'compiled, sqlglotc' if compiled else 'pure Python'})"


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as fh:
        return [json.loads(line) for line in fh if line.strip()]


def timed_run(
    rows: list[dict],
    parse: Callable[[dict], object],
    *,
    warmup: list[dict],
    budget_seconds: float | None,
) -> tuple[list[object], list[float]]:
    """Parse ``rows`` in order until done or over budget.

    Returns the results and, for each, the seconds elapsed when it was done — so a rate
    can be read off any subset (to compare with a tool that only got that far).
    """
    for row in warmup:
        parse(row)
    gc.collect()
    results: list[object] = []
    done_at: list[float] = []
    clock = time.perf_counter
    started = clock()
    deadline = budget_seconds if budget_seconds else float("inf")
    for row in rows:
        results.append(parse(row))
        done_at.append(clock() - started)
        if done_at[-1] > deadline:
            break
    return results, done_at


def summary(
    *,
    tool: str,
    version: str,
    workload: str,
    rows_total: int,
    done_at: list[float],
    summaries: list[dict],
    extra: dict | None = None,
) -> dict:
    """The figures one run reports: rate, how many statements, success rates."""
    items = summaries
    done = len(items)
    elapsed = done_at[-1] if done_at else 0.0
    return {
        "tool": tool,
        "version": version,
        "workload": workload,
        "statements": done,
        "statements_total": rows_total,
        "seconds": round(elapsed, 3),
        "per_second": round(done / elapsed, 2) if elapsed else 0.0,
        "with_out_table": sum(bool(s["out"]) for s in items),
        "with_column_lineage": sum(bool(s["columns"]) for s in items),
        "errors": sum(bool(s["error"]) for s in items),
        "python": sys.version.split()[0],
        **(extra or {}),
    }


def write_results(
    path: Path | None, summaries: list[dict], done_at: list[float], *, brief: bool = False
) -> None:
    """Per-statement results (agreement, rates on subsets), one JSON line each, with
    ``d``, the seconds that statement took.

    ``brief`` keeps counts instead of the table and column lists (the 50,000-row log).
    """
    if path is None:
        return
    with path.open("w") as fh:
        previous = 0.0
        for item, at in zip(summaries, done_at, strict=True):
            if brief:
                item = {**item, **{k: len(item[k]) for k in ("in", "out", "columns")}}
            fh.write(json.dumps({**item, "d": round(at - previous, 7)}) + "\n")
            previous = at


def table_name(name: str) -> str:
    """A table name as ``db.schema.table``, lower-case, quotes removed."""
    return name.replace('"', "").lower()


def runner_args(argv: list[str] | None = None):
    """The command line every runner takes (see ``benchmarks.run``)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tool")
    parser.add_argument("--workload", required=True, help="a name for the report")
    parser.add_argument("--rows", type=Path, required=True, help="statements, JSON lines")
    parser.add_argument("--warmup", type=Path, required=True, help="warm-up statements")
    parser.add_argument("--schema", type=Path, required=True, help='{"db.schema.table": {...}}')
    parser.add_argument("--budget", type=float, default=None, help="seconds; stop after")
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--cache", action="store_true", help="ours: statement cache on")
    parser.add_argument("--no-schema", action="store_true", help="ours: pass no schema")
    parser.add_argument("--results", type=Path, default=None, help="per-statement JSON lines")
    parser.add_argument("--brief", action="store_true", help="results without table lists")
    parser.add_argument("--first", type=int, default=0, help="index of the first row to time")
    parser.add_argument("--stop", type=int, default=None, help="index after the last row")
    return parser.parse_args(argv)
