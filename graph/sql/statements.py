"""Each statement kind reduced to a `Plan`: what it writes, and which queries feed it.

A write is a `Flow`: a query whose output columns land, in order, in a target table.
DML that is not literally a query (MERGE clauses, UPDATE … SET) becomes a synthetic
SELECT of the assigned expressions over the same sources, so one column walker serves
every statement kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from graph.sql.names import Naming


@dataclass
class Flow:
    """Rows of `query` written to `target`: into `columns` by position, else by name."""

    target: str
    query: exp.Query
    columns: list[str] | None = None
    by_name: bool = False


@dataclass
class Plan:
    """Everything the statement reads and writes, before columns are resolved."""

    statement_type: str
    out_tables: list[str] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    reads: list[exp.Expr] = field(default_factory=list)  # queries read, not column-mapped
    in_tables: list[str] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)


class UnsupportedStatement(ValueError):
    """sqlglot fell back to an opaque command for a statement that writes data."""


_WRITING_COMMANDS = {"INSERT", "MERGE", "UPDATE", "UPSERT", "REPLACE"}


def plan_statement(statement: exp.Expr, naming: Naming) -> Plan:
    """The plan of one parsed statement."""
    for kind, planner in _PLANNERS:
        if isinstance(statement, kind):
            return planner(statement, naming)
    if isinstance(statement, exp.Command) and str(statement.this).upper() in _WRITING_COMMANDS:
        raise UnsupportedStatement(
            f"unsupported syntax: could not parse this {str(statement.this).upper()} statement"
        )
    return Plan("OTHER")


def _as_query(node: exp.Expr | None) -> exp.Query | None:
    while isinstance(node, exp.Subquery) and not node.alias:
        node = node.this
    return node if isinstance(node, exp.Query) else None


def _with_ctes(query: exp.Query, statement: exp.Expr) -> exp.Query:
    """Move a statement-level WITH (`WITH c AS … INSERT …`) onto the query that uses it."""
    with_ = statement.args.get("with_")
    if with_ and isinstance(query, exp.Select | exp.SetOperation):
        own = query.args.get("with_")
        if own:
            own.set("expressions", [*with_.expressions, *own.expressions])
        else:
            query.set("with_", with_)
        statement.set("with_", None)
    return query


def _target(node: exp.Expr, naming: Naming) -> tuple[str | None, list[str] | None]:
    """Key and explicit column list of a write target (`t` or `t (a, b)`)."""
    if isinstance(node, exp.Schema):
        columns = [
            col.name
            for col in node.expressions
            if isinstance(col, exp.Identifier | exp.ColumnDef | exp.Column)
        ]
        return naming.table_key(node.this), columns or None
    return naming.table_key(node), None


def _plan_query(statement: exp.Query, naming: Naming) -> Plan:
    into = statement.args.get("into") if isinstance(statement, exp.Select) else None
    if not into:
        return Plan("SELECT", reads=[statement])
    target, _ = _target(into.this, naming)
    if target is None:
        return Plan("SELECT", reads=[statement])
    statement.set("into", None)
    # A new table takes the query's column names; never map onto an old table's order.
    return Plan("CTAS", out_tables=[target], flows=[Flow(target, statement, by_name=True)])


def _plan_create(statement: exp.Create, naming: Naming) -> Plan:
    kind = str(statement.args.get("kind") or "").upper()
    if "TABLE" not in kind and "VIEW" not in kind:
        return Plan("OTHER")
    target, columns = _target(statement.this, naming)
    statement_type = "VIEW" if "VIEW" in kind else "CTAS"
    query = _as_query(statement.expression)
    clone = statement.args.get("clone")
    if query is None and clone is not None:
        query = exp.select("*").from_(clone.this.copy())
    if query is None or target is None:
        return Plan("OTHER", out_tables=[target] if target else [])
    # Without an explicit column list, CREATE [OR REPLACE] names the columns after the
    # query's outputs: a replaced table's old column order must not be used.
    flow = Flow(target, _with_ctes(query, statement), columns, by_name=columns is None)
    return Plan(statement_type, out_tables=[target], flows=[flow])


def _plan_insert(statement: exp.Insert, naming: Naming) -> Plan:
    target, columns = _target(statement.this, naming)
    if target is None:
        return Plan("OTHER")
    query = _as_query(statement.expression)
    plan = Plan("INSERT", out_tables=[target])
    if query is None or isinstance(query, exp.Values):
        plan.reads.extend(statement.expression.find_all(exp.Select) if statement.expression else [])
        return plan
    by_name = bool(statement.args.get("by_name"))
    plan.flows.append(Flow(target, _with_ctes(query, statement), columns, by_name=by_name))
    return plan


def _plan_multitable_insert(statement: exp.MultitableInserts, naming: Naming) -> Plan:
    """Snowflake INSERT ALL/FIRST and Hive FROM … INSERT …: INTO clauses over one source."""
    source = statement.args.get("source")
    plan = Plan("INSERT")
    for item in statement.expressions:
        insert = item.this if isinstance(item, exp.ConditionalInsert) else item
        target, columns = _target(insert.this, naming)
        if target is None or source is None:
            continue
        plan.out_tables.append(target)
        plan.flows.append(Flow(target, _multitable_query(insert.expression, source), columns))
    return plan


def _multitable_query(body: exp.Expr | None, source: exp.Expr) -> exp.Select:
    """The rows one INTO clause writes, as a SELECT over the shared source."""
    if isinstance(source, exp.Table) or (isinstance(source, exp.Subquery) and source.alias):
        relation = source.copy()
    else:
        relation = source.copy().subquery("_source")
    if isinstance(body, exp.Select):  # Hive: FROM s INSERT … SELECT a
        return body.copy().from_(relation)
    row = body.expressions[0].expressions if isinstance(body, exp.Values) else None
    projections = [expr.copy() for expr in row] if row else [exp.Star()]
    return exp.select(*projections).from_(relation)


def _plan_merge(statement: exp.Merge, naming: Naming) -> Plan:
    target_table = statement.this
    target = naming.table_key(target_table)
    using = statement.args.get("using")
    plan = Plan("MERGE", out_tables=[target] if target else [])
    if target is None or using is None:
        return plan
    columns, expressions = [], []
    for when in (statement.args.get("whens") or exp.Whens()).expressions:
        for column, expression in _merge_assignments(when.args.get("then"), using):
            columns.append(column)
            expressions.append(expression)
    if expressions:
        query = _assignment_select(expressions, [using], target_table)
        plan.flows.append(Flow(target, _with_ctes(query, statement), columns))
    if _merge_has_star(statement):
        query = exp.select(exp.column(exp.Star(), table=using.alias_or_name)).from_(using.copy())
        plan.flows.append(Flow(target, _with_ctes(query, statement), by_name=True))
    if not plan.flows:  # e.g. only DELETE clauses: the source is still read
        if (source := _as_query(using)) is not None:
            plan.reads.append(source)
        elif key := naming.table_key(using):
            plan.in_tables.append(key)
    return plan


def _merge_assignments(action: exp.Expr | None, using: exp.Expr):
    """(target column, value expression) pairs of one WHEN … THEN UPDATE/INSERT."""
    if isinstance(action, exp.Update):
        for assignment in action.expressions:
            if isinstance(assignment, exp.EQ):
                yield assignment.this.name, assignment.expression
    elif isinstance(action, exp.Insert) and isinstance(action.expression, exp.Tuple):
        names = action.this.expressions if isinstance(action.this, exp.Tuple | exp.Schema) else []
        source = using.alias_or_name
        for name, value in zip(names, action.expression.expressions, strict=False):
            yield name.name, _qualify_unqualified(value.copy(), source)


def _merge_has_star(statement: exp.Merge) -> bool:
    """`UPDATE SET *` / `INSERT *` (Databricks), `INSERT ROW` (BigQuery): columns by name."""
    for when in (statement.args.get("whens") or exp.Whens()).expressions:
        action = when.args.get("then")
        if isinstance(action, exp.Update) and any(
            isinstance(e, exp.Star) for e in action.expressions
        ):
            return True
        if isinstance(action, exp.Insert) and (
            isinstance(action.this, exp.Star) or str(action.this).upper() == "ROW"
        ):  # BigQuery spells it INSERT ROW
            return True
    return False


def _qualify_unqualified(expression: exp.Expr, table: str) -> exp.Expr:
    """In MERGE … INSERT VALUES only the source row exists; bare columns are its columns."""
    if table:
        for column in expression.find_all(exp.Column):
            if not column.table and not isinstance(column.this, exp.Star):
                column.set("table", exp.to_identifier(table))
    return expression


def _assignment_select(
    expressions: list[exp.Expr], sources: list[exp.Expr], target: exp.Table
) -> exp.Select:
    """SELECT the assigned values FROM the sources (the target joins only if referenced)."""
    query = exp.Select(expressions=[e.copy().as_(f"_c{i}") for i, e in enumerate(expressions)])
    referenced = {column.table for e in expressions for column in e.find_all(exp.Column)}
    target_names = {target.alias_or_name, target.name}
    sources = [source for source in sources if source is not None]
    if not sources or referenced & target_names:
        sources = [target, *sources]
    copies = [source.copy() for source in sources]
    for copy in copies:
        copy.set("joins", None)  # joins are listed as sources of their own
    query = query.from_(copies[0])
    for copy in copies[1:]:
        query = query.join(copy, join_type="cross")
    return query


def _plan_update(statement: exp.Update, naming: Naming) -> Plan:
    sources = _update_sources(statement)
    target_table = _update_target(statement.this, sources)
    target = naming.table_key(target_table)
    plan = Plan("UPDATE", out_tables=[target] if target else [])
    assignments = [a for a in statement.expressions if isinstance(a, exp.EQ)]
    if target is None or not assignments:
        return plan
    sources = [s for s in sources if s is not target_table]
    query = _assignment_select([a.expression for a in assignments], sources, target_table)
    columns = [a.this.name for a in assignments]
    plan.flows.append(Flow(target, _with_ctes(query, statement), columns))
    return plan


def _update_sources(statement: exp.Update) -> list[exp.Expr]:
    """FROM and JOIN sources of an UPDATE, in every dialect's spelling."""
    from_ = statement.args.get("from_")
    main = [from_.this] if from_ else []
    holders = [*main, statement.this]  # MySQL hangs `UPDATE t JOIN s` on the target
    return main + [join.this for holder in holders for join in holder.args.get("joins") or []]


def _update_target(table: exp.Table, sources: list[exp.Expr]) -> exp.Table:
    """T-SQL `UPDATE x … FROM t AS x`: the target is the source aliased x."""
    if isinstance(table, exp.Table) and not table.db:
        for source in sources:
            if isinstance(source, exp.Table) and source.alias == table.name:
                return source
    return table


def _plan_copy(statement: exp.Copy, naming: Naming) -> Plan:
    """COPY INTO table FROM stage/location/query, and the unload direction (`kind` False)."""
    into = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    files = statement.args.get("files") or []
    into_key = _copy_end(into, naming)
    file_keys = [key for key in (_copy_end(f, naming) for f in files) if key]
    plan = Plan("COPY")
    if statement.args.get("kind") is False:
        plan.in_tables, plan.out_tables = [into_key] if into_key else [], file_keys
    else:
        plan.in_tables, plan.out_tables = file_keys, [into_key] if into_key else []
    plan.reads = [query for query in map(_as_query, [into, *files]) if query is not None]
    return plan


def _copy_end(node: exp.Expr, naming: Naming) -> str | None:
    """The key of one end of a COPY: a table, stage or location; None for a query or STDIN."""
    if isinstance(node, exp.Identifier):  # STDIN / STDOUT
        return None
    return None if _as_query(node) is not None else naming.table_key(node)


def _plan_alter(statement: exp.Alter, naming: Naming) -> Plan:
    kind = str(statement.args.get("kind") or "").upper()
    table = naming.table_key(statement.this) if "TABLE" in kind or "VIEW" in kind else None
    if table is None:
        return Plan("ALTER")
    for action in statement.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            new = naming.renamed_key(table, action.this)
            return Plan("RENAME", out_tables=[new], in_tables=[table], renames=[(table, new)])
        if isinstance(action, exp.SwapTable):
            other = naming.table_key(action.this)
            return Plan("SWAP", out_tables=[table, other], renames=[(table, other), (other, table)])
    return Plan("ALTER", out_tables=[table])


def _plan_drop(statement: exp.Drop, naming: Naming) -> Plan:
    kind = str(statement.args.get("kind") or "").upper()
    if "TABLE" not in kind and "VIEW" not in kind:
        return Plan("DROP")
    tables = [naming.table_key(t) for t in statement.args.get("tables") or [statement.this]]
    return Plan("DROP", out_tables=[t for t in tables if t])


def _plan_delete(statement: exp.Delete, naming: Naming) -> Plan:
    target = naming.table_key(statement.this) if statement.this else None
    return Plan("OTHER", out_tables=[target] if target else [])


def _plan_truncate(statement: exp.TruncateTable, naming: Naming) -> Plan:
    tables = [naming.table_key(table) for table in statement.expressions]
    return Plan("OTHER", out_tables=[table for table in tables if table])


_PLANNERS = (
    (exp.Select, _plan_query),
    (exp.SetOperation, _plan_query),
    (exp.Create, _plan_create),
    (exp.Insert, _plan_insert),
    (exp.MultitableInserts, _plan_multitable_insert),
    (exp.Merge, _plan_merge),
    (exp.Update, _plan_update),
    (exp.Copy, _plan_copy),
    (exp.Alter, _plan_alter),
    (exp.Drop, _plan_drop),
    (exp.Delete, _plan_delete),
    (exp.TruncateTable, _plan_truncate),
)
