"""Following output columns through a query's scopes: CTEs, unions, windows, subqueries, lateral sources.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)
from tests.graph.sql.support import described, lineage, upstreams_of


def test_union_collects_every_branch_and_keeps_the_least_masked_path():
    result = parse_statement(
        "CREATE VIEW contacts AS SELECT email FROM crm.leads "
        "UNION ALL SELECT SHA2(email) FROM crm.customers "
        "UNION SELECT SHA2(email) FROM crm.leads",
        dialect="snowflake",
    )

    assert lineage(result)["contacts.email"] == [
        ("crm.customers", "email", "hashed"),
        ("crm.leads", "email", "identity"),
    ]


def test_window_functions_take_values_directly_and_partition_and_order_columns_indirectly():
    result = parse_statement(
        "CREATE TABLE w AS SELECT id, "
        "SUM(amount) OVER (PARTITION BY region ORDER BY ts) AS running_total, "
        "LAG(email) OVER (PARTITION BY region ORDER BY ts) AS previous_email, "
        "ROW_NUMBER() OVER (PARTITION BY region ORDER BY ts) AS rn FROM orders",
        dialect="databricks",
    )

    window = ("transformed", "INDIRECT", "WINDOW", False)
    assert described(result) == {
        "w.id": [("orders", "id", "identity", "DIRECT", "IDENTITY", False)],
        "w.running_total": [
            ("orders", "amount", "aggregated", "DIRECT", "AGGREGATION", False),
            ("orders", "region", *window),
            ("orders", "ts", *window),
        ],
        "w.previous_email": [
            ("orders", "email", "identity", "DIRECT", "IDENTITY", False),
            ("orders", "region", *window),
            ("orders", "ts", *window),
        ],
        "w.rn": [("orders", "region", *window), ("orders", "ts", *window)],
    }


@pytest.mark.parametrize(
    ("dialect", "y_upstreams"),
    [
        ("snowflake", [("s", "amount", "transformed")]),  # y reuses the alias x
        ("postgres", [("s", "x", "transformed")]),  # no lateral aliases: x is a column of s
    ],
)
def test_lateral_column_aliases_follow_the_dialect(dialect, y_upstreams):
    sql = "INSERT INTO t SELECT amount * 2 AS x, x + 1 AS y FROM s"

    assert upstreams_of(sql, "t.y", dialect=dialect) == y_upstreams


def test_a_source_column_wins_over_an_alias_of_the_same_name():
    sql = "INSERT INTO t SELECT SHA2(email) AS email, email AS raw_email FROM s"

    assert lineage(parse_statement(sql, dialect="snowflake")) == {
        "t.email": [("s", "email", "hashed")],
        "t.raw_email": [("s", "email", "identity")],
    }


def test_where_join_and_group_by_columns_are_not_lineage():
    result = parse_statement(
        "INSERT INTO t SELECT c.name, COUNT(o.id) AS orders FROM customers c "
        "JOIN orders o ON o.customer_id = c.id WHERE o.status = 'paid' GROUP BY c.name, c.region"
    )

    assert lineage(result) == {
        "t.name": [("customers", "name", "identity")],
        "t.orders": [("orders", "id", "aggregated")],
    }


def test_scalar_subquery_in_the_select_list():
    result = parse_statement(
        "INSERT INTO t SELECT c.name, "
        "(SELECT MAX(o.amount) FROM orders o WHERE o.customer_id = c.id) AS biggest FROM customers c"
    )

    assert result.in_tables == ("customers", "orders")
    # MAX returns a real value: not masked.
    assert described(result)["t.biggest"] == [
        ("orders", "amount", "identity", "DIRECT", "AGGREGATION", False)
    ]


def test_unnest_and_lateral_flatten_trace_to_the_array_column():
    postgres = parse_statement(
        "CREATE TABLE t AS SELECT u.id, e.email FROM users u, UNNEST(u.emails) AS e(email)",
        dialect="postgres",
    )
    snowflake = parse_statement(
        "CREATE TABLE t AS SELECT f.value:email::string AS email "
        "FROM raw.events e, LATERAL FLATTEN(input => e.payload) f"
    )

    assert lineage(postgres)["t.email"] == [("users", "emails", "identity")]
    assert lineage(snowflake)["t.email"] == [("raw.events", "payload", "transformed")]


def test_schema_resolves_unqualified_columns_of_a_join():
    sql = "INSERT INTO t SELECT name, amount FROM customers c JOIN orders o ON o.cid = c.id"
    schema = {"customers": {"id": "int", "name": "text"}, "orders": {"cid": "int", "amount": "int"}}

    without_schema = parse_statement(sql)
    with_schema = parse_statement(sql, schema=schema)

    assert lineage(without_schema) == {"t.name": [], "t.amount": []}
    assert lineage(with_schema) == {
        "t.name": [("customers", "name", "identity")],
        "t.amount": [("orders", "amount", "identity")],
    }


def test_a_named_window_keys_the_expressions_over_it():
    result = parse_statement(
        "SELECT sum(amount) OVER w AS running, rank() OVER w AS pos FROM sales "
        "WINDOW w AS (PARTITION BY region ORDER BY day)",
        dialect="postgres",
    )

    window = ("transformed", "INDIRECT", "WINDOW", False)
    assert described(result) == {
        "running": [
            ("sales", "amount", "aggregated", "DIRECT", "AGGREGATION", False),
            ("sales", "day", *window),
            ("sales", "region", *window),
        ],
        "pos": [("sales", "day", *window), ("sales", "region", *window)],
    }
