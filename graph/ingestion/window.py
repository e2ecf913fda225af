"""A warehouse window, end to end: each row passes source → filter → parser → assembly once,
then the window is merged and its run recorded.

Completeness: each run keeps the warehouse's own count of successful materializing
statements in its window next to how many became lineage or were left out on purpose;
the difference is the gap the pages and ``manage.py ingest`` report (``completeness``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from django.db import transaction

from graph.models import Backfill, IngestionRun, ParseFailure, Source
from graph.sources import source_for
from graph.sources.base import FetchIssue, LineageSource, QueryRecord
from graph.sql import LineageParser, ParseResult
from graph.sql.shared import default_parser
from graph.store.base import GraphStore

from . import completeness, grants, leases
from .assembly import KnownColumns, WindowAssembly
from .filter import QueryFilter, temp_table_name
from .ledger import Ledger, LedgerMoved, ledger_scope
from .merge import lineage_merge, run_begin, run_finish

logger = logging.getLogger(__name__)

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
    owner: str | None = None,
    retrying: bool = False,
) -> IngestionRun:
    """Execute (or re-execute) a run: the store, catalog, run record and watermark.

    The run is first claimed for ``owner`` (this process unless given) and its lease kept
    by heartbeats; a run that is done, or held by someone alive, is returned untouched. A
    failure is recorded on the run — FAILED, or QUEUED again when the caller is
    ``retrying`` it — and raised again, for the caller's retry policy.
    """
    parser = parser or default_parser()
    owner = owner or leases.process_owner()
    started = run_begin(run=run, owner=owner, lease=leases.lease())
    if started is None:
        return run
    hits = parser.cache_hits
    own_fetcher = fetcher is None
    with leases.Heartbeat(owner):
        try:
            fetcher = fetcher or source_for(run.source)
            with transaction.atomic():
                _execute(run, store, parser, fetcher, progress, started, hits)
        except Exception as exc:
            _record_failure(run, fetcher, started, exc, retrying=retrying)
            raise
        finally:
            if own_fetcher and fetcher is not None:
                fetcher.close()
    return run


def _execute(run, store, parser, fetcher, progress, started: float, hits: int) -> None:
    """Read, merge and record one window, inside the caller's transaction.

    The rows are read and parsed without any lock, several windows of a source at once;
    the merge then takes the source's lock (one window of a source writes at a time, so
    their graph writes never deadlock) and writes the lineage, the ledger, the catalog and
    the run record as one unit (``ledger``).
    """
    scope = ledger_scope(platform=fetcher.platform, source_name=run.source.name)
    start, end = run.window_start, run.window_end
    seen = Ledger.load(store, scope)
    window = _Window(run, parser, fetcher, counted=seen.counted(start, end))
    window.read(progress)
    window.counts["warehouse_statements"] = completeness.warehouse_count(fetcher=fetcher, run=run)
    settled = (
        Source.objects.select_for_update().values_list("watermark", flat=True).get(pk=run.source_id)
    )
    with store.unit():
        book = Ledger.load(store, scope)
        if book.overlap(start, end) != seen.overlap(start, end):
            raise LedgerMoved(f"another run merged part of {start:%Y-%m-%d %H:%M}..{end:%H:%M}")
        merged = lineage_merge(store=store, batch=window.assembly.batch(), ledger=book, until=end)
        book.add_window(start, end)
        book.prune(settled=settled)
        book.save(store)
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


def _record_failure(run, fetcher, started: float, exc: Exception, *, retrying: bool) -> None:
    """Record a failed attempt; never hides ``exc`` (the database may be what failed).

    The warehouse's count of the window's statements is kept, so that completeness counts
    them as missing while the window is not in.
    """
    status = IngestionRun.Status.QUEUED if retrying else IngestionRun.Status.FAILED
    error = f"{type(exc).__name__}: {exc}"
    counted = None if fetcher is None else completeness.warehouse_count(fetcher=fetcher, run=run)
    try:
        run_finish(
            run=run,
            status=status,
            started=started,
            error=f"{error}; retrying" if retrying else error,
            warehouse_statements=counted,
            requeue_within=leases.queue_wait() if retrying else None,
        )
    except Exception:  # noqa: BLE001 - the original failure is what the caller must see
        logger.warning("run %s: could not record its failure", run.pk, exc_info=True)


NOT_UNDERSTOOD = (
    "not understood: the parser read this statement as a command it does not know and "
    "found no table it reads or writes"
)


def understood(result: ParseResult) -> bool:
    """Whether a parse without error found anything at all in a statement that moves data.

    The parser falls back to an opaque command for syntax it does not support (``EXECUTE
    IMMEDIATE``, scripting blocks…) and reports no error: such a statement produced no
    lineage, and counting it as if it had would hide it from the completeness figure.
    """
    return bool(
        result.statement_type != "OTHER" or result.in_tables or result.out_tables or result.renames
    )


class _Window:
    """One window while its rows stream by: the filter, the parser and the assembly."""

    def __init__(self, run: IngestionRun, parser: LineageParser, fetcher: LineageSource, counted):
        self.run, self.parser, self.fetcher = run, parser, fetcher
        self.filter = QueryFilter.from_config()
        self.assembly = WindowAssembly(
            fetcher.platform,
            KnownColumns(fetcher.fetch_columns()),
            origin=fetcher.origin,
            counted=counted,
            additive=True,
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
            if not result.error and not understood(result):
                result = replace(result, error=NOT_UNDERSTOOD)
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
