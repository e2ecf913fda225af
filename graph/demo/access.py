"""ACCESS_HISTORY records for demo statements, in the shapes Snowflake writes them.

Each record lists the objects a statement read directly (``DIRECT_OBJECTS_ACCESSED``),
the base tables behind them (``BASE_OBJECTS_ACCESSED``: views expanded) and what it
wrote (``OBJECTS_MODIFIED``), each object as ``{objectDomain, objectName, objectId,
columns: [{columnName, columnId, directSources?, baseSources?}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .warehouse import DATABASE, RENAMED_FROM, VIEWS, DemoTable

STAGE = {
    "objectDomain": "Stage",
    "objectName": f"{DATABASE}.RAW.LANDING_STAGE",
    "objectId": 9001,
    "stageKind": "External Named",
}

# The base tables behind each view, as Snowflake resolves them for BASE_OBJECTS_ACCESSED.
VIEW_BASES = {
    "MARTS.V_ACTIVE_CUSTOMERS": ("STAGING.STG_CUSTOMERS", "ANALYTICS.CUSTOMER_LIFETIME_VALUE"),
}

_OLD_NAMES = {old: new for new, old in RENAMED_FROM.items()}


class Catalog:
    """Looks tables up by their name at the time of a statement (before or after a rename)."""

    def __init__(self, tables: dict[str, DemoTable]):
        self.tables = tables
        self._temp_ids: dict[str, int] = {}

    def table(self, name: str) -> DemoTable | None:
        return self.tables.get(_OLD_NAMES.get(name, name))

    def object_id(self, name: str) -> int:
        table = self.table(name)
        if table is not None:
            return table.table_id
        # Session temporary tables get fresh ids, as Snowflake gives them.
        return self._temp_ids.setdefault(name, 5000 + len(self._temp_ids))

    def columns_used(self, name: str, sql: str) -> list[dict]:
        """The table's columns that the statement mentions (all of them for ``*``)."""
        table = self.table(name)
        if table is None:
            return []
        words = {word.upper() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql)}
        star = "*" in sql.replace("COUNT(*)", "").replace("count(*)", "")
        return [
            {"columnId": column_id, "columnName": column}
            for column, _, column_id in table.columns
            if star or column in words
        ]

    def entry(self, name: str, columns: list[dict]) -> dict:
        domain = "View" if name in VIEWS else "Table"
        return {
            "objectDomain": domain,
            "objectName": f"{DATABASE}.{name}",
            "objectId": self.object_id(name),
            "columns": columns,
        }


def accessed(catalog: Catalog, sql: str, reads: Iterable[str]) -> tuple[list, list]:
    """DIRECT_OBJECTS_ACCESSED and BASE_OBJECTS_ACCESSED for a statement reading ``reads``."""
    direct, base = [], []
    for name in reads:
        direct.append(catalog.entry(name, catalog.columns_used(name, sql)))
        for base_name in VIEW_BASES.get(name, (name,)):
            base.append(catalog.entry(base_name, catalog.columns_used(base_name, sql)))
    return direct, base


def modified(
    catalog: Catalog, target: str, sql: str, lineage: dict[str, tuple[str, ...]]
) -> list[dict]:
    """OBJECTS_MODIFIED: the target, its written columns and, where known, their sources."""
    columns = []
    table = catalog.table(target)
    names = [c for c in (table.column_names if table else ()) if c in sql.upper() or c in lineage]
    for column in names:
        item = {"columnName": column, "columnId": _column_id(catalog, target, column)}
        sources = [_source(catalog, ref) for ref in lineage.get(column, ())]
        if sources:
            item["directSources"] = sources
            item["baseSources"] = sources
        columns.append(item)
    return [catalog.entry(target, columns)]


def _column_id(catalog: Catalog, table_name: str, column: str) -> int:
    table = catalog.table(table_name)
    for name, _, column_id in table.columns if table else ():
        if name == column:
            return column_id
    return 0


def _source(catalog: Catalog, ref: str) -> dict:
    schema, table, column = ref.split(".")
    name = f"{schema}.{table}"
    return {
        "columnName": column,
        "objectDomain": "Table",
        "objectId": catalog.object_id(name),
        "objectName": f"{DATABASE}.{name}",
    }


def ddl_change(catalog: Catalog, target: str, operation: str, **properties) -> dict:
    """OBJECT_MODIFIED_BY_DDL for CREATE/REPLACE/ALTER of ``target``."""
    domain = "View" if target in VIEWS else "Table"
    return {
        "objectDomain": domain,
        "objectId": catalog.object_id(target),
        "objectName": f"{DATABASE}.{target}",
        "operationType": operation,
        "properties": {key: {"value": value} for key, value in properties.items()},
    }
