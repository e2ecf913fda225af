"""Scripts and procedures: each statement's lineage, and the union of a whole text."""

from __future__ import annotations

import pytest

from graph.sql import parse_script, parse_statement
from graph.sql.script import split_script
from tests.graph.sql.support import described, lineage


@pytest.mark.parametrize(
    ("dialect", "text", "statements"),
    [
        (
            "snowflake",
            "BEGIN\n  INSERT INTO a SELECT x FROM b;\n  IF (SQLROWCOUNT > 0) THEN\n"
            "    UPDATE c SET y = 1;\n  END IF;\n  RETURN 'ok';\nEND;",
            ["INSERT INTO a SELECT x FROM b", "UPDATE c SET y = 1"],
        ),
        (
            "snowflake",
            "CREATE PROCEDURE p() RETURNS STRING LANGUAGE SQL AS 'BEGIN DELETE FROM a WHERE "
            "k = ''x''; END'",
            ["DELETE FROM a WHERE k = 'x'"],
        ),
        (
            "postgres",
            "DO $$ BEGIN FOR r IN SELECT id FROM q LOOP UPDATE a SET n = n + 1; END LOOP; END $$",
            ["UPDATE a SET n = n + 1"],
        ),
        (
            "oracle",
            "CREATE OR REPLACE PROCEDURE p IS v NUMBER; BEGIN SELECT COUNT(*) INTO v FROM a; "
            "INSERT INTO b SELECT * FROM c; EXCEPTION WHEN OTHERS THEN ROLLBACK; END p;",
            ["SELECT COUNT(*) INTO v FROM a", "INSERT INTO b SELECT * FROM c"],
        ),
        (
            "tsql",  # no semicolons: statements start where the next one does
            "CREATE PROCEDURE dbo.p AS BEGIN SET NOCOUNT ON\nIF EXISTS (SELECT 1 FROM q) "
            "UPDATE a SET s = 1 WHERE s = 0\nINSERT INTO b (k) SELECT k FROM a\n"
            "MERGE c USING d ON c.k = d.k WHEN MATCHED THEN UPDATE SET c.v = d.v "
            "WHEN NOT MATCHED THEN INSERT (k) VALUES (d.k);\nEND",
            [
                "UPDATE a SET s = 1 WHERE s = 0",
                "INSERT INTO b (k) SELECT k FROM a",
                "MERGE c USING d ON c.k = d.k WHEN MATCHED THEN UPDATE SET c.v = d.v "
                "WHEN NOT MATCHED THEN INSERT (k) VALUES (d.k)",
            ],
        ),
    ],
)
def test_data_statements_are_cut_out_of_procedural_text(dialect, text, statements):
    assert split_script(text, dialect) == statements


def test_each_statement_of_a_script_has_its_own_result():
    results = parse_script(
        "CREATE TEMP TABLE recent AS SELECT id, email FROM raw.users WHERE active; "
        "INSERT INTO mart.contacts (id, mail) SELECT id, SHA2(email) FROM recent;",
        dialect="snowflake",
    )

    assert [(r.statement_type, r.in_tables, r.out_tables) for r in results] == [
        ("CTAS", ("raw.users",), ("recent",)),
        ("INSERT", ("recent",), ("mart.contacts",)),
    ]
    assert results[0].temporary == ("recent",)


def test_the_union_resolves_temporary_tables_away_column_by_column():
    result = parse_statement(
        "CREATE TEMP TABLE recent AS SELECT id, email FROM raw.users WHERE active; "
        "INSERT INTO mart.contacts (id, mail) SELECT id, SHA2(email) FROM recent;",
        dialect="snowflake",
    )

    assert (result.statement_type, result.in_tables, result.out_tables) == (
        "INSERT",
        ("raw.users",),
        ("mart.contacts",),
    )
    assert described(result) == {
        "mart.contacts.id": [("raw.users", "id", "identity", "DIRECT", "IDENTITY", False)],
        "mart.contacts.mail": [("raw.users", "email", "hashed", "DIRECT", "TRANSFORMATION", True)],
    }


def test_a_permanent_table_written_then_read_is_an_input_and_an_output():
    result = parse_statement(
        "CREATE TABLE stage.a AS SELECT id FROM raw.a; INSERT INTO mart.b SELECT id FROM stage.a;"
    )

    assert (result.in_tables, result.out_tables) == (("raw.a", "stage.a"), ("stage.a", "mart.b"))
    assert lineage(result) == {
        "stage.a.id": [("raw.a", "id", "identity")],
        "mart.b.id": [("stage.a", "id", "identity")],
    }


def test_a_statement_that_fails_is_a_warning_of_the_script():
    result = parse_statement(
        "INSERT INTO a SELECT x FROM b; INSERT INTO c SELECT FROM WHERE; DROP TABLE tmp_x;",
        dialect="snowflake",
    )

    assert (result.error, result.in_tables, result.out_tables) == (None, ("b",), ("a",))
    assert result.warnings[0].startswith("statement 2 of 3: could not parse")


def test_a_trailing_comment_after_the_semicolon_is_not_a_statement():
    result = parse_statement("INSERT INTO a SELECT x FROM b; -- nightly load, task 7")

    assert (result.statement_type, result.warnings, len(parse_script("SELECT 1; -- x"))) == (
        "INSERT",
        (),
        1,
    )


def test_a_routine_without_data_statements_is_empty_not_an_error():
    result = parse_statement(
        "CREATE PROCEDURE dbo.log_it AS BEGIN DECLARE @m NVARCHAR(10); SET @m = 'x'; PRINT @m END",
        dialect="tsql",
    )

    assert (result.error, result.in_tables, result.out_tables) == (None, (), ())
