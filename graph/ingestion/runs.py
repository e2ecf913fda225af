"""A window, end to end: fetch, filter, parse, merge; then the catalog, the run and the watermark."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from graph import catalog
from graph.models import Backfill, IngestionRun, ParseFailure, Source
from graph.sources.base import FetchIssue, LineageSource, QueryRecord, source_for
from graph.sql import LineageParser
from graph.store.base import (
    ColumnNode,
    DatasetNode,
    EdgeObservation,
    GraphStore,
    ReadObservation,
    column_key,
)
from lineage_portal.config import engine

from . import completeness, grants
from .lineage import TEMP_DDL, QueryFilter, WindowLineage, record_reads, statement_lineage

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
_parser: LineageParser | None = None


def default_parser() -> LineageParser:
    """One parser per process: its fingerprint cache is what makes repeated jobs cheap."""
    global _parser
    if _parser is None:
        _parser = LineageParser(cache_size=100_000)
    return _parser


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
    started, hits = time.monotonic(), parser.cache_hits
    run.status, run.attempts, run.error = IngestionRun.Status.RUNNING, run.attempts + 1, ""
    run.started_at, run.finished_at = timezone.now(), None
    run.save(update_fields=["status", "attempts", "error", "started_at", "finished_at"])
    try:
        fetcher = fetcher or source_for(run.source)
        with transaction.atomic():
            counts, failures = _ingest(run, store, parser, fetcher, progress)
            counts["warehouse_statements"] = completeness.warehouse_count(fetcher=fetcher, run=run)
            grants.grants_after_window(run=run, store=store, fetcher=fetcher)
            run.failures.all().delete()  # a retried run keeps its last attempt's failures
            ParseFailure.objects.bulk_create(failures, batch_size=500)
            _advance_watermark(run.source_id, run.window_end)
            _finish(
                run,
                IngestionRun.Status.SUCCEEDED,
                started,
                cache_hits=parser.cache_hits - hits,
                parse_failures=len(failures),
                **counts,
            )
    except Exception as exc:
        _finish(run, IngestionRun.Status.FAILED, started, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if own_fetcher and fetcher is not None:
            fetcher.close()
    return run


def _ingest(run, store, parser, fetcher, progress) -> tuple[dict, list[ParseFailure]]:
    """Fetch, filter, parse and aggregate the window, then merge it; returns counts, failures."""
    window = _WindowIngest(run, store, parser, fetcher)
    for record in fetcher.fetch(run.window_start, run.window_end, on_issue=window.issues.append):
        window.take(record)
        if progress and window.counts["rows_read"] % 1000 == 0:
            progress(window.counts["rows_read"], 0, f"{window.counts['rows_read']:,} rows read")
    return window.finish()


class _WindowIngest:
    """The state of one window while its records stream by."""

    def __init__(self, run, store, parser, fetcher):
        self.run, self.store, self.parser, self.fetcher = run, store, parser, fetcher
        self.filter = QueryFilter.from_config()
        self.lineage = WindowLineage(fetcher.platform)
        self.known = KnownColumns(fetcher)
        self.issues: list[FetchIssue] = []
        self.failures: list[ParseFailure] = []
        self.renames: dict[str, str] = {}
        self.counts = dict.fromkeys(
            (
                "rows_read",
                "statements_kept",
                "statements_filtered",
                "statements_with_lineage",
                "statements_excluded",
            ),
            0,
        )

    def take(self, record: QueryRecord) -> None:
        """Filter one statement, note who read what, and add its lineage if it is kept."""
        self.counts["rows_read"] += 1
        reason = self.filter.skip_reason(record)
        if reason == "temporary table":
            name = TEMP_DDL.match(record.text).group(1)
            self.lineage.temp_tables.add((record.user, self.lineage.key(name, record)))
        if not self.filter.ignores_user(record):
            record_reads(record, self.lineage)
        parsed = False
        if reason is None:
            outcome, parsed = self.add_lineage(record)
            if outcome == "temporary":
                reason = "temporary table"
        self.counts["statements_filtered" if reason else "statements_kept"] += 1
        self.tally(record, reason, parsed)

    def tally(self, record: QueryRecord, reason: str | None, parsed: bool) -> None:
        """Completeness: a successful materializing statement became lineage or was left out on purpose.

        Anything else (a parse failure) is the gap against the warehouse's own count.
        """
        if not (record.succeeded and self.filter.materializing(record.query_type)):
            return
        if reason is not None:
            self.counts["statements_excluded"] += 1
        elif parsed:
            self.counts["statements_with_lineage"] += 1

    def add_lineage(self, record: QueryRecord) -> tuple[str, bool]:
        """The statement's lineage into the window; (what ``statement_lineage`` said, parsed)."""
        result = self.parser.parse(
            record.text,
            dialect=self.fetcher.dialect,
            default_db=record.database,
            default_schema=record.schema,
            schema=self.known.schema,
        )
        if result.error:
            self.failures.append(self._failure(record.query_id, record.text, result.error))
        if record.succeeded:
            self.renames.update(_apply_renames(record, result, self.lineage, self.store))
        return statement_lineage(record, result, self.lineage), not result.error

    def finish(self) -> tuple[dict, list[ParseFailure]]:
        """Merge the window; the counts and failures for the run record."""
        self.counts["rows_read"] += sum(issue.skipped for issue in self.issues)
        self.failures += [self._failure(i.query_id, i.statement, i.reason) for i in self.issues]
        self.counts.update(_merge(self.lineage, self.store, self.known, self.renames))
        return self.counts, self.failures

    def _failure(self, query_id: str, statement: str, reason: str) -> ParseFailure:
        return ParseFailure(run=self.run, query_id=query_id, statement=statement, reason=reason)


def _apply_renames(record, result, window, store) -> dict[str, str]:
    """Renames reach the store and catalog at once; later statements use the new name."""
    done = {}
    if result.statement_type == "SWAP":
        # Two tables trade names; the store has no swap, so identities stay where they are.
        logger.warning("query %s swaps tables; their lineage keeps the old names", record.query_id)
        return done
    for old, new in result.renames:
        old_key, new_key = window.key(old, record), window.key(new, record)
        if old_key and new_key and old_key != new_key:
            store.rename_dataset(old_key, new_key, name=catalog.key_name(new_key))
            catalog.catalog_rename(old_key=old_key, new_key=new_key)
            done[old_key] = new_key
    return done


class KnownColumns:
    """The warehouse catalog's columns: the parser's schema, and types for our catalog."""

    def __init__(self, fetcher: LineageSource):
        self.by_table: dict[str, list] = {}
        for col in fetcher.fetch_columns():
            self.by_table.setdefault(col.table.lower(), []).append(col)
        self.schema = {
            table: {c.column.lower(): c.data_type for c in cols}
            for table, cols in self.by_table.items()
        } or None

    def of(self, key: str) -> list:
        return self.by_table.get(catalog.key_name(key), [])


def _merge(window: WindowLineage, store: GraphStore, known: KnownColumns, renames: dict) -> dict:
    """Write the window to the graph store in batches, then to the catalog."""
    size = engine().graph.write_batch_size
    datasets = [
        DatasetNode(
            key=d.key,
            platform=d.platform,
            name=d.name,
            object_id=d.object_id,
            kind=d.kind,
            first_seen=d.first_seen,
        )
        for d in window.datasets.values()
    ]
    columns = {(key, c.column.lower()) for key in window.datasets for c in known.of(key)}
    columns |= window.columns
    edges = _edge_observations(window, store)
    reads = [
        ReadObservation(
            principal=p,
            principal_kind=kind,
            dataset_key=key,
            first_seen=s.first,
            last_seen=s.last,
            count=s.count,
        )
        for (p, kind, key), s in window.reads.items()
    ]
    for chunk in _chunks(datasets, size):
        store.merge_datasets(chunk)
    for chunk in _chunks(sorted(columns), size):
        store.merge_columns(
            [ColumnNode(key=column_key(d, c), dataset_key=d, name=c) for d, c in chunk]
        )
    for chunk in _chunks(edges, size):
        store.merge_edges(chunk)
    for chunk in _chunks(reads, size):
        store.merge_reads(chunk)
    _update_catalog(window, store, known, renames)
    return {
        "datasets_written": len(datasets),
        "edges_written": len(edges),
        "reads_written": len(reads),
    }


def _edge_observations(window: WindowLineage, store: GraphStore) -> list[EdgeObservation]:
    """One observation per edge; edges seen only in failed runs must already exist."""
    existing: dict[str, set[tuple[str, str]]] = {}
    result = []
    for (up, down, level), seen in sorted(window.edges.items()):
        if not seen.succeeded:
            if down not in existing:
                existing[down] = {(e.upstream, e.downstream) for e in store.edges_of(down)}
            if (up, down) not in existing[down]:
                continue
        result.append(
            EdgeObservation(
                upstream=up,
                downstream=down,
                level=level,
                first_seen=seen.first,
                last_seen=seen.last,
                run_count=seen.count,
                **seen.latest,
            )
        )
    return result


def _update_catalog(
    window: WindowLineage, store: GraphStore, known: KnownColumns, renames: dict
) -> None:
    """Catalog rows under each dataset's current key (a renamed table keeps its row)."""
    keys = {k: renames.get(k, k) for k in window.datasets}
    unknown = set(keys.values()) - catalog.catalog_known_keys(keys.values())
    for key, current in keys.items():
        if current in unknown and (node := store.get_dataset(current)) is not None:
            keys[key] = node.key
    datasets = [
        catalog.CatalogDataset(
            **{**d.__dict__, "key": keys[d.key], "name": catalog.key_name(keys[d.key])}
        )
        for d in window.datasets.values()
    ]
    columns = [
        catalog.CatalogColumn(keys[key], c.column, c.data_type, c.ordinal)
        for key in window.datasets
        for c in known.of(keys[key])
    ]
    columns += [catalog.CatalogColumn(keys.get(d, d), c) for d, c in window.columns]
    catalog.catalog_upsert(datasets=datasets, columns=columns)


def _chunks(rows: list, size: int) -> Iterable[list]:
    return (rows[i : i + size] for i in range(0, len(rows), size))


def _finish(run: IngestionRun, status: str, started: float, **fields) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    run.status, run.finished_at = status, timezone.now()
    run.duration_seconds = time.monotonic() - started
    run.save()


def _advance_watermark(source_id: int, end: datetime) -> None:
    """The watermark only moves forward, whatever order windows finish in."""
    Source.objects.filter(pk=source_id).filter(
        Q(watermark__isnull=True) | Q(watermark__lt=end)
    ).update(watermark=end)
