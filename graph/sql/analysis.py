"""One parsed statement → `ParseResult`: plan it, resolve each flow's columns, collect tables."""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from graph.sql.columns import (
    LATERAL_ALIAS_DIALECTS,
    ColumnResolver,
    Upstreams,
    merge_alternative,
    physical_tables,
    plain_scope,
    qualified_scope,
)
from graph.sql.names import Naming, SchemaIndex
from graph.sql.results import ColumnLineage, ColumnUpstream, ParseResult
from graph.sql.statements import Flow, plan_statement

# sqlglot's name for an unaliased expression (`_col_0`); the warehouse's differs, so skip it.
_GENERATED = re.compile(r"_col_\d+$")
# (target table, target column) → its upstreams, in the order targets were first written.
_Lineage = dict[tuple[str, str], Upstreams]


def analyze_statement(
    statement: exp.Expr, *, dialect: Dialect, naming: Naming, schema: SchemaIndex
) -> ParseResult:
    """Table and column lineage of one parsed (identifier-normalized) statement."""
    plan = plan_statement(statement, naming)
    in_tables = set(plan.in_tables)
    lineage: _Lineage = {}
    for flow in plan.flows:
        scope = qualified_scope(flow.query, dialect=dialect, naming=naming, schema=schema)
        if scope is None:
            continue
        in_tables |= physical_tables(scope, naming)
        resolver = ColumnResolver(naming, schema, lateral_aliases=_has_lateral_aliases(dialect))
        _record(lineage, flow.target, _flow_columns(flow, resolver.outputs(scope), schema))
    for query in plan.reads:
        in_tables |= physical_tables(plain_scope(query), naming)
    out_tables = tuple(dict.fromkeys(plan.out_tables))
    return ParseResult(
        in_tables=tuple(sorted(in_tables - set(out_tables))),
        out_tables=out_tables,
        column_lineage=_as_column_lineage(lineage),
        statement_type=plan.statement_type,
        renames=tuple(plan.renames),
    )


def _has_lateral_aliases(dialect: Dialect) -> bool:
    return type(dialect).__name__.lower() in LATERAL_ALIAS_DIALECTS


def _flow_columns(
    flow: Flow, outputs: list[tuple[str | None, Upstreams]], schema: SchemaIndex
) -> list[tuple[str, Upstreams]]:
    """Pair the query's outputs with target columns: by position when the target's columns
    are known (listed in the statement, or in the schema), else by output name."""
    names = flow.columns or (None if flow.by_name else schema.columns_of(flow.target))
    if names is None:
        return [(name, ups) for name, ups in outputs if name and not _GENERATED.match(name)]
    if any(name is None for name, _ in outputs):
        return []  # an unexpanded * hides which output sits at which position
    return [(name, upstreams) for name, (_, upstreams) in zip(names, outputs, strict=False)]


def _record(lineage: _Lineage, target: str, columns: list[tuple[str, Upstreams]]) -> None:
    for column, upstreams in columns:
        key = (target, column.lower())
        merged = lineage.setdefault(key, {})
        for upstream, transform in upstreams.items():
            if upstream != key:  # a column feeding itself (SET x = x + 1) adds no lineage
                merge_alternative(merged, upstream, transform)


def _as_column_lineage(lineage: _Lineage) -> tuple[ColumnLineage, ...]:
    return tuple(
        ColumnLineage(
            table=table,
            column=column,
            upstreams=tuple(
                ColumnUpstream(up_table, up_column, transform)
                for (up_table, up_column), transform in sorted(upstreams.items())
            ),
        )
        for (table, column), upstreams in lineage.items()
    )
