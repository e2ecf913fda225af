"""`manage.py parse_sql --jsonl`, run for real in a subprocess as its callers run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


# The command must run where only `make run`'s SQLite exists; it never opens it.
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local",
    "DATABASE_URL": "sqlite:////tmp/parse_sql_test.db",
}
COMMAND = [sys.executable, "manage.py", "parse_sql"]


def run_command(*lines: str, args: tuple[str, ...] = ("--jsonl",)) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*COMMAND, *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ENV,
        timeout=120,
    )


def outputs(*lines: str) -> list[dict]:
    completed = run_command(*lines)
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines()]


def test_good_and_bad_lines_each_get_one_answer_in_input_order():
    lines = [
        json.dumps(
            {
                "id": "q1",
                "sql": "INSERT INTO mart.users (id, email_hash) SELECT id, SHA2(email) FROM raw.users",
                "dialect": "snowflake",
                "default_db": "ANALYTICS",
                "default_schema": None,
                "warehouse": "ignored",
            }
        ),
        "this is not json",
        json.dumps({"id": 3, "dialect": "postgres"}),
        json.dumps({"id": 4, "sql": "SELECT * FROM WHERE", "dialect": "postgres"}),
        "",
        json.dumps({"id": 5, "sql": "SELECT 1", "dialect": "db2"}),
        json.dumps(
            {
                "id": 6,
                "sql": "CREATE TABLE public.copy AS SELECT * FROM users",
                "dialect": "postgres",
                "default_schema": "public",
                "schema": {"PUBLIC.USERS": {"ID": "int"}},
            }
        ),
    ]

    results = outputs(*lines)

    assert results == [
        {
            "id": "q1",
            "in_tables": ["analytics.raw.users"],
            "out_tables": ["analytics.mart.users"],
            "column_lineage": [
                {
                    "downstream": {"table": "analytics.mart.users", "column": "id"},
                    "upstreams": [
                        {
                            "table": "analytics.raw.users",
                            "column": "id",
                            "transform": "identity",
                            "type": "DIRECT",
                            "subtype": "IDENTITY",
                            "masking": False,
                        }
                    ],
                },
                {
                    "downstream": {"table": "analytics.mart.users", "column": "email_hash"},
                    "upstreams": [
                        {
                            "table": "analytics.raw.users",
                            "column": "email",
                            "transform": "hashed",
                            "type": "DIRECT",
                            "subtype": "TRANSFORMATION",
                            "masking": True,
                        }
                    ],
                },
            ],
            "error": None,
            "warnings": [],
        },
        {
            "id": None,
            "in_tables": [],
            "out_tables": [],
            "column_lineage": [],
            "error": "invalid JSON: Expecting value: line 1 column 1 (char 0)",
            "warnings": [],
        },
        {
            "id": 3,
            "in_tables": [],
            "out_tables": [],
            "column_lineage": [],
            "error": "invalid input: missing sql",
            "warnings": [],
        },
        {
            "id": 4,
            "in_tables": [],
            "out_tables": [],
            "column_lineage": [],
            "error": "could not parse: Expected table name but got 'WHERE' at line 1, col 19",
            "warnings": [],
        },
        {
            "id": 5,
            "in_tables": [],
            "out_tables": [],
            "column_lineage": [],
            "error": results[4]["error"],
            "warnings": [],
        },
        {
            "id": 6,
            "in_tables": ["public.users"],
            "out_tables": ["public.copy"],
            "column_lineage": [
                {
                    "downstream": {"table": "public.copy", "column": "id"},
                    "upstreams": [
                        {
                            "table": "public.users",
                            "column": "id",
                            "transform": "identity",
                            "type": "DIRECT",
                            "subtype": "IDENTITY",
                            "masking": False,
                        }
                    ],
                }
            ],
            "error": None,
            "warnings": [],
        },
    ]
    assert results[4]["error"].startswith("unknown dialect 'db2'")


def test_a_query_a_script_and_a_partly_understood_statement():
    query = {
        "id": "bi",
        "sql": "SELECT c.email, COUNT(o.id) AS orders FROM crm.customers c "
        "JOIN sales.orders o ON o.customer_id = c.id GROUP BY c.email",
        "dialect": "postgres",
        "default_db": "shop",
    }
    script = {
        "id": "proc",
        "sql": "BEGIN CREATE TEMPORARY TABLE recent AS SELECT id, email FROM raw.users; "
        "INSERT INTO mart.contacts (id, mail) SELECT id, email FROM recent; END;",
    }
    partial = {
        "id": "dbt",
        "sql": "CREATE TABLE m.out AS SELECT a.id, b.label FROM m.a a JOIN m.b b USING (id)",
        "schema": {"m.a": {"id": "int"}, "m.b": {"label": "text"}},  # a few documented columns
    }

    bi, proc, dbt = outputs(json.dumps(query), json.dumps(script), json.dumps(partial))

    assert bi["in_tables"] == ["shop.crm.customers", "shop.sales.orders"]
    assert bi["out_tables"] == []
    assert bi["column_lineage"][0]["downstream"] == {"table": None, "column": "email"}
    assert bi["column_lineage"][1]["upstreams"] == [
        {
            "table": "shop.sales.orders",
            "column": "id",
            "transform": "aggregated",
            "type": "DIRECT",
            "subtype": "AGGREGATION",
            "masking": True,
        }
    ]
    assert (proc["in_tables"], proc["out_tables"], proc["error"]) == (
        ["raw.users"],
        ["mart.contacts"],
        None,
    )
    assert [c["upstreams"][0]["column"] for c in proc["column_lineage"]] == ["id", "email"]
    assert (dbt["in_tables"], dbt["out_tables"], dbt["error"]) == (["m.a", "m.b"], ["m.out"], None)
    assert {c["downstream"]["column"] for c in dbt["column_lineage"]} == {"id", "label"}
    assert dbt["warnings"] and "schema" in dbt["warnings"][0]


def test_inputs_of_the_wrong_shape_are_reported_by_id():
    results = outputs(
        json.dumps([1, 2]),
        json.dumps({"id": "a", "sql": 42}),
        json.dumps({"id": "b", "sql": "SELECT 1", "schema": ["not", "a", "mapping"]}),
        json.dumps({"id": "c", "sql": "SELECT 1", "default_db": 7}),
    )

    assert [(r["id"], r["error"]) for r in results] == [
        (None, "invalid input: expected a JSON object"),
        ("a", "invalid input: sql must be a string"),
        (
            "b",
            'invalid input: schema must be an object like {"db.schema.table": {"column": "type"}}',
        ),
        ("c", "invalid input: default_db must be a string"),
    ]


def test_dialect_defaults_to_snowflake_and_repeated_statements_stay_in_order():
    template = '{{"id": {n}, "sql": "INSERT INTO t SELECT a FROM s WHERE d = \'{n}\'"}}'

    results = outputs(*(template.format(n=n) for n in range(5)))

    assert [r["id"] for r in results] == [0, 1, 2, 3, 4]
    assert all(r["in_tables"] == ["s"] and r["out_tables"] == ["t"] for r in results)
    assert all(r["error"] is None for r in results)


def test_each_answer_is_flushed_before_the_next_line_arrives():
    process = subprocess.Popen(
        [*COMMAND, "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=ENV,
    )
    try:
        process.stdin.write(json.dumps({"id": 1, "sql": "DROP TABLE a.b"}) + "\n")
        process.stdin.flush()
        first = json.loads(process.stdout.readline())  # stdin still open: only a flush gets here
    finally:
        process.stdin.close()
        process.wait(timeout=60)

    assert (first["id"], first["out_tables"]) == (1, ["a.b"])


def test_without_jsonl_the_command_refuses():
    completed = run_command(args=())

    assert completed.returncode != 0
    assert "--jsonl" in completed.stderr
