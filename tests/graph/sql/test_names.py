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


@pytest.mark.parametrize(
    "table",
    [
        "`shop-prod.web.events_20260114`",
        "`shop-prod`.`web`.`events_20260115`",
        "`shop-prod.web.events_*`",
        "`shop-prod.web.events_2026*`",
        "shop-prod.web.events_20260116",
    ],
)
def test_bigquery_shards_and_wildcards_are_one_dataset(table):
    result = parse_statement(f"SELECT user_id FROM {table}", dialect="bigquery")

    assert result.in_tables == ("shop-prod.web.events_yyyymmdd",)


@pytest.mark.parametrize("table", ["`p.d.sessions$20260114`", "`p.d.sessions$__UNPARTITIONED__`"])
def test_bigquery_partition_decorators_are_dropped(table):
    result = parse_statement(
        f"INSERT INTO {table} (id) SELECT id FROM `p.d.raw`", dialect="bigquery"
    )

    assert result.out_tables == ("p.d.sessions",)


def test_bigquery_schema_of_a_shard_expands_the_star_of_another():
    result = parse_statement(
        "SELECT * FROM `p.d.events_20260114`",
        dialect="bigquery",
        schema={"p.d.events_20260101": {"name": "STRING"}},
    )

    assert lineage(result) == {"name": [("p.d.events_yyyymmdd", "name", "identity")]}


def test_a_date_like_suffix_that_is_no_date_is_kept():
    result = parse_statement("SELECT 1 FROM `p.d.batch_20261399`", dialect="bigquery")

    assert result.in_tables == ("p.d.batch_20261399",)


def test_snowflake_identifier_names_the_table():
    result = parse_statement(
        "INSERT INTO IDENTIFIER('DB.S.TARGET') SELECT a FROM IDENTIFIER('db.s.source')"
    )

    assert (result.in_tables, result.out_tables) == (("db.s.source",), ("db.s.target",))


@pytest.mark.parametrize("dialect", ["postgres", "redshift"])
def test_public_is_the_default_schema_under_a_default_database(dialect):
    result = parse_statement("SELECT id FROM orders", dialect=dialect, default_db="shop")

    assert result.in_tables == ("shop.public.orders",)


def test_upper_case_schema_keys_meet_lower_case_sql():
    result = parse_statement(
        "SELECT * FROM analytics.raw.users", schema={"ANALYTICS.RAW.USERS": {"EMAIL": "VARCHAR"}}
    )

    assert lineage(result) == {"email": [("analytics.raw.users", "email", "identity")]}


def test_redshift_hash_temp_tables_take_no_defaults():
    result = parse_statement(
        "CREATE TABLE #t AS SELECT id FROM s", dialect="redshift", default_db="dev"
    )

    assert result.out_tables == ("#t",)
