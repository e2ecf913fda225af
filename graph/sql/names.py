"""Table names as lineage keys, and the caller's `schema` in the same shape.

Keys are lower-case `database.schema.table`, qualified as far as the SQL and the
defaults allow: a missing schema comes from `default_schema`, then a missing database
from `default_db` (a database is only added to a name that has a schema, as the
warehouses themselves resolve names). Stages keep their `@` (`@db.schema.stage`, the
path dropped; `@~` and `@%table` as written) and external locations (`s3://…`, a file
path) are kept verbatim, so COPY statements still say where data came from.

BigQuery names one dataset several ways; all become one key: date shards
(`events_20230101`) and wildcard tables (`events_*`, `events_2023*`) are
`events_yyyymmdd`, partition decorators (`t$20230101`, `t$__UNPARTITIONED__`) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.schema import MappingSchema


def _clean(name: object) -> str | None:
    text = str(name).strip().strip('"`[]').lower() if name is not None else ""
    return text or None


# A date shard suffix as BigQuery names them: a non-digit, then YYYYMMDD.
_SHARD = re.compile(r"^(.*\D)(\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$")
SHARD_SUFFIX = "yyyymmdd"


def bigquery_table_name(name: str) -> str:
    """One name for a sharded, wildcard or partition-decorated BigQuery table."""
    name = name.split("$", 1)[0] or name
    if name.endswith("*"):
        return name[:-1].rstrip("0123456789") + SHARD_SUFFIX
    shard = _SHARD.match(name)
    return shard.group(1) + SHARD_SUFFIX if shard else name


@dataclass(frozen=True)
class Naming:
    """Turns table references into lineage keys using the statement's defaults.

    `sharded` applies BigQuery's table-name rules (see the module doc).
    """

    default_db: str | None = None
    default_schema: str | None = None
    sharded: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_db", _clean(self.default_db))
        object.__setattr__(self, "default_schema", _clean(self.default_schema))

    def qualify(self, parts: list[str]) -> str:
        """Fill the missing leading parts of a name from the defaults and join it."""
        parts = [part.lower() for part in parts if part]
        if len(parts) == 1 and self.default_schema:
            parts.insert(0, self.default_schema)
        if len(parts) == 2 and self.default_db:
            parts.insert(0, self.default_db)
        return ".".join(parts)

    def table_key(self, table: exp.Expr) -> str | None:
        """The key of a table reference, stage or location; None for table functions."""
        if not isinstance(table, exp.Table):
            return location_key(table, self)
        if isinstance(table.this, exp.Identifier) and (
            table.this.args.get("temporary") or table.name.startswith("#")
        ):  # T-SQL and Redshift #temp tables: session-local, no schema
            return "#" + table.name.lower().lstrip("#")
        if isinstance(table.this, exp.Identifier | exp.Dot):
            parts = [part.name for part in table.parts]
            if self.sharded and parts:
                parts[-1] = bigquery_table_name(parts[-1])
            return None if parts == ["dual"] else self.qualify(parts)  # Oracle/MySQL DUAL
        return location_key(table.this, self)

    def renamed_key(self, old: str, new_table: exp.Table) -> str:
        """The key of a rename's new name: missing parts come from the old name."""
        new_parts = [part.name.lower() for part in new_table.parts]
        old_parts = old.split(".")
        missing = max(len(old_parts) - len(new_parts), 0)
        return ".".join(old_parts[:missing] + new_parts)


def location_key(node: exp.Expr, naming: Naming | None = None) -> str | None:
    """A stage (`@name/path`) or external location (`'s3://…'`) as a key; None otherwise."""
    if isinstance(node, exp.Literal) and node.is_string:
        return node.name.strip() or None
    if not isinstance(node, exp.Var) or not node.name.startswith("@"):
        return None
    stage = node.name[1:].split("/", 1)[0].strip().lower()
    if not stage or stage[0] in "~%" or naming is None:
        return "@" + stage
    return "@" + naming.qualify([part.strip('"') for part in stage.split(".")])


@dataclass
class SchemaIndex:
    """The caller's known columns, keyed like lineage keys, plus sqlglot's view of them.

    The columns listed are what is known, not necessarily all a table has (dbt YAML
    documents a few): the resolver treats them as a hint.
    """

    columns: dict[str, list[str]] = field(default_factory=dict)
    mapping: MappingSchema | None = None
    # "schema.table" and "table" → the columns of the one key ending so (None: several).
    _suffixes: dict[str, list[str] | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for key, cols in self.columns.items():
            parts = key.split(".")
            for start in range(1, len(parts)):
                suffix = ".".join(parts[start:])
                self._suffixes[suffix] = None if suffix in self._suffixes else cols

    def columns_of(self, key: str | None) -> list[str] | None:
        """Known columns of a table key, matching a less-qualified key by its unique suffix."""
        if not key:
            return None
        found = self.columns.get(key)
        return found if found is not None else self._suffixes.get(key)


def build_schema(schema: dict | None, naming: Naming, dialect: Dialect) -> SchemaIndex:
    """Index a `{"db.schema.table": {"column": "type"}}` mapping (keys in any case)."""
    columns: dict[str, list[str]] = {}
    types: dict[str, dict[str, str]] = {}
    for name, table_columns in (schema or {}).items():
        if not isinstance(name, str) or not isinstance(table_columns, dict):
            continue
        parts = _split_name(name, dialect)
        if naming.sharded and parts:
            parts[-1] = bigquery_table_name(parts[-1])
        key = naming.qualify(parts)
        types[key] = {
            str(col).lower(): str(kind or "unknown") for col, kind in table_columns.items()
        }
        columns[key] = list(types[key])
    if not types:
        return SchemaIndex()
    return SchemaIndex(columns=columns, mapping=_mapping_schema(types, dialect))


def _split_name(name: str, dialect: Dialect) -> list[str]:
    try:
        return [part.name for part in exp.to_table(name, dialect=dialect).parts]
    except SqlglotError:
        return [part.strip('"`[] ') for part in name.split(".")]


def _mapping_schema(types: dict[str, dict[str, str]], dialect: Dialect) -> MappingSchema | None:
    """sqlglot wants every table at one depth; keep the most qualified ones."""
    depth = max(key.count(".") for key in types)
    nested: dict = {}
    for key, table_columns in types.items():
        parts = key.split(".")
        if len(parts) - 1 != depth:
            continue
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = table_columns
    try:
        return MappingSchema(nested, dialect=dialect)
    except (SqlglotError, ValueError):
        return None
