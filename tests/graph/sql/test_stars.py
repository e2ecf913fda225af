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
