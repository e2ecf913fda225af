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
                [f"{r['rows']:,}", "failed: " + r["failed"].splitlines()[-1][:200]] + [""] * 9
            )
            continue
        rows.append(
            [
                f"{r['rows']:,}",
                r["days"],
                _num(r["seconds"]),
                f"**{_num(r['rows_per_second'], 0)}**",
                _cpu(r),
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
            "rows per CPU second (Python)",
            "statements parsed",
            "in parser (s)",
            "in Neo4j writes (s)",
            "cache hit rate",
            "edges merged",
            "peak RSS (Python)",
        ],
        rows,
    )
    text += _goal(ing.get("runs", []))
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
        "merge into Neo4j in one transaction per window, catalog upsert, run record (with its "
        "lease and heartbeat). Rows per CPU second divide by the ingesting process's own CPU "
        "time (`time.process_time`), a figure less moved by other load on the machine. Neo4j "
        "(local, "
        "bolt://127.0.0.1:7688, 1 GB heap) is shared with other work: every key the "
        "benchmark writes starts with `benchsnow://` (users/roles `BENCH_…`), and only those "
        "nodes are deleted, in batches, before and after. Runs and catalog go to a database "
        "of their own (created and dropped by the benchmark). Peak RSS is the ingesting "
        'Python process\'s (`getrusage`), not Neo4j\'s. "In parser" and "in Neo4j writes" '
        "are wall-clock seconds inside `LineageParser.parse` and the store's `merge_*` calls; "
        "the rest is filtering, aggregation, catalog and run bookkeeping.\n"
    )
    return text


GOAL_ROWS_PER_SECOND = 10_000


def _goal(runs: list[dict]) -> str:
    """The verdict on the goal, judged on the longest run (a backfill's steady state)."""
    measured = [r for r in runs if "rows_per_second" in r]
    if not measured:
        return ""
    longest = max(measured, key=lambda r: r["rows"])
    verdict = "met" if longest["rows_per_second"] >= GOAL_ROWS_PER_SECOND else "NOT met"
    text = (
        f"\nGoal: at least {GOAL_ROWS_PER_SECOND:,} rows/s over a long backfill — "
        f"{verdict} ({longest['rows_per_second']:,.0f} rows/s over {longest['rows']:,} rows)."
    )
    if len(measured) > 1:
        text += (
            " The shorter run carries what a backfill pays once: every distinct statement "
            "text parsed and fingerprinted for the first time, and the graph's nodes and "
            "edges created rather than updated."
        )
    return text + "\n"


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
        if line.startswith(("| ≥ 10,000", "| 1,000,000", "| report peak memory", "| four workers"))
    ]
    when = run.removeprefix("* **Run**: ").split(",", 1)[0] or "an earlier run"
    scale = ""
    if SCALE_TITLE in text:
        scale = SCALE_TITLE + text.split(SCALE_TITLE, 1)[1].split("\n## ", 1)[0]
    return {
        "carried": section.rstrip() + "\n",
        "carried_from": when,
        "goal_rows": rows,
        "scale": scale.rstrip() + "\n" if scale else "",
    }


def scale_carried(ingestion: dict) -> dict:
    """The scale-out figures of the report ``carried`` read, for ``--keep-ingestion``."""
    if ingestion.get("scale"):
        return {"carried": ingestion["scale"], "carried_from": ingestion["carried_from"]}
    return {"skipped": "not measured by this run (--keep-ingestion), and none to carry over"}


# --- scale-out: one backfill, one worker then four ------------------------------------

SCALE_TITLE = "## Scale-out: one backfill, one worker then four"


def _cpu(run: dict) -> str:
    cpu = run.get("cpu_seconds")
    return _num(run["rows"] / cpu, 0) if cpu else "–"


def render_scale(ctx: dict) -> str:
    """The scale-out section: the same backfill by one worker, then by four."""
    scale = ctx.get("scale") or {}
    if "carried" in scale:
        return (
            scale["carried"] + f"\nThese scale-out figures are carried over from the run of "
            f"{scale['carried_from']} (`--keep-ingestion`).\n"
        )
    text = SCALE_TITLE + "\n\n"
    if "skipped" in scale or "failed" in scale:
        return text + f"Not measured: {scale.get('skipped') or scale['failed']}.\n"
    rounds = list(scale["rounds"].values())
    headers = ["workers", "windows", "rows", "seconds", "rows/s", "edges", "graph fingerprint"]
    text += _table(
        [*headers, "attempts"],
        [
            [
                r["workers"],
                r["windows"] - r["failed_windows"],
                f"{r['rows']:,}",
                _num(r["seconds"]),
                f"**{_num(r['rows_per_second'], 0)}**",
                f"{r['edges']:,}",
                f"`{r['fingerprint']}`",
                r["attempts"],
            ]
            for r in rounds
        ],
    )
    same = "identical" if scale["identical"] else "**not identical**"
    text += (
        f"\nSpeed-up with {rounds[-1]['workers']} workers: **{scale['speedup']}×**; the graphs "
        f"are {same}. One backfill of {scale['days']} daily windows "
        f"({scale['rows_per_day']:,} synthetic query-history rows a day, as above) is queued "
        "once the workers listen, and timed until its last window is in. Each worker is a "
        "real Celery worker (`benchmarks.scale_worker`: the portal's own tasks, reading the "
        "synthetic history instead of Snowflake), one window at a time, over a Redis, a Neo4j "
        "and a database of the benchmark's own. Windows are read and parsed in parallel; a "
        "source's windows merge into the graph one at a time, each as one transaction (see "
        "docs/operations.md), so the write is the serial part. The fingerprint is a SHA-256 "
        "over the store's counts and every FEEDS and READ edge with all its properties; "
        "attempts more than windows would be windows run again.\n"
    )
    return text


def scale_goal_rows(ctx: dict) -> list[list]:
    """The scale-out goal: four workers give the same graph as one, faster."""
    scale = ctx.get("scale") or {}
    if "speedup" not in scale:
        return []
    met = "yes" if scale["identical"] and scale["speedup"] > 1 else "**no**"
    return [
        [
            "four workers: the same graph as one, faster",
            f"{scale['speedup']}×, graphs {'identical' if scale['identical'] else 'differ'}",
            met,
        ]
    ]
