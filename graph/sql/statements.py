"""Each statement kind reduced to a `Plan`: what it writes, and which queries feed it.

A write is a `Flow`: a query whose output columns land, in order, in a target table. A
bare query is a flow with no target (its output columns are the query's). DML that is
not literally a query (MERGE clauses, UPDATE … SET) becomes a synthetic SELECT of the
assigned expressions over the same sources (`graph.sql.dml`), so one column walker
serves every statement kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp

from graph.sql.names import Naming


@dataclass
class Flow:
    """Rows of `query` written to `target` (None: a bare query's result set): into
    `columns` by position, else by name."""

    target: str | None
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
    temporary: list[str] = field(default_factory=list)  # tables created for the session
    # The written table counts as read when its own columns feed what is written.
    target_read: str | None = None
    notes: list[str] = field(default_factory=list)  # what the plan had to leave out


class UnsupportedStatement(ValueError):
    """sqlglot fell back to an opaque command for a statement that writes data."""


_WRITING_COMMANDS = {"INSERT", "MERGE", "UPDATE", "UPSERT", "REPLACE"}
_TASK_BODY = re.compile(
    r"^\s*(?:OR\s+REPLACE\s+)?TASK\b.*?\bAS\s+((?:INSERT|MERGE|UPDATE|DELETE|COPY|CREATE)\b.*)$",
    re.IGNORECASE | re.DOTALL,
)
_UNLOAD = re.compile(r"^\s*\(\s*'((?:[^']|'')*)'\s*\)\s*TO\s+'([^']*)'", re.IGNORECASE | re.DOTALL)


def plan_statement(statement: exp.Expr, naming: Naming, dialect=None) -> Plan:
    """The plan of one parsed statement."""
    from graph.sql.dml import plan_merge, plan_update

    for kind, planner in (*_PLANNERS, (exp.Merge, plan_merge), (exp.Update, plan_update)):
        if isinstance(statement, kind):
            returning = statement.args.get("returning")
            plan = planner(statement, naming)
            if returning is not None and returning.args.get("into") is not None:
                _plan_output_into(plan, statement, returning, naming)
            return plan
    if isinstance(statement, exp.Command):
        return _plan_command(statement, naming, dialect)
    return Plan("OTHER")


def as_query(node: exp.Expr | None) -> exp.Query | None:
    """The query a node holds, looking through unaliased parentheses."""
    while isinstance(node, exp.Subquery) and not node.alias:
        node = node.this
    return node if isinstance(node, exp.Query) else None


def with_ctes(query: exp.Query, statement: exp.Expr) -> exp.Query:
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


def target_of(node: exp.Expr, naming: Naming) -> tuple[str | None, list[str] | None]:
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
    target = target_of(into.this, naming)[0] if into else None
    if target is None:
        return Plan("SELECT", flows=[Flow(None, statement, by_name=True)])
    statement.set("into", None)
    # A new table takes the query's column names; never map onto an old table's order.
    plan = Plan("CTAS", out_tables=[target], flows=[Flow(target, statement, by_name=True)])
    if target.startswith("#") or into.args.get("temporary"):
        plan.temporary.append(target)
    return plan


def _plan_create(statement: exp.Create, naming: Naming) -> Plan:
    kind = str(statement.args.get("kind") or "").upper()
    if "TABLE" not in kind and "VIEW" not in kind:
        return Plan("OTHER")
    target, columns = target_of(statement.this, naming)
    statement_type = "VIEW" if "VIEW" in kind else "CTAS"
    properties = statement.args.get("properties")
    to_table = properties.find(exp.ToTableProperty) if properties else None
    if to_table is not None:  # ClickHouse `MATERIALIZED VIEW mv TO t`: rows land in t
        target, columns = naming.table_key(to_table.this), None
    query = as_query(statement.expression)
    clone = statement.args.get("clone")
    if query is None and clone is not None:
        query = exp.select("*").from_(clone.this.copy())
    plan = Plan(statement_type, out_tables=[target] if target else [])
    if target and _is_temporary(statement, target):
        plan.temporary.append(target)
    if query is None or target is None:
        plan.statement_type = "OTHER"
        return plan
    # Without an explicit column list, CREATE [OR REPLACE] names the columns after the
    # query's outputs: a replaced table's old column order must not be used.
    plan.flows.append(Flow(target, with_ctes(query, statement), columns, by_name=not columns))
    return plan


def _is_temporary(statement: exp.Create, target: str) -> bool:
    properties = statement.args.get("properties")
    temporary = properties is not None and any(
        isinstance(p, exp.TemporaryProperty | exp.VolatileProperty) for p in properties.expressions
    )
    return temporary or target.startswith("#")


def _plan_insert(statement: exp.Insert, naming: Naming) -> Plan:
    target, columns = target_of(statement.this, naming)
    if target is None:
        plan = Plan("OTHER", notes=_variable_note(statement.this))
        if (query := as_query(statement.expression)) is not None:
            plan.reads.append(query)
        return plan
    query = as_query(statement.expression)
    plan = Plan("INSERT", out_tables=[target])
    if query is None or isinstance(query, exp.Values):
        plan.reads.extend(statement.expression.find_all(exp.Select) if statement.expression else [])
        return plan
    by_name = bool(statement.args.get("by_name"))
    plan.flows.append(Flow(target, with_ctes(query, statement), columns, by_name=by_name))
    return plan


def _variable_note(node: exp.Expr | None) -> list[str]:
    """A T-SQL table variable (`@t`) written: a note that its rows are not followed."""
    target = node.this if isinstance(node, exp.Schema) else node
    target = target.this if isinstance(target, exp.Table) else target
    if isinstance(target, exp.Parameter | exp.Placeholder):
        return [f"table variable {target.sql()}: its rows are not followed"]
    return []


def _plan_multitable_insert(statement: exp.MultitableInserts, naming: Naming) -> Plan:
    """Snowflake INSERT ALL/FIRST and Hive FROM … INSERT …: INTO clauses over one source."""
    source = statement.args.get("source")
    plan = Plan("INSERT")
    for item in statement.expressions:
        insert = item.this if isinstance(item, exp.ConditionalInsert) else item
        target, columns = target_of(insert.this, naming)
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
        return body.copy().from_(relation, copy=False)
    row = body.expressions[0].expressions if isinstance(body, exp.Values) else None
    projections = [expr.copy() for expr in row] if row else [exp.Star()]
    return exp.select(*projections, copy=False).from_(relation, copy=False)


def _plan_output_into(
    plan: Plan, statement: exp.Expr, returning: exp.Returning, naming: Naming
) -> None:
    """T-SQL `OUTPUT inserted.x, deleted.y INTO audit (a, b)`: the rows changed land in
    `audit`; `inserted`/`deleted` are the written table's rows after and before (for an
    INSERT, the inserted rows are its query's)."""
    written = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
    if isinstance(statement, exp.Delete):
        written = _deleted_from(statement)
    audit, columns = target_of(returning.args["into"], naming)
    if audit is None or not isinstance(written, exp.Table):
        return
    plan.out_tables.append(audit)
    projections = [projection.copy() for projection in returning.expressions]
    if isinstance(statement, exp.Insert) and plan.flows:
        source = _inserted_rows(plan.flows[0])
    else:
        for projection in projections:
            for column in projection.find_all(exp.Column):
                if column.table.lower() in ("inserted", "deleted"):
                    column.set("table", exp.to_identifier(written.alias_or_name))
        alias = exp.TableAlias(this=exp.to_identifier(written.alias)) if written.alias else None
        source = exp.Table(
            this=written.this.copy(),
            db=written.args.get("db"),
            catalog=written.args.get("catalog"),
            alias=alias,
        )
    query = exp.select(*projections, copy=False).from_(source, copy=False)
    plan.flows.append(Flow(audit, query, columns, by_name=columns is None))


def _inserted_rows(flow: Flow) -> exp.Expr:
    """An INSERT's query as the `inserted` rows, its outputs named after the columns written."""
    query = flow.query.copy()
    if flow.columns and isinstance(query, exp.Select):
        named = zip(query.selects, flow.columns, strict=False)
        query.set("expressions", [exp.alias_(p.unalias(), c, copy=False) for p, c in named])
    return query.subquery("inserted", copy=False)


def _plan_export(statement: exp.Export, naming: Naming) -> Plan:
    """BigQuery `EXPORT DATA OPTIONS (uri = 'gs://…') AS SELECT …`: rows land in files."""
    options = statement.args.get("options")
    uri = next(
        (
            p.args["value"].name
            for p in (options.expressions if options else [])
            if isinstance(p, exp.Property) and p.name.lower() == "uri"
        ),
        None,
    )
    query = as_query(statement.this)
    if not uri or query is None:
        return Plan("COPY", reads=[query] if query is not None else [])
    return Plan("COPY", out_tables=[uri], flows=[Flow(uri, query, by_name=True)])


def _plan_cache(statement: exp.Cache, naming: Naming) -> Plan:
    """Spark/Databricks `CACHE TABLE name AS SELECT …`: a cached temporary view."""
    target = naming.table_key(statement.this)
    query = as_query(statement.expression)
    if target is None or query is None:
        return Plan("OTHER")
    flow = Flow(target, with_ctes(query, statement), by_name=True)
    return Plan("CTAS", out_tables=[target], flows=[flow], temporary=[target])


def _plan_command(statement: exp.Command, naming: Naming, dialect) -> Plan:
    """Statements sqlglot keeps as opaque text: UNLOAD is read; writing ones are errors."""
    verb = str(statement.this).upper()
    expression = statement.expression
    rest = expression.name if isinstance(expression, exp.Expr) else str(expression or "")
    if verb == "UNLOAD" and dialect is not None:
        return _plan_unload(rest, naming, dialect)
    if (
        verb in ("REPLACE", "UPSERT")
        and dialect is not None
        and rest.lstrip()[:4].upper() == "INTO"
    ):
        # MySQL REPLACE INTO / UPSERT INTO: an INSERT as far as lineage goes
        insert = dialect.parse(f"INSERT {rest}")[0]
        if isinstance(insert, exp.Insert):
            from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

            return _plan_insert(normalize_identifiers(insert, dialect=dialect), naming)
    if verb == "CREATE" and dialect is not None and (body := _TASK_BODY.match(rest)):
        return _plan_task(body.group(1), naming, dialect)
    if verb in _WRITING_COMMANDS:
        raise UnsupportedStatement(f"unsupported syntax: could not parse this {verb} statement")
    return Plan("OTHER")


def _plan_task(body: str, naming: Naming, dialect) -> Plan:
    """Snowflake `CREATE TASK … AS <statement>`: the task's statement is its lineage."""
    from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

    statements = [s for s in dialect.parse(body) if s is not None]
    if len(statements) != 1 or isinstance(statements[0], exp.Command):
        return Plan("OTHER", notes=["the task's body is not a single statement: not followed"])
    return plan_statement(normalize_identifiers(statements[0], dialect=dialect), naming, dialect)


def _plan_unload(text: str, naming: Naming, dialect) -> Plan:
    """Redshift `UNLOAD ('query') TO 's3://…'`: the query's rows land in the location."""
    match = _UNLOAD.match(text)
    if match is None:
        raise UnsupportedStatement("unsupported syntax: could not read this UNLOAD statement")
    query = as_query(dialect.parse(match.group(1).replace("''", "'"))[0])
    location = match.group(2).strip()
    if query is None:
        return Plan("COPY", out_tables=[location])
    from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

    query = normalize_identifiers(query, dialect=dialect)
    return Plan("COPY", out_tables=[location], flows=[Flow(location, query, by_name=True)])


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
    plan.reads = [query for query in map(as_query, [into, *files]) if query is not None]
    return plan


def _copy_end(node: exp.Expr, naming: Naming) -> str | None:
    """The key of one end of a COPY: a table, stage or location; None for a query or STDIN."""
    if isinstance(node, exp.Identifier):  # STDIN / STDOUT
        return None
    return None if as_query(node) is not None else naming.table_key(node)


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
    """DELETE writes its table; USING/JOIN sources and subqueries decide which rows go."""
    table = _deleted_from(statement)
    target = naming.table_key(table) if table is not None else None
    plan = Plan("OTHER", out_tables=[target] if target else [])
    sources = [*(statement.args.get("using") or [])]
    if table is not None:
        sources += [join.this for join in table.args.get("joins") or []]
    plan.in_tables = [key for key in map(naming.table_key, sources) if key]
    where = statement.args.get("where")
    plan.reads = list(where.find_all(exp.Select)) if where else []
    return plan


def _deleted_from(statement: exp.Delete) -> exp.Table | None:
    """The table a DELETE removes rows from (`DELETE FROM t`, T-SQL `DELETE t …`)."""
    if isinstance(statement.this, exp.Table):
        return statement.this
    tables = statement.args.get("tables") or []
    return tables[0] if tables and isinstance(tables[0], exp.Table) else None


def _plan_truncate(statement: exp.TruncateTable, naming: Naming) -> Plan:
    tables = [naming.table_key(table) for table in statement.expressions]
    return Plan("OTHER", out_tables=[table for table in tables if table])


_PLANNERS = (
    (exp.Select, _plan_query),
    (exp.SetOperation, _plan_query),
    (exp.Create, _plan_create),
    (exp.Insert, _plan_insert),
    (exp.MultitableInserts, _plan_multitable_insert),
    (exp.Cache, _plan_cache),
    (exp.Export, _plan_export),
    (exp.Copy, _plan_copy),
    (exp.Alter, _plan_alter),
    (exp.Drop, _plan_drop),
    (exp.Delete, _plan_delete),
    (exp.TruncateTable, _plan_truncate),
)
