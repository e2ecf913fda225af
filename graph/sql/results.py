"""The plain dataclasses `graph.sql` hands back; callers never see sqlglot objects."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnUpstream:
    """One source column of a downstream column, and what happened to its value on the way.

    `transform` is our label (identity | transformed | aggregated | hashed | redacted);
    `type`, `subtype` and `masking` are OpenLineage's column-lineage vocabulary: DIRECT
    upstreams supply the value, INDIRECT ones only steer it (CONDITIONAL, WINDOW, FILTER,
    SORT, JOIN) and never carry it; `masking` says the value arrives masked (hashed,
    redacted, tokenized, or reduced to a count). See `graph.sql.vocabulary`.
    """

    table: str
    column: str
    transform: str
    type: str = "DIRECT"
    subtype: str = "IDENTITY"
    masking: bool = False


@dataclass(frozen=True)
class ColumnLineage:
    """A written column (of `table`; None for a bare query's result) and its upstreams."""

    table: str | None
    column: str
    upstreams: tuple[ColumnUpstream, ...]


@dataclass(frozen=True)
class ParseResult:
    """Table and column lineage of one statement (or script).

    `error` says why nothing could be extracted; `warnings` say what could not be, when
    the rest could (an unknown column, a star over an unknown table, a statement of a
    script that did not parse…). Columns read only to filter, join, group or sort rows
    (WHERE, JOIN ON, GROUP BY, HAVING, ORDER BY of the statement) are not lineage.
    """

    in_tables: tuple[str, ...]
    out_tables: tuple[str, ...]
    column_lineage: tuple[ColumnLineage, ...]
    # CTAS, INSERT, MERGE, UPDATE, VIEW, COPY, RENAME, SWAP, ALTER, DROP, SELECT or OTHER
    statement_type: str
    error: str | None = None
    renames: tuple[tuple[str, str], ...] = ()  # (old_table, new_table) for ALTER TABLE RENAME/SWAP
    warnings: tuple[str, ...] = ()
    # Tables created for the session only (TEMPORARY, VOLATILE, T-SQL `#t`, CACHE TABLE).
    temporary: tuple[str, ...] = ()


def failed(reason: str, statement_type: str = "OTHER") -> ParseResult:
    """A result carrying only the reason nothing could be extracted."""
    return ParseResult((), (), (), statement_type, error=reason)
