"""Times a peer tool on one workload; run by ``benchmarks.run`` from .venv-bench.

Imports nothing from the project but ``benchmarks.measure`` (standard library only):
this process has the peers' own sqlglot fork, not ours.

* ``datahub``: ``datahub.sql_parsing.sqlglot_lineage.sqlglot_lineage`` with a
  ``SchemaResolver`` (no DataHub server) filled from the same schema dict, called as it
  ships — its parse-result and parsed-statement LRU caches (1,000 entries each, keyed
  by the exact text) stay on. On the distinct corpus no text repeats, so they never hit.
* ``sqllineage``: ``LineageRunner(sql, dialect="snowflake", metadata_provider=…)`` with
  a ``DummyMetaDataProvider`` holding the same tables' column names; the statement's
  default database and schema become ``DEFAULT_SCHEMA`` ("db.schema"), its only notion
  of a default; ``schema.table`` names it returns are completed with the default database
  afterwards, outside the timed loop. Table and column lineage are both asked for (it
  computes them lazily).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version

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


def datahub_tool(schema: dict):
    """(parse function, summarize function, versions) for DataHub's parser."""
    from datahub.emitter.mce_builder import make_dataset_urn
    from datahub.sql_parsing.schema_resolver import SchemaResolver
    from datahub.sql_parsing.sqlglot_lineage import sqlglot_lineage

    resolver = SchemaResolver(platform="snowflake", env="PROD")
    for key, columns in schema.items():
        resolver.add_raw_schema_info(make_dataset_urn("snowflake", key, "PROD"), columns)

    def parse(row: dict):
        return sqlglot_lineage(
            row["sql"],
            schema_resolver=resolver,
            default_db=row["default_db"],
            default_schema=row["default_schema"],
        )

    def summarize(row: dict, result) -> dict:
        error = result.debug_info.table_error
        return {
            "id": row["id"],
            "in": sorted({_urn_name(u) for u in result.in_tables}),
            "out": sorted({_urn_name(u) for u in result.out_tables}),
            "columns": sorted(
                {
                    (
                        _urn_name(c.downstream.table or ""),
                        c.downstream.column.lower(),
                        _urn_name(u.table),
                        u.column.lower(),
                    )
                    for c in result.column_lineage or ()
                    for u in c.upstreams
                }
            ),
            "error": f"{type(error).__name__}: {error}"[:300] if error else None,
            "column_error": str(result.debug_info.column_error)[:300]
            if result.debug_info.column_error
            else None,
        }

    versions = {"acryl-datahub": version("acryl-datahub"), "sqlglot": sqlglot_build()}
    return parse, summarize, versions


def _urn_name(urn: str) -> str:
    """urn:li:dataset:(urn:li:dataPlatform:snowflake,db.schema.table,PROD) → db.schema.table"""
    return table_name(urn.split(",")[1]) if "," in urn else table_name(urn)


def sqllineage_tool(schema: dict):
    """(parse function, summarize function, versions) for sqllineage."""
    from sqllineage.config import SQLLineageConfig
    from sqllineage.core.metadata.dummy import DummyMetaDataProvider
    from sqllineage.runner import LineageRunner

    provider = DummyMetaDataProvider({key: list(cols) for key, cols in schema.items()})

    def parse(row: dict):
        default = ".".join(p for p in (row["default_db"], row["default_schema"]) if p)
        try:
            with SQLLineageConfig(DEFAULT_SCHEMA=default):
                runner = LineageRunner(
                    row["sql"], dialect="snowflake", metadata_provider=provider, silent_mode=True
                )
                tables = (runner.source_tables, runner.target_tables)
                return tables, runner.get_column_lineage(), None
        except Exception as exc:  # noqa: BLE001 - a failed statement is a result
            return ((), ()), [], f"{type(exc).__name__}: {exc}"[:300]

    def summarize(row: dict, result) -> dict:
        (sources, targets), paths, error = result

        def name(table) -> str:  # it has no default database: complete schema.table here
            text = table_name(str(table))
            return (
                f"{row['default_db']}.{text}"
                if text.count(".") == 1 and row["default_db"]
                else text
            )

        return {
            "id": row["id"],
            "in": sorted({name(t) for t in sources}),
            "out": sorted({name(t) for t in targets}),
            "columns": sorted(
                {
                    (
                        name(p[-1].parent),
                        p[-1].raw_name.lower(),
                        name(p[0].parent),
                        p[0].raw_name.lower(),
                    )
                    for p in paths
                }
            ),
            "error": error,
        }

    return parse, summarize, {"sqllineage": version("sqllineage"), "sqlfluff": version("sqlfluff")}


TOOLS = {"datahub": datahub_tool, "sqllineage": sqllineage_tool}


def main(argv: list[str] | None = None) -> None:
    args = runner_args(argv)
    pin_to_core(args.core)
    schema = json.loads(args.schema.read_text())
    parse, summarize, versions = TOOLS[args.tool](schema)
    rows, warmup = read_jsonl(args.rows)[args.first : args.stop], read_jsonl(args.warmup)
    results, done_at = timed_run(rows, parse, warmup=warmup, budget_seconds=args.budget)
    summaries = [summarize(row, r) for row, r in zip(rows, results, strict=False)]
    write_results(args.results, summaries, done_at, brief=args.brief)
    print(
        json.dumps(
            summary(
                tool=args.tool,
                version=next(iter(versions.values())),
                workload=args.workload,
                rows_total=len(rows),
                done_at=done_at,
                summaries=summaries,
                extra={"versions": versions},
            )
        )
    )


if __name__ == "__main__":
    sys.exit(main())
