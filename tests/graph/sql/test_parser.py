"""The cached parser: hits, keys, eviction, errors.

Pure parsing: no database, so no `db` fixture anywhere in this module.
"""

from __future__ import annotations

from graph.sql import (
    LineageParser,
)
from tests.graph.sql.support import lineage


def test_cache_hits_on_statements_differing_only_in_literals():
    parser = LineageParser()
    template = (
        "INSERT INTO mart.daily SELECT id, SUM(x) AS total FROM raw.e WHERE day = '{}' GROUP BY id"
    )

    first = parser.parse(template.format("2026-01-01"), dialect="snowflake")
    second = parser.parse(template.format("2026-01-02"), dialect="snowflake")

    assert (parser.cache_misses, parser.cache_hits) == (1, 1)
    assert second == first
    assert lineage(second)["mart.daily.total"] == [("raw.e", "x", "aggregated")]


def test_cache_key_includes_dialect_defaults_and_schema():
    parser = LineageParser()
    sql = "SELECT * FROM orders"

    parser.parse(sql, dialect="snowflake")
    parser.parse(sql, dialect="postgres")
    qualified = parser.parse(sql, dialect="snowflake", default_schema="sales")
    parser.parse(sql, dialect="snowflake", schema={"orders": {"id": "int"}})

    assert (parser.cache_misses, parser.cache_hits) == (4, 0)
    assert qualified.in_tables == ("sales.orders",)


def test_cache_evicts_the_least_recently_used_statement():
    parser = LineageParser(cache_size=2)
    for table in ("a", "b", "a", "c", "a", "b"):
        parser.parse(f"SELECT 1 FROM {table}", dialect="snowflake")

    # a miss, b miss, a hit, c miss (evicts b), a hit, b miss
    assert (parser.cache_misses, parser.cache_hits) == (4, 2)


def test_cached_parser_reports_errors_too():
    parser = LineageParser()

    result = parser.parse("SELECT FROM", dialect="nope")

    assert result.error.startswith("unknown dialect 'nope'")


def test_an_exact_repeat_is_answered_from_the_cache():
    parser = LineageParser()
    sql = "INSERT INTO db.s.t SELECT SHA2(email) AS e FROM db.s.customers"

    first = parser.parse(sql, dialect="snowflake")
    again = parser.parse(sql, dialect="snowflake")
    other_defaults = parser.parse(sql, dialect="snowflake", default_db="db")

    assert again is first and (parser.cache_hits, parser.cache_misses) == (1, 2)
    assert other_defaults is not first


def test_dictionary_and_identifier_literals_are_part_of_the_cache_key():
    parser = LineageParser()

    first = parser.parse("SELECT dictGet('d.one', 'a', k) AS v FROM t", dialect="clickhouse")
    second = parser.parse("SELECT dictGet('d.two', 'a', k) AS v FROM t", dialect="clickhouse")
    third = parser.parse("SELECT * FROM IDENTIFIER('db.s.other')", dialect="snowflake")

    assert (first.in_tables, second.in_tables, third.in_tables) == (
        ("d.one", "t"),
        ("d.two", "t"),
        ("db.s.other",),
    )


def test_cached_results_keep_their_warnings():
    parser = LineageParser()
    template = "INSERT INTO t SELECT a.x, y FROM a JOIN b ON a.k = b.k WHERE a.d = '{}'"

    first = parser.parse(template.format("2026-01-01"), dialect="snowflake")
    second = parser.parse(template.format("2026-01-02"), dialect="snowflake")

    assert parser.cache_hits == 1
    assert (
        second.warnings == first.warnings == ("column y: could not tell which of a, b it is from",)
    )


def test_the_cached_parser_gives_a_scripts_statements_one_by_one():
    parser = LineageParser()

    results = parser.parse_script("INSERT INTO a SELECT 1; UPDATE b SET c = 2;", dialect="duckdb")

    assert [(r.statement_type, r.out_tables) for r in results] == [
        ("INSERT", ("a",)),
        ("UPDATE", ("b",)),
    ]


def test_routine_bodies_in_strings_are_not_answered_from_the_cache():
    parser = LineageParser()
    body = "CREATE OR REPLACE PROCEDURE p() RETURNS INT LANGUAGE SQL AS $$ BEGIN {}; END $$"

    first = parser.parse(body.format("INSERT INTO a SELECT x FROM b"), dialect="snowflake")
    second = parser.parse(body.format("INSERT INTO c SELECT x FROM d"), dialect="snowflake")

    assert (first.out_tables, second.out_tables) == (("a",), ("c",))
    assert parser.cache_hits == 0
