"""Platform names → sqlglot dialects, with identifier case folded the way our keys are."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect

# Platform name (what sources and the parse_sql contract speak) → sqlglot dialect name.
PLATFORM_DIALECTS: dict[str, str] = {
    "snowflake": "snowflake",
    "postgres": "postgres",
    "postgresql": "postgres",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "databricks": "databricks",
    "mssql": "tsql",
    "tsql": "tsql",
    "sqlserver": "tsql",
    "mysql": "mysql",
    "oracle": "oracle",
    "clickhouse": "clickhouse",
    "hive": "hive",
    "teradata": "teradata",
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "spark": "spark",
    "trino": "trino",
    "presto": "presto",
}

_DIALECTS: dict[str, Dialect] = {}


class UnknownDialect(ValueError):
    """The platform name is not one we know how to parse."""


def sqlglot_dialect_name(platform: str) -> str:
    """The sqlglot dialect name for a platform name; raises UnknownDialect naming it."""
    name = PLATFORM_DIALECTS.get((platform or "").strip().lower())
    if name is None:
        known = ", ".join(sorted(PLATFORM_DIALECTS))
        raise UnknownDialect(f"unknown dialect {platform!r} (expected one of: {known})")
    return name


def get_dialect(platform: str) -> Dialect:
    """The sqlglot dialect for a platform, built once per process.

    Every identifier, quoted or not, is folded to lower case: lineage keys are lower-case
    `database.schema.table`, so `"Orders"` and `ORDERS` name the same dataset. That is a
    deliberate simplification (Postgres would keep them apart), applied the same way to
    table names, column names and the keys of a caller's `schema`.
    """
    name = sqlglot_dialect_name(platform)
    dialect = _DIALECTS.get(name)
    if dialect is None:
        dialect = Dialect.get_or_raise(f"{name}, normalization_strategy=case_insensitive")
        _DIALECTS[name] = dialect
    return dialect
