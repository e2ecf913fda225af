"""Ingestion: fetch → filter → parse → normalize → merge, one time window of one source.

Decisions worth knowing:

* Filter: only materializing statements (``telemetry.query_filters.include_types``; a
  type matches itself and its ``_``-suffixed variants, so ALTER matches ALTER_TABLE_…);
  never session temporary tables, nor statements writing into one that the same user
  created earlier in the window. Filtered statements still count as *reads*.
* Lineage: Snowflake's own column lineage (ACCESS_HISTORY ``directSources``) is preferred
  where a statement has it; the parser then only says how each value was transformed
  (``masking``; ``unknown`` where it cannot tell). Without it, the parser's lineage is used.
* Failed statements never create lineage: their observations (execution_status FAILED)
  are merged only onto edges that already exist, so a job that never succeeded leaves no
  trace in the graph, while a failing run of a known job shows on that job's edges.
* Observations are aggregated per edge within the window (first/last seen, run count, the
  latest run's query id and status) and merged idempotently: replaying a window changes
  nothing. Renames reach the store when they are met, in statement order, so earlier
  observations of the old name follow the table to its new key.
* Reads come from ``BASE_OBJECTS_ACCESSED`` of successful statements, per user and role.
* Completeness: each run keeps the warehouse's own count of successful materializing
  statements in its window next to how many became lineage or were left out on purpose;
  the difference is the gap the pages and ``manage.py ingest`` report (``completeness``).
* Jobs started from the pages (``jobs``) enqueue one task per window once they commit.
"""

from .jobs import JobRefused, backfill_retry, backfill_start, source_refusal, sync_start
from .lineage import MASKING_ORDER, QueryFilter, WindowLineage, statement_lineage
from .runs import Progress, default_parser, ingest_window, run_execute
from .windows import WindowsDone, backfill, run_backfill, run_windows, sync_windows, windows

__all__ = [
    "MASKING_ORDER",
    "JobRefused",
    "Progress",
    "QueryFilter",
    "WindowLineage",
    "WindowsDone",
    "backfill",
    "backfill_retry",
    "backfill_start",
    "default_parser",
    "ingest_window",
    "run_backfill",
    "run_execute",
    "run_windows",
    "source_refusal",
    "statement_lineage",
    "sync_start",
    "sync_windows",
    "windows",
]
