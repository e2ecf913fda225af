"""The end-to-end ingestion section of docs/benchmarks.md, measured or carried over."""

from __future__ import annotations

from pathlib import Path


def _table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def render(ctx: dict) -> str:
    ing = ctx.get("ingestion") or {}
    if "carried" in ing:
        return (
            ing["carried"]
            + f"\nThese ingestion figures are carried over from the run of {ing['carried_from']}: "
            "this run measured the parsers only (`--keep-ingestion`).\n"
        )
    text = "## End-to-end ingestion into Neo4j\n\n"
    if "skipped" in ing:
        return text + f"Not measured: {ing['skipped']}.\n"
    rows = []
    for r in ing.get("runs", []):
        if "failed" in r:
            rows.append(
                [f"{r['rows']:,}", "failed: " + r["failed"].splitlines()[-1][:200]] + [""] * 8
            )
            continue
        rows.append(
            [
                f"{r['rows']:,}",
                r["days"],
                _num(r["seconds"]),
                f"**{_num(r['rows_per_second'], 0)}**",
                f"{r['statements_kept']:,}",
                _num(r["parse_seconds"]),
                _num(r["graph_write_seconds"]),
                _pct(r["cache_hit_rate"]),
                f"{r['edges_written']:,}",
                f"{_num(r['peak_rss_mb'], 0)} MB",
            ]
        )
    text += _table(
        [
            "rows",
            "daily windows",
            "seconds",
            "rows/s",
            "statements parsed",
            "in parser (s)",
            "in Neo4j writes (s)",
            "cache hit rate",
            "edges merged",
            "peak RSS (Python)",
        ],
        rows,
    )
    for r in ing.get("runs", []):
        if r.get("earlier_failures"):
            text += (
                f"\nThe {r['rows']:,}-row run was retried after: "
                f"`{'; '.join(r['earlier_failures'])}` (the Neo4j server is shared; a "
                "concurrent test run may clear it).\n"
            )
        if r.get("full_skipped"):
            text += f"\nThe 1,000,000-row case was not run: {r['full_skipped']}.\n"
    text += (
        "\nRows are synthetic `QueryRecord`s (60 % the realistic log's jobs, 40 % analysts' "
        "SELECTs, 1 % of job runs FAILED) from a `LineageSource` standing in for Snowflake, "
        "pushed through `graph.ingestion.ingest_window` one 24-hour window at a time, as a "
        "backfill does: filter, parse (the pipeline's cached parser), normalize, aggregate, "
        "merge into Neo4j in batches, catalog upsert, run record. Neo4j (local, "
        "bolt://127.0.0.1:7688, 1 GB heap) is shared with other work: every key the "
        "benchmark writes starts with `benchsnow://` (users/roles `BENCH_…`), and only those "
        "nodes are deleted, in batches, before and after. Runs and catalog go to a database "
        "of their own (created and dropped by the benchmark). Peak RSS is the ingesting "
        'Python process\'s (`getrusage`), not Neo4j\'s. "In parser" and "in Neo4j writes" '
        "are wall-clock seconds inside `LineageParser.parse` and the store's `merge_*` calls; "
        "the rest is filtering, aggregation, catalog and run bookkeeping.\n"
    )
    return text


def carried(previous: Path) -> dict:
    """The ingestion section and goal rows of an earlier report, to keep beside new parser
    figures (`--keep-ingestion`); skipped when there is no earlier report to take them from."""
    text = previous.read_text() if previous.exists() else ""
    marker = "## End-to-end ingestion into Neo4j"
    if marker not in text:
        return {"skipped": f"no earlier ingestion figures in {previous}"}
    section = marker + text.split(marker, 1)[1].split("\n## ", 1)[0]
    run = next((line for line in text.splitlines() if line.startswith("* **Run**: ")), "")
    goals = text.split("## Goals", 1)[1].split("\n## ", 1)[0] if "## Goals" in text else ""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in goals.splitlines()
        if line.startswith(("| ≥ 10,000", "| 1,000,000", "| report peak memory"))
    ]
    when = run.removeprefix("* **Run**: ").split(",", 1)[0] or "an earlier run"
    return {"carried": section.rstrip() + "\n", "carried_from": when, "goal_rows": rows}
