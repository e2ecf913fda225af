"""Platform names → sqlglot dialects, with identifier case folded the way our keys are."""

from __future__ import annotations

from sqlglot.dialects.dialect import Dialect, Dialects

# Platform names that differ from sqlglot's dialect name (what sources, dbt adapters and
# OpenLineage producers call them) → sqlglot dialect name. Every sqlglot dialect is also
# accepted under its own name.
_ALIASES: dict[str, str] = {
    "postgresql": "postgres",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "azuresql": "tsql",
    "synapse": "tsql",
    "mariadb": "mysql",
    "sparksql": "spark",
    "awsathena": "athena",
}
PLATFORM_DIALECTS: dict[str, str] = {
    **{dialect.value: dialect.value for dialect in Dialects if dialect.value},
    **_ALIASES,
}
# Where an unqualified name resolves through a default schema the caller may not name:
# Postgres and Redshift put `public` on every search path.
IMPLICIT_SCHEMA: dict[str, str] = {"postgres": "public", "redshift": "public"}

_DIALECTS: dict[str, Dialect] = {}


class UnknownDialect(ValueError):
    """The platform name is not one we know how to parse."""


def sqlglot_dialect_name(platform: str) -> str:
    """The sqlglot dialect for a platform name; raises UnknownDialect listing the valid ones."""
    name = PLATFORM_DIALECTS.get((platform or "").strip().lower())
    if name is None:
        known = ", ".join(sorted(PLATFORM_DIALECTS))
        raise UnknownDialect(f"unknown dialect {platform!r} (expected one of: {known})")
    return name


def get_dialect(platform: str) -> Dialect:
    """The sqlglot dialect for a platform, built once per process.

    Every identifier, quoted or not, is folded to lower case: lineage keys are lower-case
    `database.schema.table`, so `"Orders"` and `ORDERS` name the same dataset (Snowflake's
    upper-case folding and Postgres's lower-case folding both end the same way). That is
    a deliberate simplification (Postgres would keep `"Orders"` and `orders` apart),
    applied the same way to table names, column names and the keys of a caller's `schema`.
    """
    name = sqlglot_dialect_name(platform)
    dialect = _DIALECTS.get(name)
    if dialect is None:
        dialect = Dialect.get_or_raise(f"{name}, normalization_strategy=case_insensitive")
        _DIALECTS[name] = dialect
    return dialect
