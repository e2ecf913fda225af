"""MERGE and UPDATE as flows: a synthetic SELECT of the assigned values over the sources.

The written table joins the synthetic SELECT only when an assigned value reads it
(`SET total = total + s.amount`): its columns then feed the written ones (a self-edge) and
it counts among the statement's inputs. Reading it only to pick rows (UPDATE's WHERE, a
MERGE's ON) does not make it an input, as columns read only to filter are not lineage.

The parsed statement is thrown away after planning, so its nodes are moved into the
synthetic query rather than copied (copying was a quarter of the parse time of MERGEs).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from graph.sql.names import Naming
from graph.sql.statements import Flow, Plan, as_query, with_ctes


def plan_merge(statement: exp.Merge, naming: Naming) -> Plan:
    """MERGE INTO target USING source ON … WHEN … THEN UPDATE/INSERT/DELETE."""
    target_table = statement.this
    target = naming.table_key(target_table)
    using = statement.args.get("using")
    plan = Plan("MERGE", out_tables=[target] if target else [])
    if target is None or using is None:
        return plan
    has_star = _merge_has_star(statement)
    columns, expressions = [], []
    for when in (statement.args.get("whens") or exp.Whens()).expressions:
        for column, expression in _merge_assignments(when.args.get("then"), using):
            columns.append(column)
            expressions.append(expression)
    if expressions:
        source = using.copy() if has_star else using
        query = _assignment_select(expressions, [source], target_table)
        plan.flows.append(Flow(target, with_ctes(query, statement), columns))
        plan.target_read = target
    if has_star:
        star = exp.column(exp.Star(), table=using.alias_or_name)
        query = exp.select(star, copy=False).from_(using, copy=False)
        plan.flows.append(Flow(target, with_ctes(query, statement), by_name=True))
    if not plan.flows:  # e.g. only DELETE clauses: the source is still read
        if (source := as_query(using)) is not None:
            plan.reads.append(source)
        elif key := naming.table_key(using):
            plan.in_tables.append(key)
    return plan


def _merge_assignments(action: exp.Expr | None, using: exp.Expr) -> Iterator[tuple[str, exp.Expr]]:
    """(target column, value expression) pairs of one WHEN … THEN UPDATE/INSERT."""
    if isinstance(action, exp.Update):
        for assignment in action.expressions:
            if isinstance(assignment, exp.EQ):
                yield assignment.this.name, assignment.expression
    elif isinstance(action, exp.Insert) and isinstance(action.expression, exp.Tuple):
        names = action.this.expressions if isinstance(action.this, exp.Tuple | exp.Schema) else []
        source = using.alias_or_name
        for name, value in zip(names, action.expression.expressions, strict=False):
            yield name.name, _qualify_unqualified(value, source)


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
    referenced = {column.table for e in expressions for column in e.find_all(exp.Column)}
    projections = [exp.alias_(e, f"_c{i}", copy=False) for i, e in enumerate(expressions)]
    query = exp.Select(expressions=projections)
    sources = [source for source in sources if source is not None]
    if not sources or referenced & {target.alias_or_name, target.name}:
        sources = [target, *sources]
    for source in sources:
        source.set("joins", None)  # joins are listed as sources of their own
    query = query.from_(sources[0], copy=False)
    for source in sources[1:]:
        query = query.join(source, join_type="cross", copy=False)
    return query


def plan_update(statement: exp.Update, naming: Naming) -> Plan:
    """UPDATE target SET col = value [FROM sources] [WHERE …], in every dialect's spelling."""
    sources = _update_sources(statement)
    target_table = _update_target(statement.this, sources)
    target = naming.table_key(target_table)
    plan = Plan("UPDATE", out_tables=[target] if target else [])
    assignments = [a for a in statement.expressions if isinstance(a, exp.EQ)]
    if target is None or not assignments:
        return plan
    plan.target_read = target
    where = statement.args.get("where")
    plan.reads.extend(where.find_all(exp.Select) if where else ())  # WHERE id IN (SELECT …)
    sources = [s for s in sources if s is not target_table]
    values = [a.expression for a in assignments]
    columns = [a.this.name for a in assignments]
    query = _assignment_select(values, sources, target_table)
    plan.flows.append(Flow(target, with_ctes(query, statement), columns))
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
