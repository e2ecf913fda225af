"""Catalog reads: the dashboard's counts, dataset lists and facets, search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from graph.models import Backfill, Column, Dataset, IngestionRun, Source
from graph.selectors.ingestion import stale_runs
from graph.store import get_store
from graph.store.base import Counts, StoreError

DATASET_SORTS = {
    "name": ("name", "key"),
    "-name": ("-name", "-key"),
    "schema": ("schema", "name"),
    "platform": ("platform", "schema", "name"),
    "columns": ("-column_count", "name"),
    "last_seen": ("-last_seen", "name"),
}
SEARCH_LIMIT = 50


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
    ingestion_failure: IngestionFailure | None = None  # shown instead of the last run


@dataclass(frozen=True)
class IngestionFailure:
    """Why the last ingestion is not a success: its last run failed, or its latest backfill."""

    source: str
    interrupted: bool  # the process running it stopped (killed, lost)
    run: IngestionRun | None = None  # the last run, when it is the one that failed
    backfill: Backfill | None = None  # else the latest backfill with windows not in
    windows_not_in: int = 0


@dataclass(frozen=True)
class SearchHit:
    """A dataset or column whose name matches a search."""

    kind: str  # dataset | column
    name: str
    qualified_name: str
    platform: str
    dataset_id: int
    exact: bool
    dataset_key: str


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
        ingestion_failure=ingestion_failure(last_run=recent[0] if recent else None),
    )


def ingestion_failure(*, last_run: IngestionRun | None) -> IngestionFailure | None:
    """The failure "Last ingestion" must show: the last run's, else the latest backfill's.

    A backfill counts as failed while any of its windows has failed (or lost its holder)
    and not been retried into success, even if later syncs succeeded: its history is not in.
    """
    failed = Q(status=IngestionRun.Status.FAILED) | stale_runs()
    if last_run is not None and IngestionRun.objects.filter(failed, pk=last_run.pk).exists():
        return IngestionFailure(
            source=last_run.source.name, interrupted=last_run.interrupted, run=last_run
        )
    backfill = Backfill.objects.select_related("source").order_by("-created", "-id").first()
    if backfill is None:
        return None
    bad = backfill.runs.filter(failed)
    if not (count := bad.count()):
        return None
    return IngestionFailure(
        source=backfill.source.name,
        interrupted=bad.filter(Q(interrupted=True) | stale_runs()).exists(),
        backfill=backfill,
        windows_not_in=count,
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
            dataset_id=d.pk,
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
            dataset_id=c.dataset_id,
            exact=needle in {c.name.lower(), f"{c.dataset.qualified_name}.{c.name}".lower()},
            dataset_key=c.dataset.key,
        )
        for c in columns
    ]
    return sorted(hits, key=lambda hit: (not hit.exact, hit.kind, hit.qualified_name))
