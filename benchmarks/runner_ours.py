"""Times our parser (``graph.sql``) on one workload; run by ``benchmarks.run`` from .venv.

Without ``--cache`` it is ``LineageParser(cache_size=0)``: every statement is parsed,
only the indexed schema is reused (as ingestion does). With ``--cache`` it is the
ingestion pipeline's parser, ``LineageParser(cache_size=100_000)``, starting empty.
"""

from __future__ import annotations

import json
import sys

from benchmarks.measure import (
    pin_to_core,
    read_jsonl,
    runner_args,
    sqlglot_build,
    summary,
    table_name,
    timed_run,
    write_results,
)


def summarize(row: dict, result) -> dict:
    """Our ParseResult as the plain summary all tools produce."""
    return {
        "id": row["id"],
        "in": sorted({table_name(t) for t in result.in_tables}),
        "out": sorted({table_name(t) for t in result.out_tables}),
        "columns": sorted(
            {
                (table_name(c.table), c.column.lower(), table_name(u.table), u.column.lower())
                for c in result.column_lineage
                for u in c.upstreams
            }
        ),
        "error": result.error,
    }


def main(argv: list[str] | None = None) -> None:
    args = runner_args(argv)
    pin_to_core(args.core)
    from graph.sql import LineageParser, fingerprint

    schema = None if args.no_schema else json.loads(args.schema.read_text())
    rows, warmup = read_jsonl(args.rows)[args.first : args.stop], read_jsonl(args.warmup)
    parser = LineageParser(cache_size=100_000 if args.cache else 0)

    def parse(row: dict):
        return parser.parse(
            row["sql"],
            dialect="snowflake",
            default_db=row["default_db"],
            default_schema=row["default_schema"],
            schema=schema,
        )

    for row in warmup:  # warm up here, so the cache counters below start from zero
        parse(row)
    parser.cache_hits = parser.cache_misses = 0
    results, done_at = timed_run(rows, parse, warmup=[], budget_seconds=args.budget)
    summaries = [summarize(row, r) for row, r in zip(rows, results, strict=False)]
    if args.cache:  # which rows were answered from the cache: first sight of a key misses

        def key(row: dict) -> tuple:
            return fingerprint(row["sql"], "snowflake"), row["default_db"], row["default_schema"]

        seen = {key(row) for row in warmup}
        for item, row in zip(summaries, rows, strict=False):
            item["hit"] = key(row) in seen
            seen.add(key(row))
    write_results(args.results, summaries, done_at, brief=args.brief)
    lookups = parser.cache_hits + parser.cache_misses
    extra = {
        "cache": "on (100,000 entries)" if args.cache else "off (cache_size=0)",
        "cache_hits": parser.cache_hits,
        "cache_hit_rate": round(parser.cache_hits / lookups, 4) if lookups else 0.0,
        "sqlglot": sqlglot_build(),
    }
    print(
        json.dumps(
            summary(
                tool="ours",
                version="graph.sql",
                workload=args.workload,
                rows_total=len(rows),
                done_at=done_at,
                summaries=summaries,
                extra=extra,
            )
        )
    )


if __name__ == "__main__":
    sys.exit(main())
