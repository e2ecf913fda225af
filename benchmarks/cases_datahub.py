"""DataHub's SQL parser on the lineage cases; run by `benchmarks.accuracy` from .venv-bench.

Reads the cases as parse_sql input lines on stdin and writes one JSON line per case:
``{"id", "in", "out", "edges": [[down table, down column, up table, up column], …],
"error"}`` with table names lower-case ``db.schema.table``. Each case gets
``sqlglot_lineage(sql, schema_resolver, default_db, default_schema)`` with a
``SchemaResolver`` for the case's platform filled from the case's schema, as DataHub's
own ingestion calls it. Standard library and DataHub only: this process has DataHub's
sqlglot fork, not ours.
"""

from __future__ import annotations

import json
import logging
import sys

# DataHub's platform names where they differ from the sqlglot dialect names of the cases.
_PLATFORMS = {"tsql": "mssql", "spark": "databricks", "spark2": "databricks"}


def _name(urn: str | None) -> str | None:
    if not urn:
        return None
    name = urn.split(",")[1] if "," in urn else urn
    return name.replace('"', "").replace("`", "").lower()


def parse(row: dict) -> dict:
    from datahub.emitter.mce_builder import make_dataset_urn
    from datahub.sql_parsing.schema_resolver import SchemaResolver
    from datahub.sql_parsing.sqlglot_lineage import sqlglot_lineage

    platform = _PLATFORMS.get(row["dialect"], row["dialect"])
    resolver = SchemaResolver(platform=platform, env="PROD")
    for key, columns in (row.get("schema") or {}).items():
        resolver.add_raw_schema_info(make_dataset_urn(platform, key, "PROD"), columns)
    try:
        result = sqlglot_lineage(
            row["sql"],
            schema_resolver=resolver,
            default_db=row.get("default_db"),
            default_schema=row.get("default_schema"),
        )
    except Exception as exc:  # noqa: BLE001 - a failure is a result
        return {"id": row["id"], "in": [], "out": [], "edges": [], "error": str(exc)[:200]}
    error = result.debug_info.table_error
    return {
        "id": row["id"],
        "in": sorted({_name(u) for u in result.in_tables}),
        "out": sorted({_name(u) for u in result.out_tables}),
        "edges": sorted(
            {
                (
                    _name(c.downstream.table),
                    c.downstream.column.lower(),
                    _name(u.table),
                    u.column.lower(),
                )
                for c in result.column_lineage or ()
                for u in c.upstreams
            },
            key=str,
        ),
        "error": f"{type(error).__name__}: {error}"[:200] if error else None,
    }


def main() -> None:
    logging.disable(logging.WARNING)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(parse(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
