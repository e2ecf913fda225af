"""sqlglot's own lineage helper on a case, used the way its documentation shows.

Tables: every table the statement names (qualified with the defaults by sqlglot's
`qualify_tables`) except CTEs, with the written table — of CREATE, INSERT, MERGE, UPDATE,
DELETE, SELECT INTO — as output. Columns: `sqlglot.lineage.lineage(None, query, schema)`
for the query of a SELECT, CREATE … AS or INSERT … SELECT (an INSERT's column list maps
by position), each output column's leaf nodes being its upstream table columns. MERGE,
UPDATE and procedural text get table lineage only: the helper takes a query.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify_tables import qualify_tables

from benchmarks.cases import Case

_WRITERS = (exp.Create, exp.Insert, exp.Merge, exp.Update, exp.Delete)


def parse_case(case: Case) -> dict:
    """{in, out, edges: {edge: None}, error} for one case."""
    result: dict = {"in": set(), "out": set(), "edges": {}, "error": None}
    try:
        statements = [s for s in sqlglot.parse(case.sql, read=case.dialect) if s is not None]
    except Exception as exc:  # noqa: BLE001 - a failure is a result
        result["error"] = f"{type(exc).__name__}: {exc}"[:200]
        statements = []
    for statement in statements:
        try:
            _statement(statement, case, result)
        except Exception as exc:  # noqa: BLE001
            result["error"] = f"{type(exc).__name__}: {exc}"[:200]
    result["in"] = sorted(result["in"] - result["out"])
    result["out"] = sorted(result["out"])
    return result


def _statement(statement: exp.Expr, case: Case, result: dict) -> None:
    statement = qualify_tables(
        statement, db=case.default_schema, catalog=case.default_db, dialect=case.dialect
    )
    target, columns = _target(statement)
    ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
    for table in statement.find_all(exp.Table):
        if table is target or not table.name or (not table.db and table.name in ctes):
            continue
        result["in"].add(_name(table))
    query = _query(statement)
    target_name = _name(target) if target is not None else None
    if target_name:
        result["out"].add(target_name)
    if query is None:
        return
    nodes = lineage(None, query, schema=_schema(case), dialect=case.dialect)
    names = columns or list(nodes)
    for name, (output, node) in zip(names, nodes.items(), strict=False):
        del output
        for leaf in node.walk():
            if isinstance(leaf.source, exp.Table) and not leaf.downstream:
                column = leaf.name.split(".")[-1].lower()
                result["edges"][(target_name, name.lower(), _name(leaf.source), column)] = None


def _target(statement: exp.Expr) -> tuple[exp.Table | None, list[str] | None]:
    if isinstance(statement, exp.Select) and statement.args.get("into"):
        return statement.args["into"].this, None
    if not isinstance(statement, _WRITERS):
        return None, None
    node = statement.this
    if isinstance(node, exp.Schema):
        names = [c.name for c in node.expressions if isinstance(c, exp.Identifier | exp.ColumnDef)]
        return node.this, names or None
    return (node, None) if isinstance(node, exp.Table) else (None, None)


def _query(statement: exp.Expr) -> exp.Query | None:
    if isinstance(statement, exp.Query):
        return statement
    if isinstance(statement, exp.Create | exp.Insert):
        query = statement.expression
        while isinstance(query, exp.Subquery):
            query = query.this
        return query if isinstance(query, exp.Query) else None
    return None


def _name(table: exp.Table) -> str:
    return ".".join(part.name for part in table.parts).lower().replace('"', "").replace("`", "")


def _schema(case: Case) -> dict:
    """The case's schema nested as sqlglot wants it (all tables at the deepest depth)."""
    flat = {key.lower(): cols for key, cols in (case.schema or {}).items()}
    if not flat:
        return {}
    depth = max(key.count(".") for key in flat)
    nested: dict = {}
    for key, cols in flat.items():
        parts = key.split(".")
        if len(parts) - 1 != depth:
            continue
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = {str(c).lower(): str(t) for c, t in cols.items()}
    return nested
