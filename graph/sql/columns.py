"""Column lineage of one query: which physical columns feed each output column, and how.

The query is qualified once (tables and columns, stars expanded from the caller's schema,
which may be partial); then each output column is followed through the scope tree —
CTEs, derived tables, UNION branches, scalar subqueries, lateral/unnest sources — down to
physical tables, composing the kind of every step (see `graph.sql.vocabulary`). A star
whose columns are unknown stays a `*` output fed by `table.*` upstreams.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.qualify_columns import qualify_columns
from sqlglot.optimizer.qualify_tables import qualify_tables
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import MappingSchema

from graph.sql.names import Naming, SchemaIndex
from graph.sql.scopes import (
    Outputs,
    Upstreams,
    is_star,
    lateral_query,
    merge_alternative,
    predicted_from,
    selected,
)
from graph.sql.stars import StarExpander
from graph.sql.transforms import DICTIONARY_FUNCTION, path_kind
from graph.sql.vocabulary import IDENTITY, WINDOW, then

# Marks a column written without a table qualifier: it may name an earlier select alias.
BARE = "lineage_bare"
# Dialects where a select-list expression may use an alias defined before it.
LATERAL_ALIAS_DIALECTS = frozenset(
    {"snowflake", "databricks", "spark", "redshift", "duckdb", "teradata", "clickhouse"}
)


def qualified_scope(
    query: exp.Query, *, dialect: Dialect, naming: Naming, schema: SchemaIndex
) -> Scope | None:
    """Qualify tables (with the defaults) and columns of `query`; its root scope.

    The schema is a hint: a column it does not list is still qualified where the query
    says which table it belongs to (`allow_partial_qualification`).
    """
    db = exp.to_identifier(naming.default_schema, quoted=True) if naming.default_schema else None
    catalog = exp.to_identifier(naming.default_db, quoted=True) if naming.default_db else None
    query = qualify_tables(query, db=db, catalog=catalog, dialect=dialect)
    for column in query.find_all(exp.Column):
        if not column.table:
            column.meta[BARE] = True
    mapping = schema.mapping or MappingSchema(dialect=dialect)
    # sqlglot would read every bare name that matches an earlier alias as that alias, even
    # where the table's own column wins (`SHA2(email) AS email, email AS raw`): the resolver
    # decides that instead, knowing the dialect.
    query = qualify_columns(
        query, mapping, expand_alias_refs=False, dialect=dialect, allow_partial_qualification=True
    )
    return build_scope(query)


def plain_scope(query: exp.Expr) -> Scope | None:
    """The scope tree of a query whose tables are all we need."""
    return build_scope(query)


def physical_tables(root: Scope | None, naming: Naming) -> set[str]:
    """Keys of every table (and stage) read anywhere in the scope tree.

    A table function's table arguments are read too: `ML.PREDICT(MODEL m, TABLE t)`,
    `SEMANTIC_VIEW(v …)`, `my_tvf(TABLE t)`.
    """
    tables: set[str] = set()
    for scope in root.traverse() if root else ():
        for source in scope.sources.values():
            if not isinstance(source, exp.Table):
                continue
            if key := naming.table_key(source):
                tables.add(key)
            elif not isinstance(source.this, exp.Identifier | exp.Dot):
                tables.update(filter(None, map(naming.table_key, source.this.find_all(exp.Table))))
                tables.update(_file_locations(source.this))
    return tables


class ColumnResolver:
    """Follows output columns of a qualified query down to physical columns.

    `notes` collects what could not be resolved (the statement's warnings).
    """

    def __init__(
        self, naming: Naming, schema: SchemaIndex, *, lateral_aliases: bool, notes: list[str]
    ) -> None:
        self.naming = naming
        self._schema = schema
        self._lateral_aliases = lateral_aliases
        self._notes = notes
        self._memo: dict[tuple[int, str | int], Upstreams] = {}
        self._active: set[tuple[int, str | int]] = set()
        self._stars = StarExpander(self)

    def outputs(self, scope: Scope) -> Outputs:
        """(name, upstreams) per output column, in order; `*` for an unexpanded star."""
        return self._stars.outputs(scope)

    def column(self, scope: Scope, key: str | int) -> Upstreams:
        """Upstreams of one output column (by name or position) of a scope's query."""
        memo_key = (id(scope), key)
        if memo_key in self._memo:
            return self._memo[memo_key]
        if memo_key in self._active:  # a recursive CTE refers to itself
            return {}
        self._active.add(memo_key)
        try:
            result = self._scope_column(scope, key)
        finally:
            self._active.discard(memo_key)
        self._memo[memo_key] = result
        return result

    def _scope_column(self, scope: Scope, key: str | int) -> Upstreams:
        query = scope.expression
        if isinstance(query, exp.SetOperation):
            return self._set_operation_column(scope, key)
        if not isinstance(query, exp.Select):
            return {}
        projection = _projection(query, key)
        if projection is None:
            return self._stars.through_star(scope, key) if isinstance(key, str) else {}
        if is_star(projection):
            return {}
        return self.expression(projection, scope)

    def _set_operation_column(self, scope: Scope, key: str | int) -> Upstreams:
        index = key if isinstance(key, int) else _index_of(scope.expression.named_selects, key)
        merged: Upstreams = {}
        if index is None and not isinstance(key, str):
            return merged
        for branch in scope.set_operation_scopes:  # by name when the name hides in a star
            for upstream, kind in self.column(branch, key if index is None else index).items():
                merge_alternative(merged, upstream, kind)
        return merged

    def expression(self, expression: exp.Expr, scope: Scope) -> Upstreams:
        """Upstreams of every column, dictionary and scalar subquery inside one expression."""
        result: Upstreams = {}
        for node in _value_nodes(expression):
            step = path_kind(node, expression)
            if isinstance(node, exp.Column):
                found = self._column_reference(node, scope)
            elif isinstance(node, exp.Anonymous):
                found = self._dictionary(node)
            else:
                found = self._subquery(node, scope)
            for upstream, kind in found.items():
                merge_alternative(result, upstream, then(kind, step))
        if isinstance(scope.expression, exp.Select) and scope.expression.args.get("windows"):
            self._named_windows(expression, scope, result)
        return result

    def _named_windows(self, expression: exp.Expr, scope: Scope, result: Upstreams) -> None:
        """`OVER w … WINDOW w AS (PARTITION BY …)`: the named window's keys are WINDOW
        upstreams of the expressions that use it."""
        named = {w.name: w for w in scope.expression.args["windows"]}
        for window in expression.find_all(exp.Window):
            definition = named.get(window.alias) if window.alias else None
            if definition is None:
                continue
            step = then(WINDOW, path_kind(window, expression))
            keys = [*(definition.args.get("partition_by") or []), definition.args.get("order")]
            for key in filter(None, keys):
                for column in key.find_all(exp.Column):
                    for upstream, kind in self._column_reference(column, scope).items():
                        merge_alternative(result, upstream, then(kind, step))

    def _column_reference(self, column: exp.Column, scope: Scope) -> Upstreams:
        alias = self._lateral_alias(column, scope) or _array_join_alias(column, scope)
        if alias is not None:
            return self.expression(alias, scope)
        name = column.name
        source_name = column.table or self.guess_source(scope, name, selected(scope))
        source, owner = _find_source(scope, source_name) if source_name else (None, None)
        if isinstance(source, Scope) and source.is_udtf and lateral_query(source) is scope:
            # sqlglot qualifies a LATERAL subquery's own columns with the LATERAL's alias
            source_name = self.guess_source(scope, name, selected(scope))
            source, owner = _find_source(scope, source_name) if source_name else (None, None)
        return self.from_source(source, owner, name)

    def _lateral_alias(self, column: exp.Column, scope: Scope) -> exp.Expr | None:
        """The earlier projection a bare name refers to (`a + 1 AS x, x * 2 AS y`), if any.

        A column of a source wins over an alias of the same name, as in the warehouses.
        Without a schema, an alias is taken to shadow a source column when its own
        expression uses that name (`SHA2(email) AS email`).
        """
        if not (self._lateral_aliases and column.meta.get(BARE)):
            return None
        if not isinstance(scope.expression, exp.Select):
            return None
        name = column.name
        earlier = _earlier_alias(scope.expression, column, name)
        if earlier is None:
            return None
        known = [self.known_columns(source) for source in selected(scope).values()]
        if any(columns is not None and name in columns for columns in known):
            return None
        if all(columns is not None for columns in known):
            return earlier.this
        shadows = any(c.name == name for c in earlier.this.find_all(exp.Column))
        return None if shadows else earlier.this

    def from_source(self, source, owner: Scope | None, name: str) -> Upstreams:
        """Upstreams of column `name` of one source (a table, a derived query, a UDTF)."""
        if isinstance(source, exp.Table):
            key = self.naming.table_key(source) or predicted_from(source, self.naming)
            if key and name.startswith("predicted_") and isinstance(source.this, exp.Predict):
                return {}  # the model's output, not a column of its input
            return {(key, name): IDENTITY} if key else {}
        if not isinstance(source, Scope) or owner is None:
            return {}
        if source.is_udtf:
            inner = lateral_query(source)
            return self.column(inner, name) if inner else self._udtf(source, owner)
        return self.column(source, name)

    def _udtf(self, udtf: Scope, owner: Scope) -> Upstreams:
        """UNNEST/FLATTEN/LATERAL: the unnested values are the argument's values."""
        result: Upstreams = {}
        own_alias = udtf.expression.alias
        for node in _value_nodes(udtf.expression):
            if isinstance(node, exp.Column) and not (own_alias and node.table == own_alias):
                step = path_kind(node, udtf.expression)
                for upstream, kind in self._column_reference(node, owner).items():
                    merge_alternative(result, upstream, then(kind, step))
        return result

    def _dictionary(self, call: exp.Anonymous) -> Upstreams:
        """`dictGet('db.dict', 'attr', key)`: the value is the dictionary's attribute."""
        args = call.expressions
        dictionary = dictionary_key(call, self.naming)
        attribute = args[1] if len(args) > 1 else None
        if dictionary is None or not (isinstance(attribute, exp.Literal) and attribute.is_string):
            return {}
        return {(dictionary, attribute.name.lower()): IDENTITY}

    def _subquery(self, node: exp.Expr, scope: Scope) -> Upstreams:
        query = node.unnest() if isinstance(node, exp.Subquery) else node
        for child in scope.subquery_scopes:
            if child.expression is query:
                return self.column(child, 0)
        return {}

    def guess_source(self, scope: Scope, name: str, sources: dict) -> str | None:
        """The one source an unqualified column can come from, if there is exactly one."""
        if len(sources) == 1:
            return next(iter(sources))
        sure, maybe = [], []
        for source_name, source in sources.items():
            known = self.known_columns(source)
            if known is None:
                maybe.append(source_name)
            elif name in known:
                sure.append(source_name)
        if len(sure) == 1:
            return sure[0]
        if not sure and len(maybe) == 1:
            return maybe[0]
        if sources:
            candidates = ", ".join(sorted(sure or maybe or sources))
            self._notes.append(f"column {name}: could not tell which of {candidates} it is from")
        return None

    def known_columns(self, source) -> list[str] | None:
        """The columns a source is known to have, or None when they are not known."""
        if isinstance(source, exp.Table):
            return self._schema.columns_of(self.naming.table_key(source))
        if isinstance(source, Scope) and source.is_udtf:
            inner = lateral_query(source)
            return self.known_columns(inner) if inner else _alias_columns(source.expression)
        if isinstance(source, Scope):
            query = source.expression
            if isinstance(query, exp.Query) and not any(is_star(s) for s in query.selects):
                return query.named_selects
        return None


def dictionary_key(call: exp.Anonymous, naming: Naming) -> str | None:
    """The key of the dictionary a ClickHouse `dictGet…(dict, …)` call reads."""
    first = call.expressions[0] if call.expressions else None
    if isinstance(first, exp.Literal) and first.is_string:
        parts = first.name.split(".")
    elif isinstance(first, exp.Column | exp.Dot | exp.Identifier):
        parts = [part.name for part in first.parts] if hasattr(first, "parts") else [first.name]
    else:
        return None
    return naming.qualify([part.strip('`"') for part in parts if part.strip('`"')]) or None


def _array_join_alias(column: exp.Column, scope: Scope) -> exp.Expr | None:
    """ClickHouse `ARRAY JOIN arr AS x`: a bare `x` is an element of `arr`."""
    query = scope.expression
    if not (column.meta.get(BARE) and isinstance(query, exp.Select)):
        return None
    for join in query.args.get("joins") or []:
        target = join.this
        if join.kind == "ARRAY" and isinstance(target, exp.Alias) and target.alias == column.name:
            return target.this
    return None


def _file_locations(function: exp.Expr) -> list[str]:
    """Files a table function reads: `read_parquet('s3://…')`, `read_csv('/data/x.csv')`."""
    return [
        literal.name.strip()
        for literal in function.find_all(exp.Literal)
        if literal.is_string and ("://" in literal.name or literal.name.startswith("/"))
    ]


def _earlier_alias(select: exp.Select, column: exp.Column, name: str) -> exp.Alias | None:
    """The projection aliased `name` that comes before the one holding `column`."""
    holder = column
    while holder.parent is not None and holder.parent is not select:
        holder = holder.parent
    if holder.arg_key != "expressions":  # not in the select list (e.g. a LATERAL argument)
        return None
    found = None
    for projection in select.expressions:
        if projection is holder:
            return found
        if found is None and isinstance(projection, exp.Alias) and projection.alias == name:
            found = projection
    return None


def _alias_columns(udtf: exp.Expr) -> list[str] | None:
    """Column names a table function's alias declares (`UNNEST(x) AS e(email)`), if any."""
    alias = udtf.args.get("alias")
    names = [column.name for column in alias.columns] if isinstance(alias, exp.TableAlias) else []
    return names or None


def _find_source(scope: Scope, name: str) -> tuple[object, Scope | None]:
    """The source an alias names, looking outwards for correlated references."""
    current: Scope | None = scope
    while current is not None:
        if name in current.sources:
            return current.sources[name], current
        current = current.parent
    return None, None


def _projection(query: exp.Select, key: str | int) -> exp.Expr | None:
    selects = query.selects
    if isinstance(key, int):
        return selects[key] if key < len(selects) else None
    return next((s for s in selects if s.alias_or_name == key), None)


def _index_of(names: list[str], name: str) -> int | None:
    return names.index(name) if name in names else None


def _value_nodes(expression: exp.Expr):
    """Column references, dictionary lookups and nested queries in an expression.

    Nested queries are yielded, not entered. Lambda parameters (`x -> x + 1`) are not
    columns and are skipped; a dictionary's name and attribute arguments are not columns.
    """
    stack: list[tuple[exp.Expr, frozenset[str]]] = [(expression, frozenset())]
    while stack:
        node, params = stack.pop()
        if isinstance(node, exp.Column):
            if not is_star(node) and not (not node.table and node.name in params):
                yield node
        elif node is not expression and isinstance(node, exp.Query | exp.Subquery):
            yield node
        elif isinstance(node, exp.Anonymous) and DICTIONARY_FUNCTION.match(str(node.name)):
            yield node
            stack.extend((key, params) for key in node.expressions[2:])
        else:
            if isinstance(node, exp.Lambda):
                params = params | {arg.name for arg in node.expressions}
            stack.extend((child, params) for child in node.iter_expressions())
