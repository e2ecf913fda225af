"""The shape every lineage source has: fetch a time window of statements as plain records.

A source knows how to talk to one kind of system and nothing about the graph: it returns
``QueryRecord``s with the names the system uses (``PROD_DB.RAW.CUSTOMERS``), and reports
rows it cannot use as ``FetchIssue``s instead of stopping. Normalizing names, filtering,
parsing and merging are the pipeline's job (``graph.ingestion``).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnSource:
    """A column a written column was computed from, as the warehouse reports it."""

    object_name: str
    column_name: str
    object_domain: str = "Table"
    object_id: str | None = None


@dataclass(frozen=True)
class AccessedColumn:
    """A column read or written by a statement, with its sources when written."""

    name: str
    column_id: str | None = None
    direct_sources: tuple[ColumnSource, ...] = ()
    base_sources: tuple[ColumnSource, ...] = ()


@dataclass(frozen=True)
class AccessedObject:
    """A table, view, stage… that a statement read or wrote."""

    name: str  # as the warehouse spells it: PROD_DB.RAW.CUSTOMERS
    domain: str = "Table"  # Table | View | Materialized view | Stage | …
    object_id: str | None = None
    columns: tuple[AccessedColumn, ...] = ()

    @property
    def is_dataset(self) -> bool:
        """Tables and views carry lineage; stages, functions and the like do not."""
        return self.domain.lower() in {"table", "view", "materialized view", "external table"}


@dataclass(frozen=True)
class QueryRecord:
    """One executed statement and what the warehouse knows about what it touched."""

    query_id: str
    text: str
    query_type: str
    execution_status: str  # SUCCESS | FAILED
    start_time: datetime
    end_time: datetime | None = None
    error: str | None = None
    user: str | None = None
    role: str | None = None
    database: str | None = None
    schema: str | None = None
    query_tag: str | None = None
    job: str | None = None  # the scheduler's job that ran it, when the source can tell
    rows_produced: int | None = None
    objects_modified: tuple[AccessedObject, ...] = ()
    direct_objects_accessed: tuple[AccessedObject, ...] = ()
    base_objects_accessed: tuple[AccessedObject, ...] = ()
    has_access_history: bool = False
    # How many runs this record stands for: 1 for a history row, the growth of a
    # statement's call count for sources that only keep counters (pg_stat_statements).
    executions: int = 1

    @property
    def succeeded(self) -> bool:
        return self.execution_status == "SUCCESS"


@dataclass(frozen=True)
class FetchIssue:
    """A row that could not be used (or only in part), and why."""

    query_id: str
    reason: str
    statement: str = ""
    skipped: bool = False  # the whole row was unusable (else only part of it)


@dataclass(frozen=True)
class KnownColumn:
    """A column the warehouse's catalog knows: used to expand ``SELECT *`` and fill the catalog."""

    table: str  # PROD_DB.RAW.CUSTOMERS
    column: str
    data_type: str = ""
    ordinal: int = 0
    table_id: str | None = None


IssueHandler = Callable[[FetchIssue], None]


def log_issue(issue: FetchIssue) -> None:
    """The default issue handler: a warning in the log."""
    logger.warning("skipped part of query %s: %s", issue.query_id, issue.reason)


class LineageSource(ABC):
    """A system that lineage is read from, one time window at a time."""

    platform: str = "unknown"
    dialect: str = ""
    # Whose word its lineage is (graph.store.base.ORIGINS): query history is the warehouse's.
    origin: str = "warehouse"
    # How long the system takes to make a statement visible; windows end this long ago.
    latency: timedelta = timedelta(0)

    @abstractmethod
    def fetch(
        self, window_start: datetime, window_end: datetime, *, on_issue: IssueHandler = log_issue
    ) -> Iterator[QueryRecord]:
        """Statements that started in [window_start, window_end), oldest first."""

    def fetch_columns(self) -> list[KnownColumn]:
        """Every column the system's catalog knows (empty when it has no catalog)."""
        return []

    def close(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Release connections."""

    def __enter__(self) -> LineageSource:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
