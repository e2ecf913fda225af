"""Partial knowledge: a schema that lists some columns, columns that cannot be placed,
constructs that cannot be resolved. Table lineage is never lost; warnings say what was."""

from __future__ import annotations

from graph.sql import parse_statement
from tests.graph.sql.support import lineage

# dbt YAML documents a few columns only: a hint, not the table's whole shape.
DOCUMENTED = {"analytics.stg_orders": {"order_id": "int"}, "analytics.stg_users": {"id": "int"}}


def test_a_column_the_schema_does_not_list_still_resolves_from_its_qualifier():
    result = parse_statement(
        "CREATE TABLE analytics.fct_orders AS SELECT o.order_id, o.amount, u.country "
        "FROM analytics.stg_orders o JOIN analytics.stg_users u ON u.id = o.user_id",
        schema=DOCUMENTED,
    )

    assert (result.error, result.warnings) == (None, ())
    assert lineage(result) == {
        "analytics.fct_orders.order_id": [("analytics.stg_orders", "order_id", "identity")],
        "analytics.fct_orders.amount": [("analytics.stg_orders", "amount", "identity")],
        "analytics.fct_orders.country": [("analytics.stg_users", "country", "identity")],
    }


def test_a_schema_that_does_not_fit_is_dropped_with_a_warning():
    result = parse_statement(
        "CREATE TABLE analytics.fct AS SELECT o.order_id, u.country "
        "FROM analytics.stg_orders o JOIN analytics.stg_users u USING (user_id)",
        schema=DOCUMENTED,
    )

    assert result.in_tables == ("analytics.stg_orders", "analytics.stg_users")
    assert lineage(result) == {
        "analytics.fct.order_id": [("analytics.stg_orders", "order_id", "identity")],
        "analytics.fct.country": [("analytics.stg_users", "country", "identity")],
    }
    assert result.warnings == (
        "the schema given does not fit this statement (Cannot automatically join: user_id): "
        "columns resolved without it",
    )


def test_an_unplaceable_column_keeps_the_rest_and_is_named():
    result = parse_statement(
        "INSERT INTO mart.t SELECT o.id, note FROM raw.orders o JOIN raw.notes n ON n.oid = o.id"
    )

    assert (result.in_tables, result.out_tables) == (("raw.notes", "raw.orders"), ("mart.t",))
    assert lineage(result) == {"mart.t.id": [("raw.orders", "id", "identity")], "mart.t.note": []}
    assert result.warnings == ("column note: could not tell which of n, o it is from",)


def test_columns_that_cannot_be_resolved_leave_the_tables():
    result = parse_statement("INSERT INTO mart.t SELECT a, b FROM raw.s ORDER BY 7")

    assert (result.error, result.in_tables, result.out_tables) == (None, ("raw.s",), ("mart.t",))
    assert result.column_lineage == ()
    assert result.warnings == (
        "column lineage could not be resolved (Unknown output column: 7): tables only",
    )
