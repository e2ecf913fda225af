"""Platform names → sqlglot dialects: every dialect accepted, an unknown one named.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)
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
