"""Reads of the lineage side for pages and the API: the catalog, the graph, ingestion and backfills.

Views validate input and call one of these; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from lineage_portal.config import engine

from .elements import chain_catalogs, registered_catalog, subgraph_to_elements
from .ingestion.completeness import Completeness, runs_completeness
from .ingestion.jobs import UNFINISHED, source_refusal
from .models import Backfill, Column, Dataset, IngestionRun, Source
from .store import get_store
from .store.base import MAX_DEPTH, Counts, Direction, Level, Node, StoreError, Subgraph

DATASET_SORTS = {
    "name": ("name", "key"),
    "-name": ("-name", "-key"),
    "schema": ("schema", "name"),
    "platform": ("platform", "schema", "name"),
    "columns": ("-column_count", "name"),
    "last_seen": ("-last_seen", "name"),
}
SEARCH_LIMIT = 50
# The config's graph.max_depth bounds what pages and the API draw: deeper is unreadable.
LINEAGE_MAX_DEPTH = min(engine().graph.max_depth, MAX_DEPTH)


class LineageNotFound(LookupError):
    """Neither the graph nor the catalog knows the requested dataset."""


@dataclass(frozen=True)
class Dashboard:
    """What the home page shows: how much the portal knows, and how fresh it is."""

    datasets: int
    columns: int
    sources: int
    graph: Counts | None  # None when the graph store could not answer
    graph_error: str
    last_run: IngestionRun | None
    recent_runs: list[IngestionRun]


@dataclass(frozen=True)
class SearchHit:
    """A dataset or column whose name matches a search."""

    kind: str  # dataset | column
    name: str
    qualified_name: str
    platform: str
    url: str
    exact: bool
    dataset_key: str


@dataclass(frozen=True)
class Lineage:
    """A drawn neighbourhood: cytoscape elements plus what the page says about them."""

    center: str
    elements: list[dict[str, Any]]
    truncated: bool


# --- dashboard ---------------------------------------------------------------


def dashboard_get() -> Dashboard:
    """Counts from the catalog and the graph store, and the latest ingestion runs."""
    graph, graph_error = None, ""
    try:
        graph = get_store().counts()
    except StoreError as exc:
        graph_error = str(exc)
    # Queued runs have no start yet; on Postgres they would sort first without nulls_last.
    recent = list(
        IngestionRun.objects.select_related("source").order_by(
            F("started_at").desc(nulls_last=True), "-id"
        )[:5]
    )
    return Dashboard(
        datasets=Dataset.objects.count(),
        columns=Column.objects.count(),
        sources=Source.objects.count(),
        graph=graph,
        graph_error=graph_error,
        last_run=recent[0] if recent else None,
        recent_runs=recent,
    )


# --- catalog -----------------------------------------------------------------


def dataset_list(
    *, query: str = "", platform: str = "", schema: str = "", sort: str = "name"
) -> QuerySet[Dataset]:
    """Catalog datasets matching a name search and facet filters, with column counts."""
    datasets = Dataset.objects.annotate(column_count=Count("columns"))
    if query:
        datasets = datasets.filter(Q(name__icontains=query) | Q(key__icontains=query))
    if platform:
        datasets = datasets.filter(platform=platform)
    if schema:
        datasets = datasets.filter(schema=schema)
    return datasets.order_by(*DATASET_SORTS.get(sort, DATASET_SORTS["name"]))


def dataset_facets() -> dict[str, list[str]]:
    """The platforms and schemas present in the catalog, for the filter menus."""
    return {
        "platforms": list(
            Dataset.objects.order_by("platform").values_list("platform", flat=True).distinct()
        ),
        "schemas": list(
            Dataset.objects.exclude(schema="")
            .order_by("schema")
            .values_list("schema", flat=True)
            .distinct()
        ),
    }


def dataset_get(*, pk: int) -> Dataset:
    """One catalog dataset; raises ``Dataset.DoesNotExist``."""
    return Dataset.objects.get(pk=pk)


def dataset_get_by_key(*, key: str) -> Dataset | None:
    return Dataset.objects.filter(key=key).first()


def catalog_is_empty() -> bool:
    return not Dataset.objects.exists()


def dataset_columns(*, dataset: Dataset) -> QuerySet[Column]:
    return dataset.columns.order_by("ordinal", "name")


def dataset_neighbour_counts(*, key: str) -> dict[str, int]:
    """How many datasets feed this one directly, and how many it feeds."""
    store = get_store()
    return {
        "upstream": sum(1 for r in store.upstream(key, depth=1) if "#" not in r.key),
        "downstream": sum(1 for r in store.downstream(key, depth=1) if "#" not in r.key),
    }


def catalog_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Datasets then columns whose name (or qualified name) contains ``query``, exact first."""
    query = query.strip()
    if not query:
        return []
    needle = query.lower()
    hits = [
        SearchHit(
            kind="dataset",
            name=d.name,
            qualified_name=d.qualified_name,
            platform=d.platform,
            url=reverse("dataset_detail", kwargs={"pk": d.pk}),
            exact=needle in {d.name.lower(), d.qualified_name.lower(), d.key},
            dataset_key=d.key,
        )
        for d in Dataset.objects.filter(Q(name__icontains=query) | Q(key__icontains=query))[:limit]
    ]
    columns = Column.objects.select_related("dataset").filter(name__icontains=query)[:limit]
    hits += [
        SearchHit(
            kind="column",
            name=c.name,
            qualified_name=f"{c.dataset.qualified_name}.{c.name}",
            platform=c.dataset.platform,
            url=reverse("dataset_detail", kwargs={"pk": c.dataset_id}) + f"#col-{c.name}",
            exact=needle in {c.name.lower(), f"{c.dataset.qualified_name}.{c.name}".lower()},
            dataset_key=c.dataset.key,
        )
        for c in columns
    ]
    return sorted(hits, key=lambda hit: (not hit.exact, hit.kind, hit.qualified_name))


# --- lineage -----------------------------------------------------------------


def catalog_node_fields(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The graph side's own decoration: dataset page links and column data types."""
    fields: dict[str, dict[str, Any]] = {}
    for pk, key, schema in Dataset.objects.filter(key__in=keys).values_list("pk", "key", "schema"):
        fields[key] = {"url": reverse("dataset_detail", kwargs={"pk": pk}), "schema": schema}
    column_keys = [key for key in keys if "#" in key]
    for key, data_type in Column.objects.filter(key__in=column_keys).values_list(
        "key", "data_type"
    ):
        fields[key] = {"data_type": data_type}
    return fields


def lineage_get(
    *,
    key: str,
    depth: int,
    direction: Direction = "both",
    level: Level = "dataset",
    as_of: date | None = None,
    limit: int = 500,
) -> Lineage:
    """The neighbourhood of a dataset as cytoscape elements, decorated by every catalog.

    Raises ``LineageNotFound`` when neither the graph nor the catalog knows ``key``, and
    ``StoreError`` when the graph store cannot answer.
    """
    key = key.strip().lower()
    store = get_store()
    node = store.get_dataset(key)
    if node is None:
        subgraph = _catalog_only_subgraph(key)
    else:
        subgraph = store.neighbourhood(
            node.key,
            depth=depth,
            direction=direction,
            level=level,
            as_of=end_of_day(as_of),
            limit=limit,
        )
    catalog = chain_catalogs(catalog_node_fields, registered_catalog())
    return Lineage(
        center=subgraph.center,
        elements=subgraph_to_elements(subgraph, catalog=catalog),
        truncated=subgraph.truncated,
    )


def _catalog_only_subgraph(key: str) -> Subgraph:
    """A lone node for a dataset the catalog knows but no lineage has reached yet."""
    dataset = Dataset.objects.filter(key=key).first()
    if dataset is None:
        raise LineageNotFound(key)
    node = Node(
        key=dataset.key,
        label="Dataset",
        name=dataset.qualified_name.lower(),
        platform=dataset.platform,
        kind=dataset.kind,
        object_id=dataset.object_id or None,
    )
    return Subgraph(center=dataset.key, nodes=[node])


def end_of_day(day: date | None) -> datetime | None:
    """The last instant of ``day`` in the portal's time zone: "as of" includes that day."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(
        microseconds=1
    )


def dataset_suggestions(*, limit: int = 12) -> QuerySet[Dataset]:
    """Datasets to offer on the lineage page before one is chosen: recently seen first."""
    return Dataset.objects.order_by("-last_seen", "key")[:limit]


# --- ingestion ---------------------------------------------------------------


def ingestion_run_list() -> QuerySet[IngestionRun]:
    """Runs newest window first, with their source."""
    return IngestionRun.objects.select_related("source").order_by("-window_start", "-id")


def ingestion_run_get(*, pk: int) -> IngestionRun:
    """One run with its source; raises ``IngestionRun.DoesNotExist``."""
    return IngestionRun.objects.select_related("source", "backfill").get(pk=pk)


# --- backfills and sources -----------------------------------------------------

RECENT_BACKFILLS = 5
MAX_LISTED_WINDOWS = 50


@dataclass(frozen=True)
class WindowIssue:
    """A window of a backfill that failed, or that could not parse some statements."""

    run_id: int
    window_start: datetime
    window_end: datetime
    error: str
    parse_failures: int

    @classmethod
    def of(cls, run: IngestionRun) -> WindowIssue:
        return cls(run.pk, run.window_start, run.window_end, run.error, run.parse_failures)


@dataclass(frozen=True)
class BackfillProgress:
    """How far a backfill has got, read from its runs: the progress bar and its final state."""

    backfill: Backfill
    windows_total: int
    windows_succeeded: int
    windows_failed: int
    windows_running: int
    windows_queued: int
    rows_read: int
    statements_kept: int
    statements_filtered: int
    edges_written: int
    parse_failures: int
    busy_seconds: float  # the finished windows' durations, summed
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[WindowIssue]  # failed windows
    parse_failure_windows: list[WindowIssue]  # succeeded windows with unparsed statements
    completeness: Completeness | None
    retry_refusal: str | None  # why its failed windows cannot be retried from the page

    @property
    def windows_done(self) -> int:
        return self.windows_succeeded + self.windows_failed

    @property
    def finished(self) -> bool:
        return self.windows_running + self.windows_queued == 0

    @property
    def state(self) -> str:
        """queued (nothing started) | running | succeeded | failed (finished with failed windows)."""
        if not self.finished:
            return "running" if self.windows_running or self.windows_done else "queued"
        return "failed" if self.windows_failed else "succeeded"

    @property
    def percent(self) -> float:
        return 100.0 * self.windows_done / self.windows_total if self.windows_total else 100.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.busy_seconds if self.busy_seconds else 0.0

    @property
    def eta_seconds(self) -> int | None:
        """Windows left × the mean window's duration, shared among the windows running now."""
        if self.finished or not self.windows_done:
            return None
        per_window = self.busy_seconds / self.windows_done
        left = self.windows_running + self.windows_queued
        return round(per_window * left / max(self.windows_running, 1))

    @property
    def eta_text(self) -> str:
        """Time left in words ("about 4 min"); static/js/ingestion.js words it the same way."""
        if self.eta_seconds is None:
            return "—" if self.finished else "estimating…"
        return duration_text(self.eta_seconds)

    @property
    def window_states_text(self) -> str:
        """The windows not yet done, and the failed ones: "2 running · 85 queued · 1 failed"."""
        counts = (
            (self.windows_running, "running"),
            (self.windows_queued, "queued"),
            (self.windows_failed, "failed"),
        )
        return " · ".join(f"{n:,} {label}" for n, label in counts if n) or "all succeeded"

    @property
    def state_label(self) -> str:
        return BACKFILL_STATE_LABELS[self.state]

    @property
    def days(self) -> int:
        return round((self.backfill.end - self.backfill.start) / timedelta(days=1))


BACKFILL_STATE_LABELS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Done",
    "failed": "Failed",
}


def duration_text(seconds: float) -> str:
    """A rough duration: "under a minute", "about 12 min", "about 2 h 5 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


def backfill_get(*, pk: int) -> Backfill:
    """One backfill with its source; raises ``Backfill.DoesNotExist``."""
    return Backfill.objects.select_related("source").get(pk=pk)


def backfill_progress(*, backfill: Backfill) -> BackfillProgress:
    """The backfill's progress, read from its IngestionRun rows (a handful of small queries)."""
    runs = backfill.runs.all()
    status = IngestionRun.Status
    totals = runs.aggregate(
        **{
            name: Count("pk", filter=Q(status=value))
            for name, value in (
                ("succeeded", status.SUCCEEDED),
                ("failed", status.FAILED),
                ("running", status.RUNNING),
                ("queued", status.QUEUED),
            )
        },
        **{
            name: Coalesce(Sum(name), 0)
            for name in (
                "rows_read",
                "statements_kept",
                "statements_filtered",
                "edges_written",
                "parse_failures",
            )
        },
        busy=Coalesce(Sum("duration_seconds", filter=~Q(status__in=UNFINISHED)), 0.0),
        started_at=Min("started_at"),
        finished_at=Max("finished_at"),
    )
    counted = sum(totals[name] for name in ("succeeded", "failed", "running", "queued"))
    by_window = runs.order_by("window_start")
    failed = by_window.filter(status=status.FAILED)[:MAX_LISTED_WINDOWS]
    unparsed = by_window.filter(status=status.SUCCEEDED, parse_failures__gt=0)
    finished = totals["running"] + totals["queued"] == 0
    return BackfillProgress(
        backfill=backfill,
        windows_total=max(backfill.windows_total, counted),
        windows_succeeded=totals["succeeded"],
        windows_failed=totals["failed"],
        windows_running=totals["running"],
        windows_queued=totals["queued"],
        rows_read=totals["rows_read"],
        statements_kept=totals["statements_kept"],
        statements_filtered=totals["statements_filtered"],
        edges_written=totals["edges_written"],
        parse_failures=totals["parse_failures"],
        busy_seconds=totals["busy"],
        started_at=totals["started_at"],
        finished_at=totals["finished_at"] if finished else None,
        errors=[WindowIssue.of(run) for run in failed],
        parse_failure_windows=[WindowIssue.of(run) for run in unparsed[:MAX_LISTED_WINDOWS]],
        completeness=runs_completeness(runs=runs),
        retry_refusal=source_refusal(backfill.source),
    )


def backfill_windows(*, backfill: Backfill) -> QuerySet[IngestionRun]:
    """The backfill's runs oldest window first, each with its completeness gap (None: unchecked)."""
    missing = F("warehouse_statements") - F("statements_with_lineage") - F("statements_excluded")
    return (
        backfill.runs.select_related("source")
        .annotate(statements_missing=Greatest(missing, Value(0)))
        .order_by("window_start")
    )


@dataclass(frozen=True)
class SourceRow:
    """A source on the ingestion page, and whether jobs can be started on it from there."""

    source: Source
    refusal: str | None  # None: "Run backfill" and "Sync now" are offered
    is_demo: bool


@dataclass(frozen=True)
class IngestionOverview:
    """The ingestion page: sources, the latest backfills with their progress, every run."""

    sources: list[SourceRow]
    backfills: list[BackfillProgress]
    runs: QuerySet[IngestionRun]


def ingestion_overview() -> IngestionOverview:
    """Sources by name, the latest backfills (unfinished ones first), and runs newest first."""
    backfills = Backfill.objects.select_related("source").annotate(
        unfinished=Count("runs", filter=Q(runs__status__in=UNFINISHED))
    )
    latest = backfills.order_by(F("unfinished").desc(), "-created", "-id")[:RECENT_BACKFILLS]
    return IngestionOverview(
        sources=[
            SourceRow(
                source=s,
                refusal=source_refusal(s),
                is_demo=bool((s.options or {}).get("emulator")),
            )
            for s in Source.objects.order_by("name")
        ],
        backfills=[backfill_progress(backfill=b) for b in latest],
        runs=ingestion_run_list(),
    )
