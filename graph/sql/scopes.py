"""Small helpers over sqlglot scopes and upstream maps, shared by the column walkers."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from graph.sql.names import Naming
from graph.sql.vocabulary import either

# (table key, column) → kind (see `graph.sql.vocabulary`)
Upstreams = dict[tuple[str, str], int]
# (output column name, its upstreams), in select-list order; `*` for an unexpanded star
Outputs = list[tuple[str, Upstreams]]


def merge_alternative(into: Upstreams, key: tuple[str, str], kind: int) -> None:
    """Record one more path to `key`; the least-masked path wins."""
    into[key] = either(into[key], kind) if key in into else kind


def is_star(projection: exp.Expr) -> bool:
    """An unexpanded `*` or `t.*` left in a select list (no schema to expand it)."""
    return isinstance(projection, exp.Star) or (
        isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
    )


def selected(scope: Scope) -> dict[str, object]:
    """FROM/JOIN sources of a scope by alias (CTE definitions it only could use excluded)."""
    return {name: source for name, (_, source) in scope.selected_sources.items()}


def lateral_query(udtf: Scope) -> Scope | None:
    """The query of `LATERAL (SELECT …) x`, which sqlglot scopes as a table function."""
    if isinstance(udtf.expression, exp.Lateral) and udtf.subquery_scopes:
        return udtf.subquery_scopes[0]
    return None


def predicted_from(source: exp.Table, naming: Naming) -> str | None:
    """BigQuery `ML.PREDICT(MODEL m, TABLE t)`: t, whose columns pass through."""
    if isinstance(source.this, exp.Predict) and isinstance(source.this.expression, exp.Table):
        return naming.table_key(source.this.expression)
    return None
