"""Compact views of a `ParseResult` for assertions."""

from __future__ import annotations

from graph.sql import ParseResult, parse_statement


def lineage(result: ParseResult) -> dict[str, list[tuple[str, str, str]]]:
    """`{"table.column": [(upstream table, column, transform), …]}`; a bare query's output
    columns are keyed by their name alone."""
    assert result.error is None, result.error
    return {
        _down(item.table, item.column): [(u.table, u.column, u.transform) for u in item.upstreams]
        for item in result.column_lineage
    }


def described(result: ParseResult) -> dict[str, list[tuple]]:
    """Like `lineage`, with OpenLineage's type, subtype and masking on every upstream."""
    assert result.error is None, result.error
    return {
        _down(item.table, item.column): [
            (u.table, u.column, u.transform, u.type, u.subtype, u.masking) for u in item.upstreams
        ]
        for item in result.column_lineage
    }


def upstreams_of(sql: str, column: str, **kwargs) -> list[tuple[str, str, str]]:
    """Upstreams of one downstream column (`table.column`) of a statement."""
    return lineage(parse_statement(sql, **kwargs))[column]


def edges(result: ParseResult) -> set[tuple]:
    """Column edges as (downstream table, column, upstream table, column)."""
    return {
        (item.table, item.column, u.table, u.column)
        for item in result.column_lineage
        for u in item.upstreams
    }


def _down(table: str | None, column: str) -> str:
    return column if table is None else f"{table}.{column}"
