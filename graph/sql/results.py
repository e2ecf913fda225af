"""The plain dataclasses `graph.sql` hands back; callers never see sqlglot objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnUpstream:
    """One source column of a downstream column, and what happened to its value on the way."""

    table: str
    column: str
    transform: str  # identity | hashed | aggregated | redacted | transformed


@dataclass(frozen=True)
class ColumnLineage:
    """A written column and the physical columns its values come from."""

    table: str
    column: str
    upstreams: tuple[ColumnUpstream, ...]


@dataclass(frozen=True)
class ParseResult:
    """Table and column lineage of one statement; `error` says why it is empty when it is."""

    in_tables: tuple[str, ...]
    out_tables: tuple[str, ...]
    column_lineage: tuple[ColumnLineage, ...]
    # CTAS, INSERT, MERGE, UPDATE, VIEW, COPY, RENAME, SWAP, ALTER, DROP, SELECT or OTHER
    statement_type: str
    error: str | None = None
    renames: tuple[tuple[str, str], ...] = ()  # (old_table, new_table) for ALTER TABLE RENAME/SWAP


def failed(reason: str, statement_type: str = "OTHER") -> ParseResult:
    """A result carrying only the reason nothing could be extracted."""
    return ParseResult((), (), (), statement_type, error=reason)
