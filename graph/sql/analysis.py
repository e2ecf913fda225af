"""One parsed statement → `ParseResult`: plan it, resolve each flow's columns, collect tables.

Partial knowledge never loses table lineage. Column resolution is tried at three depths,
each on a fresh parse of the statement, and what a shallower one could not do is said in
the result's `warnings`:

1. with the caller's schema (expands stars, places unqualified columns);
2. without it, when sqlglot cannot fit the schema to the statement (`Depth.NO_SCHEMA`);
3. tables only, when the columns cannot be resolved at all (`Depth.TABLES`).
"""

from __future__ import annotations

import enum
import re

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from graph.sql.columns import (
    LATERAL_ALIAS_DIALECTS,
    ColumnResolver,
    dictionary_key,
    physical_tables,
    plain_scope,
    qualified_scope,
)
from graph.sql.names import Naming, SchemaIndex
from graph.sql.results import ColumnLineage, ColumnUpstream, ParseResult
from graph.sql.scopes import Upstreams, merge_alternative
from graph.sql.stars import STAR
from graph.sql.statements import Flow, plan_statement
from graph.sql.transforms import DICTIONARY_FUNCTION
from graph.sql.vocabulary import DESCRIPTIONS

# sqlglot's name for an unaliased expression (`_col_0`); the warehouse's differs, so skip it.
_GENERATED = re.compile(r"_col_\d+$")
# (target table, target column) → its upstreams, in the order targets were first written.
_Lineage = dict[tuple[str | None, str], Upstreams]


class Depth(enum.Enum):
    """How far column lineage is resolved (see the module doc)."""

    SCHEMA = "schema"
    NO_SCHEMA = "no_schema"
    TABLES = "tables"


class ColumnsUnresolved(Exception):
    """Column resolution failed at one depth; the caller retries one shallower."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def analyze_statement(
    statement: exp.Expr,
    *,
    dialect: Dialect,
    naming: Naming,
    schema: SchemaIndex,
    depth: Depth = Depth.SCHEMA,
    notes: list[str] | None = None,
) -> ParseResult:
    """Table and column lineage of one parsed (identifier-normalized) statement.

    Raises `ColumnsUnresolved` when columns cannot be resolved at this depth.
    """
    notes = [] if notes is None else notes
    plan = plan_statement(statement, naming, dialect)
    notes.extend(plan.notes)
    in_tables = set(plan.in_tables)
    lineage: _Lineage = {}
    if depth is Depth.NO_SCHEMA:
        schema = SchemaIndex()
    for flow in plan.flows:
        in_tables |= _flow(flow, lineage, dialect, naming, schema, depth, notes)
    for query in plan.reads:
        in_tables |= physical_tables(plain_scope(query), naming)
    if type(dialect).__name__.lower() == "clickhouse":
        in_tables |= _dictionaries(statement, naming)
    if plan.target_read:  # the written table is read only if its columns feed what is written
        in_tables.discard(plan.target_read)
        if any(up[0] == plan.target_read for ups in lineage.values() for up in ups):
            in_tables.add(plan.target_read)
    return ParseResult(
        in_tables=tuple(sorted(in_tables)),
        out_tables=tuple(dict.fromkeys(plan.out_tables)),
        column_lineage=_as_column_lineage(lineage),
        statement_type=plan.statement_type,
        renames=tuple(plan.renames),
        warnings=tuple(dict.fromkeys(notes)),
        temporary=tuple(plan.temporary),
    )


def _flow(
    flow: Flow,
    lineage: _Lineage,
    dialect: Dialect,
    naming: Naming,
    schema: SchemaIndex,
    depth: Depth,
    notes: list[str],
) -> set[str]:
    """Record one flow's column lineage; the tables it reads."""
    if depth is Depth.TABLES:
        return physical_tables(plain_scope(flow.query), naming)
    try:
        scope = qualified_scope(flow.query, dialect=dialect, naming=naming, schema=schema)
        if scope is None:
            return set()
        resolver = ColumnResolver(
            naming, schema, lateral_aliases=_has_lateral_aliases(dialect), notes=notes
        )
        outputs = resolver.outputs(scope)
    except RecursionError:
        raise
    except Exception as exc:  # sqlglot's optimizer raises more than OptimizeError
        raise ColumnsUnresolved(exc) from exc
    _record(lineage, flow.target, _flow_columns(flow, outputs, schema, notes))
    return physical_tables(scope, naming)


def _has_lateral_aliases(dialect: Dialect) -> bool:
    return type(dialect).__name__.lower() in LATERAL_ALIAS_DIALECTS


def _flow_columns(
    flow: Flow, outputs: list[tuple[str, Upstreams]], schema: SchemaIndex, notes: list[str]
) -> list[tuple[str, Upstreams]]:
    """Pair the query's outputs with target columns: by position when the target's columns
    are known (listed in the statement, or in the schema), else by output name."""
    names = flow.columns or (None if flow.by_name else schema.columns_of(flow.target))
    star = any(name == STAR for name, _ in outputs)
    if names is None or (star and not flow.columns):  # an unknown star lands as `*`
        return [(name, ups) for name, ups in outputs if name and not _GENERATED.match(name)]
    if star:
        notes.append(
            f"{flow.target}: SELECT * over a table whose columns are unknown cannot be matched"
            " to the written columns by position"
        )
        return []
    return [(name, upstreams) for name, (_, upstreams) in zip(names, outputs, strict=False)]


def _record(lineage: _Lineage, target: str | None, columns: list[tuple[str, Upstreams]]) -> None:
    for column, upstreams in columns:
        merged = lineage.setdefault((target, column.lower()), {})
        for upstream, kind in upstreams.items():
            merge_alternative(merged, upstream, kind)


def _dictionaries(statement: exp.Expr, naming: Naming) -> set[str]:
    """ClickHouse dictionaries read through `dictGet…` anywhere in the statement."""
    return {
        key
        for call in statement.find_all(exp.Anonymous)
        if DICTIONARY_FUNCTION.match(str(call.name)) and (key := dictionary_key(call, naming))
    }


def _as_column_lineage(lineage: _Lineage) -> tuple[ColumnLineage, ...]:
    return tuple(
        ColumnLineage(
            table=table,
            column=column,
            upstreams=tuple(
                ColumnUpstream(up_table, up_column, *DESCRIPTIONS[kind])
                for (up_table, up_column), kind in sorted(upstreams.items())
            ),
        )
        for (table, column), upstreams in lineage.items()
    )
