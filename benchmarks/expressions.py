"""The pieces of a generated statement: how it is written, column expressions, filters.

Two random sources on purpose: ``shape`` decides the structure (which tables, columns,
functions, constants that are part of a job's logic), ``literals`` decides what a
scheduler changes between runs (dates, batch ids, invocation ids in comments). The same
``shape`` seed with other ``literals`` seeds gives the same job run on other days.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from benchmarks.warehouse import NUMERIC, PII_COLUMNS, Table, plural

BASE_DAY = date(2026, 3, 1)


@dataclass
class Source:
    """A table (or CTE) the statement reads, under its alias."""

    alias: str
    table: Table
    ref: str  # how the FROM clause names it


class Style:
    """How one author writes SQL: identifier case, qualification, layout, header comment."""

    def __init__(self, shape: random.Random, default_db: str | None, default_schema: str | None):
        self.upper_idents = shape.random() < 0.25
        self.lower_keywords = shape.random() < 0.2
        self.pretty = shape.random() < 0.6
        self.quote_some = shape.random() < 0.05
        self.qualify = shape.choices(["short", "full"], weights=[0.7, 0.3])[0]
        self.comment = shape.choices(["none", "dbt", "airflow"], weights=[0.4, 0.35, 0.25])[0]
        self.default_db, self.default_schema = default_db, default_schema

    def ident(self, name: str) -> str:
        return name.upper() if self.upper_idents else name

    def table_ref(self, table: Table) -> str:
        """The table's name as qualified as the defaults allow (and the author bothers)."""
        name = self.ident(table.name)
        if self.quote_some and table.level > 0:
            name = f'"{table.name.upper()}"'
        parts = [self.ident(table.database), self.ident(table.schema), name]
        if self.qualify == "short" and table.database == self.default_db:
            parts = parts[2:] if table.schema == self.default_schema else parts[1:]
        return ".".join(parts)

    def col(self, alias: str, column: str) -> str:
        return f"{alias}.{self.ident(column)}"

    def finish(self, sql: str, header: str) -> str:
        sql = sql if self.pretty else " ".join(sql.split())
        if self.lower_keywords:
            sql = _lower_outside_quotes(sql)
        return f"{header}\n{sql}" if header else sql


def _lower_outside_quotes(sql: str) -> str:
    """Lower-case everything except string literals and quoted identifiers."""
    out, quote = [], None
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
            out.append(ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        else:
            out.append(ch.lower())
    return "".join(out)


class Literals:
    """What changes from one run of a scheduled job to the next."""

    def __init__(self, rng: random.Random, day_offset: int = 0):
        self.rng = rng
        self.day = BASE_DAY + timedelta(days=day_offset)

    def date(self, back: int = 0) -> str:
        return f"'{(self.day - timedelta(days=back)).isoformat()}'"

    def timestamp(self) -> str:
        return f"'{self.day.isoformat()} 0{self.rng.randint(0, 5)}:{self.rng.randint(10, 59)}:00'"

    def batch_id(self) -> str:
        return str(self.rng.randint(10_000, 9_999_999))

    def invocation(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128)))


def header(style: Style, target: Table, lit: Literals) -> str:
    if style.comment == "dbt":
        return (
            f'/* {{"app": "dbt", "dbt_version": "1.7.4", "profile_name": "warehouse", '
            f'"target_name": "prod", "node_id": "model.{target.database}.{target.name}", '
            f'"invocation_id": "{lit.invocation()}"}} */'
        )
    if style.comment == "airflow":
        return (
            f"-- dag: {target.schema}_{target.level}_daily, task: build_{target.name}, "
            f"run_id: scheduled__{lit.day.isoformat()}T02:00:00+00:00"
        )
    return ""


def available(sources: list[Source], column: str) -> Source | None:
    """The first source (primary first) that has ``column``."""
    return next((s for s in sources if column in s.table.columns), None)


def column_expr(
    column: str,
    typ: str,
    sources: list[Source],
    style: Style,
    shape: random.Random,
    lit: Literals,
    *,
    aggregate: bool,
) -> tuple[str, bool]:
    """An expression computing ``column`` from the sources; True when it aggregates."""
    primary = sources[0]
    if column == "etl_loaded_at":
        choice = shape.choice(["CURRENT_TIMESTAMP()", "SYSDATE()", "ts"])
        return (f"{lit.timestamp()}::TIMESTAMP_NTZ" if choice == "ts" else choice), False
    if column == "_source":
        return f"'{primary.table.schema}'", False
    if aggregate:
        return _aggregate_expr(column, sources, style, shape)
    found = available(sources, column)
    if found is None:
        if "payload" in primary.table.columns:
            return f"{style.col(primary.alias, 'payload')}:properties.{column}::{_cast(typ)}", False
        return f"CAST(NULL AS {_cast(typ)})", False
    if "payload" in found.table.columns and shape.random() < 0.2:
        return f"{style.col(found.alias, 'payload')}:{column}::{_cast(typ)}", False
    ref = style.col(found.alias, column)
    return _wrap(ref, column, typ, found, style, shape), False


def _wrap(ref: str, column: str, typ: str, src: Source, style: Style, shape) -> str:
    """Sometimes the value is transformed on the way: hashed, cleaned, converted, windowed."""
    roll = shape.random()
    if column.endswith("_id"):  # keys travel as they are
        return ref
    if column in PII_COLUMNS and roll < 0.45:
        return shape.choice(
            [
                f"SHA2({ref}, 256)",
                f"MD5({ref})",
                f"SHA2(LOWER(TRIM({ref})))",
                f"CASE WHEN CURRENT_ROLE() IN ('PII_READER') THEN {ref} ELSE '***MASKED***' END",
                f"REGEXP_REPLACE({ref}, '.', '*')",
            ]
        )
    if roll > 0.6:
        return ref
    if typ.startswith(NUMERIC):
        pk = style.col(src.alias, src.table.pk)
        return shape.choice(
            [
                f"COALESCE({ref}, 0)",
                f"ROUND({ref}, 2)",
                f"{ref} * 1.0",
                f"IFF({ref} < 0, 0, {ref})",
                f"SUM({ref}) OVER (PARTITION BY {pk} ORDER BY {pk} "
                "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
            ]
        )
    if typ.startswith(("timestamp", "date")):
        return shape.choice(
            [
                f"CONVERT_TIMEZONE('UTC', {ref})",
                f"TO_DATE({ref})",
                f"{ref}::DATE",
                f"DATE_TRUNC('day', {ref})",
                f"LAG({ref}) OVER (PARTITION BY {style.col(src.alias, src.table.pk)} ORDER BY {ref})",
            ]
        )
    if column in ("status", "stage", "priority"):
        return (
            f"CASE WHEN {ref} IN ('closed', 'complete', 'won') THEN 'done' "
            f"WHEN {ref} IS NULL THEN 'unknown' ELSE LOWER({ref}) END"
        )
    return shape.choice(
        [
            f"TRIM({ref})",
            f"UPPER({ref})",
            f"NULLIF({ref}, '')",
            f"COALESCE({ref}, 'n/a')",
            f"INITCAP({ref})",
        ]
    )


def _aggregate_expr(column: str, sources: list[Source], style: Style, shape) -> tuple[str, bool]:
    primary = sources[0]
    table = primary.table
    if column == "period_start":
        ts = time_column(table)
        grain = shape.choice(["day", "week", "month"])
        return f"DATE_TRUNC('{grain}', {style.col(primary.alias, ts)})", False
    if column.endswith("_count") and column == f"{plural(table.entity)}_count":
        return shape.choice(
            [
                f"COUNT(DISTINCT {style.col(primary.alias, table.pk)})",
                "COUNT(*)",
            ]
        ), True
    prefix, _, base = column.partition("_")
    if prefix in ("sum", "avg", "max") and (found := available(sources, base)):
        inner = style.col(found.alias, base)
        if prefix == "sum" and shape.random() < 0.3:
            inner = f"CASE WHEN {style.col(found.alias, table.pk)} IS NOT NULL THEN {inner} END"
        return f"{prefix.upper()}({inner})", True
    found = available(sources, column)
    if found is None:
        return f"CAST(NULL AS {_cast(table.columns.get(column, 'varchar'))})", False
    return style.col(found.alias, column), False


def time_column(table: Table) -> str:
    cols = [c for c, t in table.columns.items() if t.startswith(("timestamp", "date"))]
    return next((c for c in cols if c != "etl_loaded_at"), cols[0] if cols else "etl_loaded_at")


def _cast(typ: str) -> str:
    return {
        "varchar": "VARCHAR",
        "number": "NUMBER",
        "float": "FLOAT",
        "boolean": "BOOLEAN",
        "date": "DATE",
        "timestamp_ntz": "TIMESTAMP_NTZ",
        "variant": "VARIANT",
    }.get(typ, typ.upper())


def filters(
    primary: Source, style: Style, shape: random.Random, lit: Literals, target_ref: str | None
) -> list[str]:
    """WHERE conditions: an incremental window, a batch, a status list, a lookback."""
    table, alias = primary.table, primary.alias
    ts = time_column(table)
    conds = []
    roll = shape.random()
    if roll < 0.35:
        conds.append(
            f"{style.col(alias, ts)} >= {lit.date(1)} AND {style.col(alias, ts)} < {lit.date()}"
        )
    elif roll < 0.45 and target_ref:
        conds.append(
            f"{style.col(alias, ts)} > (SELECT COALESCE(MAX({style.ident('etl_loaded_at')}), "
            f"'1970-01-01') FROM {target_ref})"
        )
    elif roll < 0.6:
        days = shape.choice([1, 3, 7, 30, 90])
        conds.append(f"{style.col(alias, ts)} >= DATEADD(day, -{days}, CURRENT_DATE())")
    if "_batch_id" in table.columns and shape.random() < 0.4:
        conds.append(f"{style.col(alias, '_batch_id')} = {lit.batch_id()}")
    if "status" in table.columns and shape.random() < 0.25:
        values = ", ".join(
            f"'{s}'"
            for s in shape.sample(
                ["active", "paid", "shipped", "open", "pending", "complete"], k=shape.randint(1, 3)
            )
        )
        conds.append(f"{style.col(alias, 'status')} IN ({values})")
    if shape.random() < 0.15:
        conds.append(f"{style.col(alias, table.pk)} IS NOT NULL")
    return conds
