"""`manage.py parse_sql --jsonl`: SQL statements in, lineage out, one JSON line each.

Input lines are `{"id", "sql", "dialect", "default_db", "default_schema", "schema"}`
(unknown keys ignored, dialect defaulting to snowflake); each gets exactly one output line
`{"id", "in_tables", "out_tables", "column_lineage", "error", "warnings"}`, in input order,
flushed as it is written so a caller can stream. Each upstream of `column_lineage` is
`{"table", "column", "transform", "type", "subtype", "masking"}`; a bare query's output
columns have `"table": null` downstream. A text holding several statements (a script, a
procedure) gets one line: the union of their lineage. A bad line or statement gets `error`
and the run goes on; a statement understood in part keeps its tables and resolved edges
and lists what was not in `warnings` (always present, possibly empty). Blank lines are
skipped. No database is touched.
"""

from __future__ import annotations

import json
import logging
import sys

from django.core.management.base import BaseCommand, CommandError

from graph.sql import LineageParser, ParseResult

_OPTIONAL_TEXT = ("dialect", "default_db", "default_schema")


class Command(BaseCommand):
    help = "Parse SQL statements (JSON lines on stdin) into table and column lineage (JSON lines)."
    requires_system_checks: list[str] = []  # a pure text filter: no models, no database

    def add_arguments(self, parser) -> None:
        parser.add_argument("--jsonl", action="store_true", help="read and write JSON lines")

    def handle(self, *args, **options) -> None:
        if not options["jsonl"]:
            raise CommandError("only --jsonl is supported: pipe JSON lines in on stdin")
        # sqlglot warns about every statement it falls back to an opaque command for.
        logging.getLogger("sqlglot").setLevel(logging.ERROR)
        parser = LineageParser()
        for raw in iter(sys.stdin.buffer.readline, b""):
            line = raw.decode("utf-8", errors="replace").strip()
            if line:
                self.stdout.write(json.dumps(_safe_parse_line(line, parser)))
                self.stdout.flush()


def _safe_parse_line(line: str, parser: LineageParser) -> dict:
    try:
        return parse_line(line, parser)
    except Exception as exc:  # one bad line must not end the stream
        return output_record(None, error=f"internal error: {type(exc).__name__}: {exc}")


def parse_line(line: str, parser: LineageParser) -> dict:
    """The output record for one input line; never raises."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        return output_record(None, error=f"invalid JSON: {exc}")
    if not isinstance(record, dict):
        return output_record(None, error="invalid input: expected a JSON object")
    record_id = record.get("id")
    problem = _input_problem(record)
    if problem:
        return output_record(record_id, error=f"invalid input: {problem}")
    result = parser.parse(
        record["sql"],
        dialect=record.get("dialect") or "snowflake",
        default_db=record.get("default_db"),
        default_schema=record.get("default_schema"),
        schema=record.get("schema"),
    )
    return output_record(record_id, result=result)


def _input_problem(record: dict) -> str | None:
    if not isinstance(record.get("sql"), str):
        return "missing sql" if "sql" not in record else "sql must be a string"
    for key in _OPTIONAL_TEXT:
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"{key} must be a string"
    if record.get("schema") is not None and not isinstance(record["schema"], dict):
        return 'schema must be an object like {"db.schema.table": {"column": "type"}}'
    return None


def output_record(
    record_id, *, result: ParseResult | None = None, error: str | None = None
) -> dict:
    """The contract's output shape; with no result, an error line with empty lineage."""
    if result is None:
        return {
            "id": record_id,
            "in_tables": [],
            "out_tables": [],
            "column_lineage": [],
            "error": error,
            "warnings": [],
        }
    return {
        "id": record_id,
        "in_tables": list(result.in_tables),
        "out_tables": list(result.out_tables),
        "column_lineage": [
            {
                "downstream": {"table": lineage.table, "column": lineage.column},
                "upstreams": [
                    {
                        "table": up.table,
                        "column": up.column,
                        "transform": up.transform,
                        "type": up.type,
                        "subtype": up.subtype,
                        "masking": up.masking,
                    }
                    for up in lineage.upstreams
                ],
            }
            for lineage in result.column_lineage
        ],
        "error": result.error,
        "warnings": list(result.warnings),
    }
