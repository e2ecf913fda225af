"""Output columns of a query whose select list may hold stars sqlglot could not expand.

sqlglot expands `*` and `t.*` (with EXCLUDE/EXCEPT, REPLACE and RENAME) when it knows the
columns of every source. When it does not — no schema, or a schema that lists some
tables only — the star stays, and is spliced here: known sources contribute their
columns one by one, derived queries their own outputs, and a table whose columns are
unknown a single `*` output fed by `table.*`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from graph.sql.scopes import (
    Outputs,
    Upstreams,
    is_star,
    lateral_query,
    merge_alternative,
    predicted_from,
    selected,
)
from graph.sql.vocabulary import IDENTITY

if TYPE_CHECKING:
    from graph.sql.columns import ColumnResolver

STAR = "*"


class StarExpander:
    """Outputs of scopes (memoized), splicing unexpanded stars."""

    def __init__(self, resolver: ColumnResolver) -> None:
        self._resolver = resolver
        self._memo: dict[int, Outputs] = {}

    def outputs(self, scope: Scope) -> Outputs:
        """(name, upstreams) per output column of a scope's query, in order."""
        if id(scope) not in self._memo:
            self._memo[id(scope)] = []  # a recursive CTE reading itself sees no columns
            self._memo[id(scope)] = self._compute(scope)
        return self._memo[id(scope)]

    def _compute(self, scope: Scope) -> Outputs:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            return self._set_operation(scope)
        if not isinstance(query, exp.Select):
            return []
        result: Outputs = []
        for index, projection in enumerate(query.selects):
            if is_star(projection):
                result.extend(self._splice(scope, projection))
            else:
                result.append((projection.alias_or_name, self._resolver.column(scope, index)))
        return result

    def _set_operation(self, scope: Scope) -> Outputs:
        branches = [(branch, self.outputs(branch)) for branch in scope.set_operation_scopes]
        if not branches:
            return []
        result: Outputs = []
        for index, (name, upstreams) in enumerate(branches[0][1]):
            merged = dict(upstreams)
            for branch, outputs in branches[1:]:
                for upstream, kind in self._counterpart(branch, outputs, index, name).items():
                    merge_alternative(merged, upstream, kind)
            result.append((name, merged))
        return result

    def _counterpart(self, branch: Scope, outputs: Outputs, index: int, name: str) -> Upstreams:
        """What another UNION branch puts where the first branch has `name`."""
        has_star = any(output == STAR for output, _ in outputs)
        if not has_star:
            return outputs[index][1] if index < len(outputs) else {}
        if name == STAR:
            return {
                up: kind for output, ups in outputs if output == STAR for up, kind in ups.items()
            }
        return self._resolver.column(branch, name)  # by name, through the branch's star

    def _splice(self, scope: Scope, projection: exp.Expr) -> Outputs:
        star = projection if isinstance(projection, exp.Star) else projection.this
        sources = selected(scope)
        if isinstance(projection, exp.Column):
            table = projection.table
            sources = {table: sources[table]} if table in sources else {}
        entries: Outputs = []
        for source in sources.values():
            entries.extend(self._source_outputs(source, scope))
        return self._modified(entries, star, scope)

    def _source_outputs(self, source: object, scope: Scope) -> Outputs:
        resolver = self._resolver
        if isinstance(source, exp.Table):
            key = resolver.naming.table_key(source) or predicted_from(source, resolver.naming)
            if not key:
                return []
            known = resolver.known_columns(source)
            if known:
                return [(column, {(key, column): IDENTITY}) for column in known]
            return [(STAR, {(key, STAR): IDENTITY})]
        if not isinstance(source, Scope):
            return []
        if source.is_udtf and (inner := lateral_query(source)) is not None:
            return list(self.outputs(inner))
        if source.is_udtf:
            names = resolver.known_columns(source) or []
            return [(name, resolver.from_source(source, scope, name)) for name in names]
        return list(self.outputs(source))

    def _modified(self, entries: Outputs, star: exp.Star, scope: Scope) -> Outputs:
        """Apply `EXCLUDE`/`EXCEPT`, `REPLACE` and `RENAME` to spliced columns."""
        excluded = {column.name for column in star.args.get("except_") or []}
        renamed = {
            alias.this.name: alias.alias
            for alias in star.args.get("rename") or []
            if isinstance(alias, exp.Alias)
        }
        replaced = {
            alias.alias: self._resolver.expression(alias.this, scope)
            for alias in star.args.get("replace") or []
            if isinstance(alias, exp.Alias)
        }
        result: Outputs = []
        for name, upstreams in entries:
            if name in excluded:
                continue
            if name in replaced:
                upstreams = replaced.pop(name)
            result.append((renamed.pop(name, name), upstreams))
        # Columns hidden in a `*` of unknown columns: the modifier names them.
        result += list(replaced.items())
        result += [(new, self.through_star(scope, old)) for old, new in renamed.items()]
        return result

    def through_star(self, scope: Scope, name: str) -> Upstreams:
        """A column not named in a `SELECT *` query comes from whichever source has it."""
        query = scope.expression
        if not isinstance(query, exp.Select):
            return {}
        candidates: dict[str, object] = {}
        sources = selected(scope)
        for projection in query.selects:
            if isinstance(projection, exp.Star):
                candidates.update(sources)
            elif isinstance(projection, exp.Column) and is_star(projection):
                if projection.table in sources:
                    candidates[projection.table] = sources[projection.table]
        if not candidates:
            return {}
        source_name = self._resolver.guess_source(scope, name, candidates)
        if source_name is None:
            return {}
        return self._resolver.from_source(candidates[source_name], scope, name)
