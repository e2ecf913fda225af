"""Catalog reads: the dashboard's counts, dataset lists and facets, search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from django.db.models import F, Q, QuerySet

from graph.elements import registered_catalog
from graph.models import Backfill, Column, Dataset, IngestionRun, Source
from graph.selectors.ingestion import stale_runs
from graph.store import get_store
from graph.store.base import Counts, StoreError

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
    """A dataset or column whose name matches a search, with what the catalog says of it."""

    kind: str  # dataset | column
    name: str
    qualified_name: str
    platform: str
    dataset_id: int
    exact: bool
    dataset_key: str
    key: str = ""
    classification: str = ""  # '' = unclassified
    tags: tuple[str, ...] = ()
    column: Column | None = None


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
    return dataset.columns.order_by(F("ordinal").asc(nulls_last=True), "name")


def dataset_neighbour_counts(*, key: str) -> dict[str, int]:
    """How many datasets feed this one directly, and how many it feeds."""
    store = get_store()
    return {
        "upstream": sum(1 for r in store.upstream(key, depth=1) if "#" not in r.key),
        "downstream": sum(1 for r in store.downstream(key, depth=1) if "#" not in r.key),
    }


_Row = TypeVar("_Row", Dataset, Column)

# Quotes people paste around identifiers: "PROD_DB"."RAW", `raw`.`customers`, [dbo].[x].
_QUOTES = str.maketrans("", "", "\"'`[]")


def name_normalize(text: str) -> str:
    """A warehouse name as pasted (quoted, any case, spaces around) → ``raw.customers.email``."""
    return text.translate(_QUOTES).strip().lower()


def name_search(*, query: str, limit: int = SEARCH_LIMIT) -> list[SearchHit]:
    """Datasets and columns named like ``query``, exact matches first.

    ``query`` may be a word (``cust``), a name as people paste it from the warehouse
    (``PROD_DB.RAW.CUSTOMERS.EMAIL``, ``raw.customers.email``, ``"RAW"."CUSTOMERS"``, any
    case) or a catalog key. A dotted name matches the datasets and columns whose qualified
    name ends with it; a word matches any part of a name.
    """
    needle = name_normalize(query)
    if not needle:
        return []
    datasets, columns = _name_matches(needle, limit)
    hits = [_dataset_hit(d, needle) for d in datasets] + [_column_hit(c, needle) for c in columns]
    hits = _with_catalog_fields(hits)
    return sorted(hits, key=lambda hit: (not hit.exact, hit.kind, hit.qualified_name))


def _name_matches(needle: str, limit: int) -> tuple[list[Dataset], list[Column]]:
    table, _, column = needle.partition("#")
    if "://" in needle:  # a catalog key
        keyed = Column.objects.select_related("dataset").filter(
            dataset__key=table, name__iexact=column
        )
        return list(Dataset.objects.filter(key=table)), list(keyed) if column else []
    parts = needle.split(".")
    datasets = list(
        Dataset.objects.filter(Q(name__icontains=needle) | Q(key__icontains=needle))[:limit]
    )
    columns = list(Column.objects.select_related("dataset").filter(name__icontains=needle)[:limit])
    if len(parts) >= 2:
        columns += _ends_with(
            Column.objects.select_related("dataset").filter(
                name__iexact=parts[-1], dataset__name__iexact=parts[-2]
            ),
            needle,
            lambda c: f"{c.dataset.qualified_name}.{c.name}",
        )
        datasets += _ends_with(
            Dataset.objects.filter(name__iexact=parts[-1]), needle, lambda d: d.qualified_name
        )
    return _unique(datasets)[:limit], _unique(columns)[:limit]


def _ends_with(
    queryset: QuerySet[_Row], needle: str, qualified: Callable[[_Row], str]
) -> list[_Row]:
    """Rows whose qualified name is ``needle`` or ends with ``.needle``."""
    return [
        row
        for row in queryset[:SEARCH_LIMIT]
        if qualified(row).lower() == needle or qualified(row).lower().endswith("." + needle)
    ]


def _unique(rows: list[_Row]) -> list[_Row]:
    seen: dict[int, _Row] = {}
    for row in rows:
        seen.setdefault(row.pk, row)
    return list(seen.values())


def _is_exact(needle: str, *names: str) -> bool:
    """The whole name, or — for a dotted name — its qualified end (``raw.customers``)."""
    lowered = [n.lower() for n in names if n]
    return needle in lowered or ("." in needle and any(n.endswith("." + needle) for n in lowered))


def _dataset_hit(d: Dataset, needle: str) -> SearchHit:
    return SearchHit(
        kind="dataset",
        name=d.name,
        qualified_name=d.qualified_name,
        platform=d.platform,
        dataset_id=d.pk,
        exact=_is_exact(needle, d.name, d.qualified_name, d.key),
        dataset_key=d.key,
        key=d.key,
    )


def _column_hit(c: Column, needle: str) -> SearchHit:
    qualified = f"{c.dataset.qualified_name}.{c.name}"
    return SearchHit(
        kind="column",
        name=c.name,
        qualified_name=qualified,
        platform=c.dataset.platform,
        dataset_id=c.dataset_id,
        exact=_is_exact(needle, c.name, qualified, c.key),
        dataset_key=c.dataset.key,
        key=c.key,
        column=c,
    )


def _with_catalog_fields(hits: list[SearchHit]) -> list[SearchHit]:
    """Each hit with the classification and tags the registered catalogs know of it."""
    if not hits:
        return hits
    fields = registered_catalog()([hit.key for hit in hits])
    return [
        replace(
            hit,
            classification=str(fields.get(hit.key, {}).get("classification") or ""),
            tags=tuple(fields.get(hit.key, {}).get("tags") or ()),
        )
        for hit in hits
    ]
