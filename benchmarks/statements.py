"""Realistic warehouse statements over the synthetic warehouse (Snowflake dialect).

``write_statement`` builds one job's statement: CTAS, INSERT…SELECT, CREATE VIEW, MERGE
or UPDATE…FROM, with joins along foreign keys, CTEs, subqueries, UNION ALL, window
functions, QUALIFY, aggregation, CASE, hashing/masking, semi-structured access, and the
variety of case, qualification and layout that many authors and tools produce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from benchmarks.expressions import (
    Literals,
    Source,
    Style,
    column_expr,
    filters,
    header,
    time_column,
)
from benchmarks.warehouse import ENTITIES, Table, Warehouse, foreign_entities

# kind -> (Snowflake QUERY_TYPE, weight in a corpus)
KINDS: dict[str, tuple[str, float]] = {
    "INSERT": ("INSERT", 0.32),
    "CTAS": ("CREATE_TABLE_AS_SELECT", 0.2),
    "VIEW": ("CREATE_VIEW", 0.1),
    "MERGE": ("MERGE", 0.23),
    "UPDATE": ("UPDATE", 0.15),
}


@dataclass(frozen=True)
class Statement:
    """One generated statement and what the generator knows it reads and writes."""

    sql: str
    kind: str
    query_type: str
    target: str
    sources: tuple[str, ...]
    default_db: str | None
    default_schema: str | None


def pick_kind(shape: random.Random) -> str:
    return shape.choices(list(KINDS), weights=[w for _, w in KINDS.values()])[0]


def write_statement(
    wh: Warehouse, target: Table, kind: str, shape_seed: int, literal_seed: int, day: int = 0
) -> Statement:
    """The statement of job ``shape_seed`` writing ``target``, as run on day ``day``."""
    shape, lit = random.Random(shape_seed), Literals(random.Random(literal_seed), day)
    defaults = shape.choices(
        [(target.database, target.schema), (target.database, "public"), (None, None)],
        weights=[0.6, 0.2, 0.2],
    )[0]
    style = Style(shape, *defaults)
    tref = style.table_ref(target)
    keys = merge_keys(target)
    columns = _choose_columns(target, keys, kind, shape)
    writer = _Writer(wh, target, style, shape, lit, tref)
    if kind == "UPDATE" and shape.random() < 0.4:
        sql = writer.update_direct(columns, keys)
    elif kind == "MERGE" and shape.random() < 0.3:
        sql = writer.merge_direct(columns, keys)
    else:
        body = writer.select(columns)
        sql = writer.wrap(kind, body, columns, keys)
    sources = tuple(sorted(writer.read))
    return Statement(
        style.finish(sql, header(style, target, lit)),
        kind,
        KINDS[kind][0],
        target.key,
        sources,
        *defaults,
    )


def merge_keys(target: Table) -> list[str]:
    if target.pk in target.columns:
        return [target.pk]
    dims = [c for c, t in target.columns.items() if t == "varchar"]
    return ["period_start", *dims]


def _choose_columns(target: Table, keys: list[str], kind: str, shape: random.Random) -> list[str]:
    others = [c for c in target.columns if c not in keys]
    if kind == "UPDATE":
        chosen = set(shape.sample(others, k=min(len(others), shape.randint(1, 4))))
    elif shape.random() < 0.35:
        chosen = set(others)
    else:
        chosen = set(shape.sample(others, k=max(1, int(len(others) * shape.uniform(0.5, 1)))))
    return [c for c in target.columns if c in keys or c in chosen]


class _Writer:
    """Builds the parts of one statement and remembers which tables it read."""

    def __init__(self, wh, target, style, shape, lit, tref):
        self.wh, self.target, self.style, self.shape, self.lit = wh, target, style, shape, lit
        self.tref = tref
        self.read: set[str] = set()
        self.aggregate = any(c.endswith("_count") for c in target.columns)

    def ref(self, table: Table) -> str:
        self.read.add(table.key)
        return self.style.table_ref(table)

    # --- the SELECT ----------------------------------------------------------------
    def primary(self, columns: list[str] = ()) -> Table:
        """The main upstream: same entity, a lower layer, preferably holding the columns."""
        t = self.target
        if t.level == 1:  # staging: its own raw table
            return next(x for x in self.wh.tables if f"stg_{x.schema}__{x.name}" == t.name)
        cands = self.wh.upstream_candidates(t, t.entity)
        weights = [
            (3 if c.level == t.level - 1 else 1)
            * (1 + sum(col in c.columns for col in columns)) ** 2
            for c in cands
        ]
        return self.shape.choices(cands, weights=weights)[0]

    def select(self, columns: list[str]) -> str:
        cands = [
            c for c in self.wh.upstream_candidates(self.target, self.target.entity) if c.level >= 1
        ]
        if not self.aggregate and len(cands) > 1 and self.shape.random() < 0.12:
            return self.union(columns, self.shape.sample(cands, k=min(3, len(cands))))
        primary = self.primary(columns)
        shape_kind = self.shape.choices(["plain", "cte", "subquery"], weights=[0.5, 0.35, 0.15])[0]
        alias = _alias(primary, 0, self.shape)
        where = filters(
            Source(alias, primary, ""),
            self.style,
            self.shape,
            self.lit,
            self.ref(self.target) if self.shape.random() < 0.3 else None,
        )
        ctes, from_ref = [], self.ref(primary)
        if shape_kind == "cte":
            dedupe = self.shape.random() < 0.5 and "updated_at" in primary.columns
            body = f"SELECT * FROM {from_ref} {alias}" + (
                f" WHERE {' AND '.join(where)}" if where else ""
            )
            if dedupe:
                body += (
                    f"\n    QUALIFY ROW_NUMBER() OVER (PARTITION BY {self.style.ident(primary.pk)}"
                    f" ORDER BY {self.style.ident('updated_at')} DESC) = 1"
                )
            cte_name = self.style.ident(self.shape.choice(["base", "src", "source_data", "latest"]))
            ctes.append(f"{cte_name} AS (\n    {body}\n)")
            from_ref, where = cte_name, []
        elif shape_kind == "subquery":
            inner = ", ".join(self.style.ident(c) for c in primary.columns)
            cond = f" WHERE {' AND '.join(where)}" if where else ""
            from_ref, where = f"(SELECT {inner} FROM {from_ref} {alias}{cond})", []
        sources = [Source(alias, primary, from_ref)]
        joins = self.joins(primary, alias, columns, sources)
        exprs, grouped = self.projections(columns, sources)
        sql = ""
        if ctes:
            sql = "WITH " + ",\n".join(ctes) + "\n"
        sql += "SELECT\n    " + ",\n    ".join(exprs) + f"\nFROM {from_ref} {alias}"
        sql += "".join(joins)
        if where:
            sql += "\nWHERE " + "\n  AND ".join(where)
        if self.aggregate and grouped:
            sql += "\nGROUP BY " + self.group_by(grouped)
        elif shape_kind == "plain" and self.shape.random() < 0.2:
            sql += (
                f"\nQUALIFY ROW_NUMBER() OVER (PARTITION BY {self.style.col(alias, primary.pk)} "
                f"ORDER BY {self.style.col(alias, time_column(primary))} DESC) = 1"
            )
        return sql

    def joins(self, primary: Table, alias: str, columns: list[str], sources: list) -> list[str]:
        out = []
        for n, entity in enumerate(foreign_entities(primary.entity), start=1):
            fk = ENTITIES[entity][0][0]
            wanted = [c for c in columns if c not in primary.columns]
            cands = [c for c in self.wh.upstream_candidates(self.target, entity) if fk in c.columns]
            if fk not in primary.columns or not cands:
                continue
            useful = [c for c in cands if any(w in c.columns for w in wanted)]
            if not useful and self.shape.random() < 0.7:
                continue
            table = self.shape.choice(useful or cands)
            j = _alias(table, n, self.shape)
            if j == alias:
                j = f"{j}{n}"
            kind = self.shape.choice(["JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "INNER JOIN"])
            on = f"{self.style.col(alias, fk)} = {self.style.col(j, fk)}"
            out.append(f"\n{kind} {self.ref(table)} {j}\n    ON {on}")
            sources.append(Source(j, table, ""))
        return out

    def projections(self, columns: list[str], sources: list[Source]) -> tuple[list, list]:
        exprs, grouped = [], []
        for col in columns:
            expr, is_agg = column_expr(
                col,
                self.target.columns[col],
                sources,
                self.style,
                self.shape,
                self.lit,
                aggregate=self.aggregate,
            )
            name = self.style.ident(col)
            bare = expr.rsplit(".", 1)[-1]
            exprs.append(expr if bare == name and "(" not in expr else f"{expr} AS {name}")
            if not is_agg and "." in expr:  # constants need no grouping
                grouped.append((len(exprs), expr))
        return exprs, grouped

    def group_by(self, grouped: list[tuple[int, str]]) -> str:
        how = self.shape.choice(["all", "ordinal", "expr"])
        if how == "all":
            return "ALL"
        if how == "ordinal":
            return ", ".join(str(i) for i, _ in grouped)
        return ", ".join(e for _, e in grouped)

    def union(self, columns: list[str], tables: list[Table]) -> str:
        branches = []
        for n, table in enumerate(tables):
            alias = _alias(table, n, self.shape)
            src = [Source(alias, table, "")]
            exprs, _ = self.projections(columns, src)
            where = filters(src[0], self.style, self.shape, self.lit, None)
            cond = ("\nWHERE " + " AND ".join(where)) if where else ""
            branches.append(
                "SELECT\n    " + ",\n    ".join(exprs) + f"\nFROM {self.ref(table)} {alias}{cond}"
            )
        return "\nUNION ALL\n".join(branches)

    # --- the statement around it ---------------------------------------------------
    def wrap(self, kind: str, body: str, columns: list[str], keys: list[str]) -> str:
        s, shape = self.style, self.shape
        cols = ", ".join(s.ident(c) for c in columns)
        if kind == "INSERT":
            verb = "INSERT OVERWRITE INTO" if shape.random() < 0.1 else "INSERT INTO"
            if columns == list(self.target.columns) and shape.random() < 0.4:
                return f"{verb} {self.tref}\n{body}"
            return f"{verb} {self.tref} ({cols})\n{body}"
        if kind == "CTAS":
            transient = "TRANSIENT " if shape.random() < 0.3 else ""
            return f"CREATE OR REPLACE {transient}TABLE {self.tref} AS\n{body}"
        if kind == "VIEW":
            secure = "SECURE " if shape.random() < 0.2 else ""
            grants = " COPY GRANTS" if shape.random() < 0.2 else ""
            return f"CREATE OR REPLACE {secure}VIEW {self.tref}{grants} AS\n{body}"
        on = " AND ".join(f"t.{s.ident(k)} = s.{s.ident(k)}" for k in keys if k in columns)
        rest = [c for c in columns if c not in keys]
        sets = ", ".join(f"{s.ident(c)} = s.{s.ident(c)}" for c in rest)
        if kind == "UPDATE":
            return f"UPDATE {self.tref} t\nSET {sets}\nFROM (\n{body}\n) s\nWHERE {on}"
        return self._merge(f"(\n{body}\n)", on, rest, columns, lambda c: f"s.{s.ident(c)}")

    def _merge(self, using: str, on: str, rest, columns, value) -> str:
        s = self.style
        guard = " AND s.updated_at > t.updated_at" if "updated_at" in rest else ""
        sets = ", ".join(f"t.{s.ident(c)} = {value(c)}" for c in rest)
        cols = ", ".join(s.ident(c) for c in columns)
        vals = ", ".join(value(c) for c in columns)
        sql = f"MERGE INTO {self.tref} t\nUSING {using} s\n    ON {on}\n"
        if "status" in columns and self.shape.random() < 0.15:
            sql += "WHEN MATCHED AND s.status = 'deleted' THEN DELETE\n"
        if sets:
            sql += f"WHEN MATCHED{guard} THEN UPDATE SET {sets}\n"
        return sql + f"WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({vals})"

    def direct_columns(self, primary: Table, columns: list[str], keys: list[str]) -> list[str]:
        return [c for c in columns if c in primary.columns or c in keys]

    def update_direct(self, columns: list[str], keys: list[str]) -> str:
        """UPDATE … FROM a table (no subquery): the values come straight from it."""
        primary = self.primary(columns)
        s = self.style
        cols = [c for c in columns if c not in keys and c in primary.columns] or [
            c for c in primary.columns if c in self.target.columns and c not in keys
        ][:1]
        if not cols or not all(k in primary.columns for k in keys):
            return self.wrap("UPDATE", self.select(columns), columns, keys)
        src = Source("s", primary, "")
        sets = ", ".join(
            f"{s.ident(c)} = {column_expr(c, self.target.columns[c], [src], s, self.shape, self.lit, aggregate=False)[0]}"  # noqa: E501
            for c in cols
        )
        on = " AND ".join(f"t.{s.ident(k)} = s.{s.ident(k)}" for k in keys)
        where = filters(src, s, self.shape, self.lit, None)
        cond = "".join(f"\n  AND {w}" for w in where)
        return f"UPDATE {self.tref} t\nSET {sets}\nFROM {self.ref(primary)} s\nWHERE {on}{cond}"

    def merge_direct(self, columns: list[str], keys: list[str]) -> str:
        """MERGE … USING a table: values are expressions over its columns."""
        primary = self.primary(columns)
        if not all(k in primary.columns for k in keys):
            return self.wrap("MERGE", self.select(columns), columns, keys)
        columns = [c for c in columns if c in primary.columns or c == "etl_loaded_at"]
        src = Source("s", primary, "")
        exprs = {
            c: column_expr(
                c, self.target.columns[c], [src], self.style, self.shape, self.lit, aggregate=False
            )[0]
            for c in columns
        }
        on = " AND ".join(f"t.{self.style.ident(k)} = s.{self.style.ident(k)}" for k in keys)
        rest = [c for c in columns if c not in keys]
        return self._merge(self.ref(primary), on, rest, columns, exprs.__getitem__)


def _alias(table: Table, n: int, shape: random.Random) -> str:
    if shape.random() < 0.3:
        return f"t{n + 1}"
    return "".join(part[0] for part in table.entity.split("_")) + ("" if n == 0 else str(n))
