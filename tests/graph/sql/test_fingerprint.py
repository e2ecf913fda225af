"""Statement fingerprints: the cache key that ignores literals but not what changes lineage.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

from graph.sql import (
    fingerprint,
)


def test_fingerprint_ignores_literals_comments_whitespace_and_keyword_case():
    first = "SELECT * FROM t WHERE id = 42 AND day = '2026-01-01' -- nightly\n"
    second = "select *\n  from T /* run 7 */ where ID = 7 and DAY = '2026-02-02'"

    assert fingerprint(first, "snowflake") == fingerprint(second, "snowflake")
    assert fingerprint(first, "snowflake") != fingerprint(
        "SELECT * FROM u WHERE id = 1", "snowflake"
    )


def test_fingerprint_keeps_quoted_identifiers_and_mask_literals_apart():
    assert fingerprint('SELECT "Id" FROM t', "postgres") != fingerprint(
        'SELECT "ID" FROM t', "postgres"
    )
    assert fingerprint("SELECT CONCAT('***', ssn) FROM t", "snowflake") != fingerprint(
        "SELECT CONCAT('abc', ssn) FROM t", "snowflake"
    )


def test_fingerprint_keeps_names_given_as_string_literals():
    assert fingerprint("SELECT dictGet('d.a', 'x', k) FROM t", "clickhouse") != fingerprint(
        "SELECT dictGet('d.b', 'x', k) FROM t", "clickhouse"
    )
    assert fingerprint("SELECT * FROM IDENTIFIER('a.b.c')", "snowflake") != fingerprint(
        "SELECT * FROM IDENTIFIER('a.b.d')", "snowflake"
    )


def test_fingerprint_keeps_a_dictionary_attribute_and_a_tsql_batch_break():
    assert fingerprint("SELECT dictGet(d.x, 'a', k) FROM t", "clickhouse") != fingerprint(
        "SELECT dictGet(d.x, 'b', k) FROM t", "clickhouse"
    )
    assert fingerprint("SELECT a, go FROM t", "tsql") != fingerprint(
        "SELECT a,\nGO\nFROM t", "tsql"
    )
