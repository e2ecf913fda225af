"""Dialect syntax sqlglot does not read, repaired before parsing."""

from __future__ import annotations

from graph.sql import parse_statement
from graph.sql.repairs import batch_separators, repaired


def test_go_lines_separate_tsql_batches_but_go_in_a_name_does_not():
    text = "TRUNCATE TABLE t\nGO\nINSERT INTO t SELECT go_live FROM s\n  go  \n"

    assert (
        batch_separators(text, "tsql")
        == "TRUNCATE TABLE t\n;\nINSERT INTO t SELECT go_live FROM s\n;\n"
    )
    assert batch_separators(text, "postgres") == text


def test_output_into_a_table_becomes_a_placeholder_with_its_columns_kept():
    text, outputs = repaired(
        "UPDATE dbo.a SET x = 1 OUTPUT deleted.x INTO [audit].[dbo].[log] ([old x]) WHERE id = 2",
        "tsql",
    )

    assert text == "UPDATE dbo.a SET x = 1 OUTPUT deleted.x INTO @__output_into_0  WHERE id = 2"
    assert outputs == {"__output_into_0": ("[audit].[dbo].[log]", ["old x"])}


def test_nothing_to_repair_is_none():
    assert repaired("SELECT 1", "tsql") is None
    assert repaired("SELECT 1", "snowflake") is None


def test_oracle_merge_delete_where_is_dropped():
    result = parse_statement(
        "MERGE INTO a USING b ON (a.k = b.k) WHEN MATCHED THEN UPDATE SET a.v = b.v "
        "DELETE WHERE b.gone = 1 WHEN NOT MATCHED THEN INSERT (k, v) VALUES (b.k, b.v)",
        dialect="oracle",
    )

    assert (result.error, result.in_tables, result.out_tables) == (None, ("b",), ("a",))
