"""Hand-written lineage cases: SQL as warehouses' query histories hold it, with the truth.

One YAML file per dialect in `benchmarks/lineage_cases/`, a list of cases:

```yaml
- id: ctas-hashed-email           # unique within the file
  kind: CTAS                      # for the accuracy table: SELECT, CTAS, VIEW, INSERT,
                                  # MERGE, UPDATE, COPY, SCRIPT, OTHER
  default_db: analytics           # optional, like default_schema and schema
  schema: {raw.users: {id: number, email: varchar}}
  sql: CREATE TABLE mart.users AS SELECT id, SHA2(email) AS email FROM raw.users
  in: [analytics.raw.users]
  out: [analytics.mart.users]
  columns:                        # downstream → {upstream: kind}; a bare query's
    analytics.mart.users.id: {analytics.raw.users.id: identity}      # downstream is
    analytics.mart.users.email: {analytics.raw.users.email: hashed}  # its column alone
  warns: true                     # optional: the statement is understood only in part
  limitation: why                 # optional: what our parser cannot get, and why
```

Kinds are `graph.sql.vocabulary.KIND_NAMES` (identity, value_aggregate, transformed,
aggregated, counted, hashed, redacted, conditional, window, filter, sort, join). Table
names are lineage keys: lower-case, as qualified as the SQL and defaults allow. The
truth is what the warehouse does, whether or not a parser gets it.

Standard library and PyYAML only: the peers' virtualenv gets the cases as JSON lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CASES_DIR = Path(__file__).resolve().parent / "lineage_cases"
# (downstream table or None, downstream column, upstream table, upstream column)
Edge = tuple[str | None, str, str, str]


@dataclass(frozen=True)
class Case:
    """One statement (or script) and what it truly reads, writes and moves column by column."""

    id: str
    dialect: str
    kind: str
    sql: str
    in_tables: frozenset[str]
    out_tables: frozenset[str]
    edges: dict[Edge, str]  # edge → kind name
    default_db: str | None = None
    default_schema: str | None = None
    schema: dict | None = None
    warns: bool = False
    limitation: str = ""
    note: str = field(default="", compare=False)

    def as_input(self) -> dict:
        """The case as a parse_sql input line."""
        return {
            "id": self.id,
            "sql": self.sql,
            "dialect": self.dialect,
            "default_db": self.default_db,
            "default_schema": self.default_schema,
            "schema": self.schema,
        }


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    """Every case of every dialect file, in file then case order."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text()) or []:
            cases.append(_case(raw, path.stem))
    ids = [case.id for case in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate case ids: {sorted(duplicates)}")
    return cases


def _case(raw: dict, dialect: str) -> Case:
    outs = frozenset(raw.get("out") or [])
    edges: dict[Edge, str] = {}
    for down, ups in (raw.get("columns") or {}).items():
        down_table, down_column = split_column(down) if outs else (None, down)
        for up, kind in (ups or {}).items():
            up_table, up_column = split_column(up)
            edges[(down_table, down_column, up_table, up_column)] = kind
    return Case(
        id=f"{raw.get('dialect', dialect)}/{raw['id']}",
        dialect=raw.get("dialect", dialect),
        kind=raw["kind"],
        sql=raw["sql"],
        in_tables=frozenset(raw.get("in") or []),
        out_tables=outs,
        edges=edges,
        default_db=raw.get("default_db"),
        default_schema=raw.get("default_schema"),
        schema=raw.get("schema"),
        warns=bool(raw.get("warns")),
        limitation=raw.get("limitation", ""),
        note=raw.get("note", ""),
    )


def split_column(name: str) -> tuple[str, str]:
    """`db.schema.table.column` → (`db.schema.table`, `column`)."""
    table, _, column = str(name).rpartition(".")
    if not table:
        raise ValueError(f"{name!r} names no table")
    return table, column
