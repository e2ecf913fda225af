"""The SQL parser's entry point never raises, never hangs, and every rejection says why."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from graph.sql.parser import parse_statement
from graph.sql.results import ParseResult

from .conftest import time_box

DIALECTS = ["snowflake", "postgres", "bigquery", "redshift", "mysql", "tsql", "nonsense"]
WORDS = [
    "CREATE",
    "TABLE",
    "AS",
    "SELECT",
    "INSERT",
    "INTO",
    "MERGE",
    "USING",
    "WHEN",
    "MATCHED",
    "FROM",
    "JOIN",
    "ON",
    "WHERE",
    "GROUP",
    "BY",
    "WITH",
    "VIEW",
    "ALTER",
    "RENAME",
    "TO",
    "COPY",
    "UPDATE",
    "SET",
    "(",
    ")",
    ",",
    ";",
    "*",
    "=",
    "'x'",
    '"Q"',
    "a.b.c",
    "t",
    "c",
    "sha2(c)",
    "count(*)",
    "--",
    "/*",
    "*/",
    "$$",
    "\x00",
    "\u202e",
    "ü",
    "1e309",
]

sql_like = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
any_text = st.text(max_size=400)


def _check(result) -> None:
    assert isinstance(result, ParseResult)
    if result.error:
        # A rejection carries its reason and nothing half-extracted.
        assert isinstance(result.error, str)
        assert result.out_tables == () and result.column_lineage == ()


@given(sql=st.one_of(sql_like, any_text), dialect=st.sampled_from(DIALECTS))
def test_any_text_gets_a_result_or_a_reason(sql, dialect):
    with time_box(5):
        _check(parse_statement(sql, dialect=dialect))


@given(
    sql=sql_like,
    default_db=st.one_of(st.none(), st.text(max_size=20)),
    default_schema=st.one_of(st.none(), st.text(max_size=20)),
    schema=st.one_of(
        st.none(),
        st.dictionaries(
            st.text(max_size=30),
            st.one_of(st.dictionaries(st.text(max_size=10), st.text(max_size=10)), st.integers()),
            max_size=3,
        ),
    ),
)
def test_odd_defaults_and_schemas_are_survived(sql, default_db, default_schema, schema):
    with time_box(5):
        _check(
            parse_statement(
                sql, default_db=default_db, default_schema=default_schema, schema=schema
            )
        )
