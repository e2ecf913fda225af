"""A text → its statements: transaction wrappers, comment tails, errors, fallbacks.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

import pytest

from graph.sql import (
    parse_statement,
)


def test_transaction_wrappers_around_one_statement_are_ignored():
    result = parse_statement("BEGIN; INSERT INTO t SELECT a FROM s; COMMIT;")

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "INSERT",
        ("s",),
        ("t",),
    )


def test_parse_errors_are_reported_not_raised():
    result = parse_statement("SELECT * FROM WHERE x = 1", dialect="postgres")

    assert result.error == "could not parse: Expected table name but got 'WHERE' at line 1, col 19"
    assert (result.in_tables, result.out_tables, result.column_lineage) == ((), (), ())


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("", "empty statement: nothing to parse"),
        ("-- only a comment", "empty statement: nothing to parse"),
        (None, "sql must be a string, not NoneType"),
    ],
)
def test_statement_count_and_type_errors(sql, error):
    assert parse_statement(sql).error == error
