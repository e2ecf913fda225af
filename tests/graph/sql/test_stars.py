"""`*` and `t.*`: expanded from a (possibly partial) schema, spliced, or kept as `*` edges.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

from graph.sql import (
    parse_statement,
)
from tests.graph.sql.support import lineage


def test_select_star_is_expanded_from_a_schema_with_keys_in_any_case():
    schema = {"ANALYTICS.RAW.Users": {"ID": "NUMBER", "Email": "VARCHAR"}}

    result = parse_statement(
        "CREATE TABLE mart.users AS SELECT * FROM raw.users",
        default_db="analytics",
        schema=schema,
    )

    assert lineage(result) == {
        "analytics.mart.users.id": [("analytics.raw.users", "id", "identity")],
        "analytics.mart.users.email": [("analytics.raw.users", "email", "identity")],
    }


def test_select_star_without_schema_gives_tables_but_no_columns():
    result = parse_statement("INSERT INTO t (a, b) SELECT * FROM s")

    assert (result.in_tables, result.out_tables, result.column_lineage) == (("s",), ("t",), ())


def test_a_star_over_unknown_tables_is_a_star_edge_from_each():
    result = parse_statement(
        "CREATE VIEW v AS SELECT * FROM raw.orders o JOIN raw.customers c ON c.id = o.customer_id"
    )

    assert lineage(result) == {
        "v.*": [("raw.customers", "*", "identity"), ("raw.orders", "*", "identity")]
    }


def test_a_qualified_star_takes_only_its_table():
    result = parse_statement(
        "SELECT o.*, c.email FROM raw.orders o JOIN raw.customers c ON c.id = o.cid"
    )

    assert lineage(result) == {
        "*": [("raw.orders", "*", "identity")],
        "email": [("raw.customers", "email", "identity")],
    }


def test_a_partly_known_star_is_spliced_column_by_column():
    result = parse_statement(
        "CREATE TABLE t AS SELECT * FROM a JOIN b ON a.id = b.a_id",
        schema={"a": {"id": "int", "name": "text"}},
    )

    assert lineage(result) == {
        "t.id": [("a", "id", "identity")],
        "t.name": [("a", "name", "identity")],
        "t.*": [("b", "*", "identity")],
    }


def test_star_modifiers_without_a_schema_keep_the_star_and_name_what_they_change():
    result = parse_statement(
        "SELECT * EXCEPT (ssn) REPLACE (SHA256(email) AS email) FROM `p.d.customers`",
        dialect="bigquery",
    )

    assert lineage(result) == {
        "*": [("p.d.customers", "*", "identity")],
        "email": [("p.d.customers", "email", "hashed")],
    }


def test_star_modifiers_with_a_schema():
    result = parse_statement(
        "SELECT * EXCLUDE (ssn) RENAME (email AS contact) FROM crm.people",
        schema={"crm.people": {"id": "int", "email": "text", "ssn": "text"}},
    )

    assert lineage(result) == {
        "id": [("crm.people", "id", "identity")],
        "contact": [("crm.people", "email", "identity")],
    }


def test_a_named_column_is_found_through_a_star_of_a_cte():
    result = parse_statement(
        "WITH recent AS (SELECT * FROM raw.events WHERE day > '2026-01-01') "
        "INSERT INTO mart.clicks SELECT user_id, url FROM recent"
    )

    assert lineage(result) == {
        "mart.clicks.user_id": [("raw.events", "user_id", "identity")],
        "mart.clicks.url": [("raw.events", "url", "identity")],
    }


def test_an_unknown_star_cannot_fill_a_column_list_and_says_so():
    result = parse_statement("INSERT INTO t (a, b) SELECT * FROM s")

    assert result.column_lineage == ()
    assert result.warnings and "SELECT *" in result.warnings[0]


def test_an_unknown_star_into_a_table_known_from_the_schema_lands_as_a_star():
    result = parse_statement(
        "INSERT INTO db.s.orders SELECT * FROM db.s.orders_staging",
        schema={"db.s.orders": {"id": "int", "amount": "int"}},
    )

    assert lineage(result) == {"db.s.orders.*": [("db.s.orders_staging", "*", "identity")]}
    assert result.warnings == ()
