"""A warehouse window, end to end: each row passes source → filter → parser → assembly once,
then the window is merged and its run recorded.

Completeness: each run keeps the warehouse's own count of successful materializing
statements in its window next to how many became lineage or were left out on purpose;
the difference is the gap the pages and ``manage.py ingest`` report (``completeness``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from graph.models import Backfill, IngestionRun, ParseFailure, Source
from graph.sources import source_for
from graph.sources.base import FetchIssue, LineageSource, QueryRecord
from graph.sql import LineageParser
from graph.sql.shared import default_parser
from graph.store.base import GraphStore

from . import completeness, grants
from .assembly import KnownColumns, WindowAssembly
from .filter import QueryFilter, temp_table_name
from .merge import lineage_merge, run_begin, run_finish

Progress = Callable[[int, int, str], None]

_COUNTS = (
    "rows_read",
    "statements_partial",
    "statements_kept",
    "statements_filtered",
    "statements_with_lineage",
    "statements_excluded",
)


def ingest_window(
    *,
    source: Source,
    window_start: datetime,
    window_end: datetime,
    store: GraphStore,
    parser: LineageParser | None = None,
    backfill: Backfill | None = None,
    progress: Progress | None = None,
    fetcher: LineageSource | None = None,
) -> IngestionRun:
    """Ingest [window_start, window_end) of ``source`` into ``store`` as a new run."""
    run = IngestionRun.objects.create(
        source=source, backfill=backfill, window_start=window_start, window_end=window_end
    )
    return run_execute(run=run, store=store, parser=parser, progress=progress, fetcher=fetcher)


def run_execute(
    *,
    run: IngestionRun,
    store: GraphStore,
    parser: LineageParser | None = None,
    progress: Progress | None = None,
    fetcher: LineageSource | None = None,
) -> IngestionRun:
    """Execute (or re-execute) a run: the store, catalog, run record and watermark.

    A failure is recorded on the run and raised again, for the caller's retry policy.
    """
    parser = parser or default_parser()
    own_fetcher = fetcher is None
    started, hits = run_begin(run=run), parser.cache_hits
    try:
        fetcher = fetcher or source_for(run.source)
        with transaction.atomic():
            window = _Window(run, parser, fetcher)
            window.read(progress)
            merged = lineage_merge(store=store, batch=window.assembly.batch())
            window.counts["warehouse_statements"] = completeness.warehouse_count(
                fetcher=fetcher, run=run
            )
            grants.grants_after_window(run=run, store=store, fetcher=fetcher)
            run_finish(
                run=run,
                status=IngestionRun.Status.SUCCEEDED,
                started=started,
                failures=window.failures,
                cache_hits=parser.cache_hits - hits,
                parse_failures=len(window.failures),
                datasets_written=merged.datasets,
                edges_written=merged.edges,
                reads_written=merged.reads,
                **window.counts,
            )
    except Exception as exc:
        run_finish(
            run=run,
            status=IngestionRun.Status.FAILED,
            started=started,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    finally:
        if own_fetcher and fetcher is not None:
            fetcher.close()
    return run


class _Window:
    """One window while its rows stream by: the filter, the parser and the assembly."""

    def __init__(self, run: IngestionRun, parser: LineageParser, fetcher: LineageSource):
        self.run, self.parser, self.fetcher = run, parser, fetcher
        self.filter = QueryFilter.from_config()
        self.assembly = WindowAssembly(
            fetcher.platform, KnownColumns(fetcher.fetch_columns()), origin=fetcher.origin
        )
        self.issues: list[FetchIssue] = []
        self.failures: list[ParseFailure] = []
        self.counts: dict[str, int | None] = dict.fromkeys(_COUNTS, 0)

    def read(self, progress: Progress | None) -> None:
        """Take every row of the window; unusable rows become parse failures."""
        window = self.fetcher.fetch(
            self.run.window_start, self.run.window_end, on_issue=self.issues.append
        )
        for record in window:
            self.take(record)
            if progress and self.counts["rows_read"] % 1000 == 0:
                progress(self.counts["rows_read"], 0, f"{self.counts['rows_read']:,} rows read")
        self.counts["rows_read"] += sum(issue.skipped for issue in self.issues)
        self.failures += [self._failure(i.query_id, i.statement, i.reason) for i in self.issues]

    def take(self, record: QueryRecord) -> None:
        """Filter, parse and assemble one statement, and count it."""
        self.counts["rows_read"] += 1
        reason = self.filter.skip_reason(record)
        result = None
        if reason is None:
            result = self.parser.parse(
                record.text,
                dialect=self.fetcher.dialect,
                default_db=record.database,
                default_schema=record.schema,
                schema=self.assembly.known.schema,
            )
            if result.error:
                self.failures.append(self._failure(record.query_id, record.text, result.error))
            elif getattr(result, "warnings", ()):
                self.counts["statements_partial"] += 1
        outcome = self.assembly.add(
            record,
            temp_table=temp_table_name(record) if reason == "temporary table" else None,
            reads=not self.filter.ignores_user(record),
            result=result,
        )
        if outcome == "temporary":
            reason = "temporary table"
        self.counts["statements_filtered" if reason else "statements_kept"] += 1
        self._tally(record, reason, parsed=result is not None and not result.error)

    def _tally(self, record: QueryRecord, reason: str | None, *, parsed: bool) -> None:
        """Completeness: a successful materializing statement became lineage or was left out on purpose.

        Anything else (a parse failure) is the gap against the warehouse's own count.
        """
        if not (record.succeeded and self.filter.materializing(record.query_type)):
            return
        if reason is not None:
            self.counts["statements_excluded"] += 1
        elif parsed:
            self.counts["statements_with_lineage"] += 1

    def _failure(self, query_id: str, statement: str, reason: str) -> ParseFailure:
        return ParseFailure(run=self.run, query_id=query_id, statement=statement, reason=reason)
