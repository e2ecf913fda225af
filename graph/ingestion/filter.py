"""Which statements become lineage: ``telemetry.query_filters`` and session temp tables.

A type matches itself and its ``_``-suffixed variants (ALTER matches ALTER_TABLE_…); never
session temporary tables, nor statements writing into one that the same user created
earlier in the window (the assembly knows those). Filtered statements still count as reads.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from graph.sources.base import QueryRecord
from lineage_portal.config import engine

TEMP_DDL = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(?:local\s+|global\s+)?(?:temp|temporary|volatile)\s+"
    r"table\s+(?:if\s+not\s+exists\s+)?([^\s(]+)",
    re.IGNORECASE,
)


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
        return _materializing(query_type, self.include_types)

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


@functools.lru_cache(maxsize=1024)
def _materializing(query_type: str, include_types: tuple[str, ...]) -> bool:
    # Asked twice per row of history, of a few dozen types: answered once per type.
    return any(query_type == t or query_type.startswith(t + "_") for t in include_types)


def temp_table_name(record: QueryRecord) -> str | None:
    """The table a session-temporary CREATE makes, or None for any other statement."""
    match = TEMP_DDL.match(record.text)
    return match.group(1) if match else None
