"""Platform names → sqlglot dialects: every dialect accepted, an unknown one named.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)
from graph.sql.dialects import PLATFORM_DIALECTS
from tests.graph.sql.support import lineage


@pytest.mark.parametrize(
    "dialect",
    [
        "snowflake", "postgres", "bigquery", "redshift", "databricks", "mssql", "mysql", "oracle",
        "clickhouse", "hive", "teradata", "sqlite", "duckdb", "spark", "trino", "presto",
    ],
)  # fmt: skip
def test_every_platform_dialect_is_accepted(dialect):
    result = parse_statement("INSERT INTO s.t (a) SELECT b FROM s.u", dialect=dialect)

    assert lineage(result) == {"s.t.a": [("s.u", "b", "identity")]}


def test_unknown_dialect_is_named_in_the_error():
    result = parse_statement("SELECT 1", dialect="db2")

    assert result.error.startswith("unknown dialect 'db2'")


# Two of sqlglot's dialects are not SQL: Power BI's DAX and PRQL pipelines read, never write.
_QUERIES = {"dax": ("EVALUATE u", ("u",), ()), "prql": ("from s.u\nselect {b}", ("s.u",), ())}


@pytest.mark.parametrize("dialect", sorted(PLATFORM_DIALECTS))
def test_every_sqlglot_dialect_and_alias_is_parsed(dialect):
    sql, reads, writes = _QUERIES.get(
        dialect, ("INSERT INTO s.t (a) SELECT b FROM s.u", ("s.u",), ("s.t",))
    )

    result = parse_statement(sql, dialect=dialect)

    assert (result.error, result.in_tables, result.out_tables) == (None, reads, writes)


def test_the_unknown_dialect_error_lists_the_valid_names():
    error = parse_statement("SELECT 1", dialect="informix").error

    assert error.startswith("unknown dialect 'informix' (expected one of: ")
    assert all(name in error for name in ("athena", "dremio", "exasol", "mssql", "teradata"))
