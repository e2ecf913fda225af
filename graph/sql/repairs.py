"""Text repairs for dialect syntax sqlglot does not read, applied before (re)parsing.

* T-SQL `GO` lines separate batches: they become `;`.
* T-SQL `OUTPUT … INTO dbo.audit (a, b)`: sqlglot reads `INTO @variable` only, so the table
  is swapped for a placeholder variable and put back into the parsed tree; the planner
  then treats the audit table as one more output (`graph.sql.statements`).
* T-SQL `UPDATE TOP (n)` / `DELETE TOP (n)`: the row limit changes no lineage and is dropped.
* Oracle `MERGE … UPDATE SET … DELETE WHERE cond`: the row deletion is dropped.

Only the GO rule runs on every T-SQL text (a cheap search); the others run after sqlglot
failed on the text as written.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

_GO = re.compile(r"^[ \t]*GO[ \t]*(?:\d+[ \t]*)?$", re.IGNORECASE | re.MULTILINE)
_OUTPUT_INTO = re.compile(
    r"(\bOUTPUT\b(?:(?!\bINTO\b).)+?\bINTO\s+)((?:\[[^\]]*\]|[\w#$]+)(?:\s*\.\s*(?:\[[^\]]*\]|[\w#$]+))*)"
    r"(\s*\(\s*(?:\[[^\]]*\]|\w+)(?:\s*,\s*(?:\[[^\]]*\]|\w+))*\s*\))?",
    re.IGNORECASE | re.DOTALL,
)
# sqlglot reads `DELETE t OUTPUT …` but not `DELETE FROM t OUTPUT …`
_DELETE_FROM_OUTPUT = re.compile(
    r"\bDELETE\s+FROM\s+(?=(?:\[[^\]]*\]|[\w#.])+\s+OUTPUT\b)", re.IGNORECASE
)
_TOP = re.compile(r"\b(UPDATE|DELETE)\s+TOP\s*\(\s*[^)]*\)\s*(PERCENT\s+)?", re.IGNORECASE)
_MERGE_DELETE_WHERE = re.compile(
    r"(\bUPDATE\s+SET\b(?:(?!\bWHEN\b).)+?)\bDELETE\s+WHERE\b(?:(?!\bWHEN\b).)+",
    re.IGNORECASE | re.DOTALL,
)
_PLACEHOLDER = "__output_into_"
TSQL = ("tsql", "fabric")


def batch_separators(sql: str, dialect: str) -> str:
    """T-SQL `GO` lines as statement separators."""
    if dialect in TSQL and "go" in sql.lower():
        return _GO.sub(";", sql)
    return sql


def repaired(sql: str, dialect: str) -> tuple[str, dict[str, tuple[str, list[str]]]] | None:
    """The text with unreadable T-SQL clauses rewritten, and the OUTPUT INTO tables it
    stands for; None when there is nothing to repair."""
    if dialect == "oracle":
        text = _MERGE_DELETE_WHERE.sub(lambda m: m.group(1), sql)
        return (text, {}) if text != sql else None
    if dialect not in TSQL:
        return None
    outputs: dict[str, tuple[str, list[str]]] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"{_PLACEHOLDER}{len(outputs)}"
        columns = [c.strip().strip("[]") for c in (match.group(3) or "").strip(" ()").split(",")]
        outputs[name] = (match.group(2), [c for c in columns if c])
        return f"{match.group(1)}@{name} "

    text = _OUTPUT_INTO.sub(placeholder, _DELETE_FROM_OUTPUT.sub("DELETE ", sql))
    text = _TOP.sub(lambda m: f"{m.group(1)} ", text)
    return (text, outputs) if text != sql else None


def restore_outputs(
    statement: exp.Expr, outputs: dict[str, tuple[str, list[str]]], dialect: Dialect
) -> exp.Expr:
    """Put the OUTPUT INTO tables back where the placeholders stand."""
    if not outputs:
        return statement
    for returning in statement.find_all(exp.Returning):
        into = returning.args.get("into")
        name = into.name if isinstance(into, exp.Parameter) else ""
        if name in outputs:
            table_text, columns = outputs[name]
            table = exp.to_table(table_text.replace("[", '"').replace("]", '"'), dialect=dialect)
            target = (
                exp.Schema(this=table, expressions=[exp.to_identifier(c) for c in columns])
                if columns
                else table
            )
            returning.set("into", target)
    return statement
