"""One window's lineage: which statements count, and what each adds to the graph.

Pure bookkeeping over ``QueryRecord``s and parse results: no database, no store. Keys are
normalized with ``graph.catalog.dataset_key``; observations are aggregated per edge.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime

from graph import catalog
from graph.sources.base import QueryRecord
from graph.sql import ParseResult, fingerprint
from graph.store.base import column_key
from lineage_portal.config import engine

# From leakiest to safest: a dataset edge is as leaky as its leakiest column edge.
MASKING_ORDER = ("identity", "transformed", "unknown", "aggregated", "hashed", "redacted")
_TRANSFORMATION = {
    "CREATE_TABLE_AS_SELECT": "CTAS",
    "CREATE_VIEW": "VIEW",
    "RENAME_TABLE": "RENAME",
}
TEMP_DDL = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(?:local\s+|global\s+)?(?:temp|temporary|volatile)\s+"
    r"table\s+(?:if\s+not\s+exists\s+)?([^\s(]+)",
    re.IGNORECASE,
)


# --- filter ----------------------------------------------------------------------
@dataclass(frozen=True)
class QueryFilter:
    """Which statements become lineage (``telemetry.query_filters``)."""

    include_types: tuple[str, ...]
    exclude_temporary: bool = True
    exclude_users: frozenset[str] = frozenset()
    successful_only: bool = False

    @classmethod
    def from_config(cls) -> QueryFilter:
        conf = engine().telemetry.query_filters
        return cls(
            include_types=tuple(t.upper() for t in conf.include_types),
            exclude_temporary=conf.exclude_temporary,
            exclude_users=frozenset(u.upper() for u in conf.exclude_users),
            successful_only=conf.successful_only,
        )

    def ignores_user(self, record: QueryRecord) -> bool:
        return (record.user or "").upper() in self.exclude_users

    def materializing(self, query_type: str) -> bool:
        """A type matches itself and its ``_``-suffixed variants (ALTER: ALTER_TABLE_…)."""
        return any(query_type == t or query_type.startswith(t + "_") for t in self.include_types)

    def skip_reason(self, record: QueryRecord) -> str | None:
        """Why the statement is not lineage, or None to keep it."""
        if self.ignores_user(record):
            return "excluded user"
        if self.successful_only and not record.succeeded:
            return "failed"
        if not self.materializing(record.query_type):
            return f"type {record.query_type}"
        if self.exclude_temporary and TEMP_DDL.match(record.text):
            return "temporary table"
        return None


# --- one window's lineage ------------------------------------------------------------
@dataclass
class _Seen:
    """Observations of one edge (or read) in the window; the latest one's details win."""

    first: datetime
    last: datetime
    count: int = 0
    latest: dict = field(default_factory=dict)
    succeeded: bool = False

    def add(self, at: datetime, details: dict, succeeded: bool, count: int = 1) -> None:
        if self.count == 0 or at >= self.last:
            self.latest = details
        self.first, self.last = min(self.first, at), max(self.last, at)
        self.count += count
        self.succeeded = self.succeeded or succeeded


@dataclass
class WindowLineage:
    """Everything one window contributes to the graph, aggregated and normalized."""

    platform: str
    datasets: dict[str, catalog.CatalogDataset] = field(default_factory=dict)
    columns: set[tuple[str, str]] = field(default_factory=set)
    edges: dict[tuple[str, str, str], _Seen] = field(default_factory=dict)
    reads: dict[tuple[str, str, str], _Seen] = field(default_factory=dict)
    temp_tables: set[tuple[str, str]] = field(default_factory=set)  # (user, dataset key)

    def key(self, name: str, record: QueryRecord) -> str | None:
        return catalog.dataset_key(
            self.platform, name, default_db=record.database, default_schema=record.schema
        )

    def dataset(
        self, key: str, at: datetime, *, object_id: str | None = None, kind: str = "table"
    ) -> None:
        seen = catalog.CatalogDataset(
            key, self.platform, catalog.key_name(key), kind, object_id, at, at
        )
        self.datasets[key] = catalog.combine(self.datasets.get(key), seen)

    def edge(
        self, up: str, down: str, level: str, at: datetime, details: dict, ok: bool, count: int = 1
    ) -> None:
        self.edges.setdefault((up, down, level), _Seen(at, at)).add(at, details, ok, count)

    def read(self, principal: str, kind: str, key: str, at: datetime, count: int = 1) -> None:
        self.reads.setdefault((principal, kind, key), _Seen(at, at)).add(at, {}, True, count)


def statement_lineage(record: QueryRecord, result: ParseResult, window: WindowLineage) -> str:
    """Add one kept statement's datasets and edges to the window.

    Returns "temporary" (it writes into a session temporary table: filtered after all),
    "lineage" or "none" (nothing written that we can name, e.g. ALTER … ADD COLUMN).
    """
    if result.statement_type in ("RENAME", "SWAP"):
        return "none"  # a new name, not a data flow (renames are applied by the caller)
    # What the warehouse recorded wins over what the parser inferred.
    written = {window.key(o.name, record): o for o in record.objects_modified if o.is_dataset}
    read = {window.key(o.name, record): o for o in record.direct_objects_accessed if o.is_dataset}
    targets = [k for k in written if k] or _keys(result.out_tables, record, window)
    if window.temp_tables & {(record.user, t) for t in targets}:
        return "temporary"
    sources = [k for k in read if k] or _keys(result.in_tables, record, window)
    if record.succeeded:
        objects = {**read, **written}
        for key in {*sources, *targets}:
            obj = objects.get(key)
            view = (obj is not None and obj.domain.lower() == "view") or (
                key in targets and result.statement_type == "VIEW"
            )
            window.dataset(
                key,
                record.start_time,
                object_id=obj and obj.object_id,
                kind="view" if view else "table",
            )
    _add_edges(record, result, window, {(s, t) for s in sources for t in targets if s != t})
    return "lineage" if targets else "none"


def _keys(names, record: QueryRecord, window: WindowLineage) -> list[str]:
    return [k for k in (window.key(name, record) for name in names) if k]


def _add_edges(record, result, window: WindowLineage, table_pairs: set[tuple[str, str]]) -> None:
    """Column edges, and dataset edges as leaky as their leakiest column edge."""
    details = {
        "transformation_type": _TRANSFORMATION.get(record.query_type, result.statement_type),
        "query_id": record.query_id,
        "job": record.job,
        "job_version": job_version(record.text, window.platform),
        "execution_status": record.execution_status,
    }
    maskings: dict[tuple[str, str], list[str]] = {pair: [] for pair in table_pairs}
    for up, up_col, down, down_col, masking in _column_pairs(record, result, window):
        if record.succeeded:
            window.columns.update({(up, up_col), (down, down_col)})
        window.edge(
            column_key(up, up_col),
            column_key(down, down_col),
            "column",
            record.start_time,
            {**details, "masking": masking},
            record.succeeded,
            record.executions,
        )
        maskings.setdefault((up, down), []).append(masking)
    for (up, down), seen in maskings.items():
        masking = min(seen, key=MASKING_ORDER.index, default="unknown")
        window.edge(
            up,
            down,
            "dataset",
            record.start_time,
            {**details, "masking": masking},
            record.succeeded,
            record.executions,
        )


def _column_pairs(record: QueryRecord, result: ParseResult, window: WindowLineage) -> list[tuple]:
    """(upstream key, column, downstream key, column, masking) for every column edge."""
    parsed = {}
    for lineage in result.column_lineage:
        down = window.key(lineage.table, record)
        for up in lineage.upstreams:
            parsed[
                (window.key(up.table, record), up.column.lower(), down, lineage.column.lower())
            ] = up.transform
    snowflake = [
        (
            window.key(src.object_name, record),
            src.column_name.lower(),
            window.key(obj.name, record),
            col.name.lower(),
        )
        for obj in record.objects_modified
        if obj.is_dataset
        for col in obj.columns
        for src in col.direct_sources
    ]
    if snowflake:
        return [(*pair, parsed.get(pair, "unknown")) for pair in snowflake if pair[0] and pair[2]]
    return [(*pair, transform) for pair, transform in parsed.items() if pair[0] and pair[2]]


@functools.lru_cache(maxsize=4096)
def job_version(text: str, dialect: str) -> str:
    """A short fingerprint of the statement: it changes when the job's SQL changes."""
    return fingerprint(text, dialect)[:12]


def record_reads(record: QueryRecord, window: WindowLineage) -> None:
    """Who read what: the base tables behind every successful statement."""
    if not record.succeeded:
        return
    for obj in record.base_objects_accessed:
        key = window.key(obj.name, record) if obj.is_dataset else None
        if key is None or (record.user, key) in window.temp_tables:
            continue
        window.dataset(
            key,
            record.start_time,
            object_id=obj.object_id,
            kind="view" if obj.domain.lower() == "view" else "table",
        )
        for principal, kind in ((record.user, "user"), (record.role, "role")):
            if principal:
                window.read(principal, kind, key, record.start_time, record.executions)
