"""MERGE and UPDATE: assigned values as column lineage, the target's own columns as a self-edge.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

from graph.sql import (
    parse_statement,
)
from tests.graph.sql.support import lineage


def test_merge_maps_update_and_insert_clauses_from_a_subquery_source():
    result = parse_statement(
        "MERGE INTO core.customers tgt "
        "USING (SELECT id, email, name FROM stage.customers_delta WHERE batch = 7) src "
        "ON tgt.id = src.id "
        "WHEN MATCHED AND src.op = 'D' THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET tgt.email = src.email, tgt.name = UPPER(src.name) "
        "WHEN NOT MATCHED THEN INSERT (id, email, name) VALUES (src.id, SHA2(src.email), src.name)",
        dialect="snowflake",
    )

    assert result.statement_type == "MERGE"
    assert result.in_tables == ("stage.customers_delta",)
    assert result.out_tables == ("core.customers",)
    # Each column arrives through both clauses; the least-masked path is what lands.
    assert lineage(result) == {
        "core.customers.email": [("stage.customers_delta", "email", "identity")],
        "core.customers.name": [("stage.customers_delta", "name", "identity")],
        "core.customers.id": [("stage.customers_delta", "id", "identity")],
    }


def test_merge_reading_the_target_keeps_the_self_edge_and_lists_the_target_as_input():
    result = parse_statement(
        "MERGE INTO public.balances AS b USING public.payments AS p ON b.account = p.account "
        "WHEN MATCHED THEN UPDATE SET total = b.total + p.amount",
        dialect="postgres",
    )

    assert result.in_tables == ("public.balances", "public.payments")
    assert lineage(result) == {
        "public.balances.total": [
            ("public.balances", "total", "transformed"),
            ("public.payments", "amount", "transformed"),
        ]
    }


def test_merge_star_clauses_map_source_columns_by_name():
    result = parse_statement(
        "MERGE INTO silver.t USING bronze.t_updates AS s ON t.id = s.id "
        "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
        dialect="databricks",
        schema={"bronze.t_updates": {"id": "int", "v": "string"}},
    )

    assert lineage(result) == {
        "silver.t.id": [("bronze.t_updates", "id", "identity")],
        "silver.t.v": [("bronze.t_updates", "v", "identity")],
    }


def test_merge_with_only_a_delete_clause_still_reads_its_source():
    result = parse_statement(
        "MERGE INTO core.users u USING stage.deletions d ON u.id = d.id WHEN MATCHED THEN DELETE"
    )

    assert (result.in_tables, result.out_tables, result.column_lineage) == (
        ("stage.deletions",),
        ("core.users",),
        (),
    )


def test_bigquery_merge_insert_row_maps_source_columns_by_name():
    result = parse_statement(
        "MERGE ds.customers T USING ds.customers_new S ON T.id = S.id "
        "WHEN NOT MATCHED THEN INSERT ROW",
        dialect="bigquery",
        schema={"ds.customers_new": {"id": "INT64", "email": "STRING"}},
    )

    assert lineage(result) == {
        "ds.customers.id": [("ds.customers_new", "id", "identity")],
        "ds.customers.email": [("ds.customers_new", "email", "identity")],
    }


def test_update_set_from_postgres():
    result = parse_statement(
        "UPDATE public.accounts AS a SET score = s.score * 2, note = 'rescored' "
        "FROM staging.scores s WHERE s.id = a.id",
        dialect="postgres",
    )

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "UPDATE",
        ("staging.scores",),
        ("public.accounts",),
    )
    assert lineage(result) == {
        "public.accounts.score": [("staging.scores", "score", "transformed")],
        "public.accounts.note": [],
    }


def test_update_through_an_alias_in_tsql():
    result = parse_statement(
        "UPDATE x SET x.Total = s.Total FROM dbo.Orders AS x JOIN staging.Totals s ON s.Id = x.Id",
        dialect="mssql",
    )

    assert result.out_tables == ("dbo.orders",)
    assert lineage(result) == {"dbo.orders.total": [("staging.totals", "total", "identity")]}


def test_update_reading_its_own_column_keeps_the_self_edge():
    result = parse_statement("UPDATE shop.stock SET qty = qty - 1 WHERE sku = 'a'", dialect="mysql")

    assert (result.in_tables, result.out_tables) == (("shop.stock",), ("shop.stock",))
    assert lineage(result) == {"shop.stock.qty": [("shop.stock", "qty", "transformed")]}


def test_update_choosing_rows_by_its_own_columns_does_not_read_them_as_values():
    result = parse_statement("UPDATE shop.stock SET qty = 0 WHERE discontinued")

    assert (result.in_tables, result.out_tables) == ((), ("shop.stock",))


def test_update_reads_the_tables_of_its_where_subqueries():
    result = parse_statement(
        "UPDATE crm.users SET status = 'blocked' WHERE id IN (SELECT user_id FROM risk.flags)"
    )

    assert result.in_tables == ("risk.flags",)
