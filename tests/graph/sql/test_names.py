"""Table keys: case, quoting, defaults, T-SQL temp tables, BigQuery shards and decorators.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)
from tests.graph.sql.support import lineage


def test_quoted_and_unquoted_identifiers_are_lower_cased():
    result = parse_statement(
        'CREATE TABLE "Sales"."Summary" AS SELECT "CustomerId", "Email" AS "Mail" FROM "Sales"."Orders"',
        dialect="snowflake",
    )

    assert result.out_tables == ("sales.summary",)
    assert lineage(result) == {
        "sales.summary.customerid": [("sales.orders", "customerid", "identity")],
        "sales.summary.mail": [("sales.orders", "email", "identity")],
    }


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("orders", "prod.sales.orders"),
        ("other.orders", "prod.other.orders"),
        ("x.y.orders", "x.y.orders"),
    ],
)
def test_defaults_fill_only_the_missing_parts(table, expected):
    result = parse_statement(f"SELECT id FROM {table}", default_db="PROD", default_schema="Sales")

    assert result.in_tables == (expected,)


def test_default_database_needs_a_schema_to_attach_to():
    result = parse_statement("SELECT id FROM orders", default_db="prod")

    assert result.in_tables == ("orders",)


def test_tsql_brackets_and_temp_tables():
    result = parse_statement(
        "SELECT [Id], [Email] INTO #staging FROM [Sales].[dbo].[Customers]", dialect="mssql"
    )

    assert result.out_tables == ("#staging",)
    assert result.in_tables == ("sales.dbo.customers",)
