"""The embedded graph store: lineage in the Django database, walked with recursive CTEs.

The default when no Neo4j is configured. Nodes, aliases, edges and reads live in the
``Store*`` tables of ``graph.models``; the SQL is in ``sql`` and runs unchanged on
SQLite and Postgres.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q

from graph.models import (
    StoreAlias,
    StoreEdge,
    StoreGrant,
    StoreIngestState,
    StoreMembership,
    StoreNode,
    StoreRead,
)

from ..base import (
    ColumnNode,
    Counts,
    DatasetNode,
    Edge,
    EdgeObservation,
    GraphStore,
    Node,
    Path,
    Reached,
    Read,
    ReadObservation,
    StoreError,
    check_depth,
)
from ..common import (
    chunked,
    edge_sort_key,
    placeholder_dataset,
    resolve_keys,
    rounds,
    sort_reached,
    sort_reads,
    split_column_key,
    utc_or_none,
    valid_edge,
    valid_read,
)
from ..neighbourhood import NeighbourhoodFromParts
from . import sql
from .grants import EmbeddedGrants
from .rename import rename_node
from .sql import to_edge, to_node

BATCH = 1000  # rows per statement: 12 parameters an edge stays far below SQLite's limit
LOOKUP_BATCH = 500  # keys per IN (...) list


def _placeholders(datasets: Iterable[str], columns: Iterable[str] = ()) -> None:
    """Create the datasets and columns an edge or read names, if they do not exist yet."""
    rows = {}
    parents = set(datasets)
    for key in columns:
        parent, column = split_column_key(key)
        parents.add(parent)
        rows[key] = (key, "Column", column, "", parent, "")
    for key in parents:
        node = placeholder_dataset(key)
        rows[key] = (key, "Dataset", node.name, node.platform, "", node.kind)
    sql.insert_missing_nodes(sorted(rows.values()))


def _column_row(row: ColumnNode, aliases: dict[str, str]) -> tuple[str, str, str]:
    """(key, dataset key, name) of a column, moved along with a renamed dataset."""
    parent = aliases[row.dataset_key]
    prefix = row.dataset_key + "#"
    if parent != row.dataset_key and row.key.startswith(prefix):
        return parent + row.key[len(row.dataset_key) :], parent, row.name
    return aliases[row.key], parent, row.name


class EmbeddedStore(EmbeddedGrants, NeighbourhoodFromParts, GraphStore):
    """The graph in relational tables of the Django database (SQLite or Postgres)."""

    name = "embedded"

    # --- lifecycle -----------------------------------------------------------------
    def apply_schema(self) -> list[str]:
        """The tables come from migrations: check they are there, say so plainly if not."""
        wanted = sorted(
            m._meta.db_table
            for m in (
                StoreNode,
                StoreAlias,
                StoreEdge,
                StoreRead,
                StoreGrant,
                StoreMembership,
                StoreIngestState,
            )
        )
        try:
            present = set(connection.introspection.table_names())
        except DatabaseError as exc:
            raise StoreError(f"embedded graph store: database unreachable ({exc})") from exc
        missing = [t for t in wanted if t not in present]
        if missing:
            raise StoreError(
                f"embedded graph store: tables {missing} are missing from database "
                f"{connection.settings_dict['NAME']!r}; "
                "run `python manage.py migrate`"
            )
        return [f"exists  table {table} (created by migrations)" for table in wanted]

    def clear(self) -> None:
        with transaction.atomic():
            for model in (
                StoreMembership,
                StoreGrant,
                StoreRead,
                StoreEdge,
                StoreAlias,
                StoreNode,
                StoreIngestState,
            ):
                model.objects.all().delete()

    # --- writes --------------------------------------------------------------------
    def _aliases(self, keys: Iterable[str]) -> dict[str, str]:
        """Each key mapped to its current key (itself unless renamed)."""

        def lookup(wanted: set[str]) -> dict[str, str]:
            found: dict[str, str] = {}
            for chunk in chunked(sorted(wanted), LOOKUP_BATCH):
                found.update(
                    StoreAlias.objects.filter(old_key__in=chunk).values_list("old_key", "key")
                )
            return found

        return resolve_keys(keys, lookup)

    def _current(self, key: str) -> str:
        return self._aliases([key])[key]

    def merge_datasets(self, rows: Iterable[DatasetNode]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            with transaction.atomic():
                aliases = self._aliases(r.key for r in chunk)
                fixed = [
                    (
                        replace(r, key=aliases[r.key], first_seen=utc_or_none(r.first_seen)),
                        aliases[r.key] != r.key,
                    )
                    for r in chunk
                ]
                for renamed in (False, True):
                    part = [row for row, moved in fixed if moved == renamed]
                    for batch in rounds(part, key=lambda r: r.key):
                        sql.upsert_datasets(batch, keep_identity=renamed)
        return total

    def merge_columns(self, rows: Iterable[ColumnNode]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            with transaction.atomic():
                aliases = self._aliases([r.dataset_key for r in chunk] + [r.key for r in chunk])
                columns = {
                    key: (key, parent, name)
                    for key, parent, name in (_column_row(r, aliases) for r in chunk)
                }
                _placeholders({parent for _, parent, _ in columns.values()})
                sql.upsert_columns(sorted(columns.values()))
        return total

    def merge_edges(self, rows: Iterable[EdgeObservation]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            with transaction.atomic():
                aliases = self._aliases({k for r in chunk for k in (r.upstream, r.downstream)})
                edges = [valid_edge(r, aliases) for r in chunk]
                ends = {k for e in edges for k in (e.upstream, e.downstream)}
                columns = {
                    k for e in edges if e.level == "column" for k in (e.upstream, e.downstream)
                }
                _placeholders(ends - columns, columns)
                for additive in (False, True):
                    part = [e for e in edges if e.additive is additive]
                    for batch in rounds(part, key=lambda e: (e.upstream, e.downstream)):
                        sql.upsert_edges(batch, additive=additive)
        return total

    def merge_reads(self, rows: Iterable[ReadObservation]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            with transaction.atomic():
                aliases = self._aliases(r.dataset_key for r in chunk)
                reads = [valid_read(r, aliases) for r in chunk]
                _placeholders({r.dataset_key for r in reads})
                for additive in (False, True):
                    part = [r for r in reads if r.additive is additive]
                    for batch in rounds(part, key=lambda r: (r.principal, r.dataset_key)):
                        sql.upsert_reads(batch, additive=additive)
        return total

    @contextmanager
    def unit(self) -> Iterator[None]:
        """A savepoint (or a transaction): the writes inside commit together or not at all."""
        with transaction.atomic():
            yield

    def ingest_state(self, scope: str) -> dict[str, Any] | None:
        found = StoreIngestState.objects.filter(scope=scope).values_list("state", flat=True)
        return found.first()

    def ingest_state_save(self, scope: str, state: dict[str, Any]) -> None:
        StoreIngestState.objects.update_or_create(scope=scope, defaults={"state": state})

    def rename_dataset(self, old_key: str, new_key: str, *, name: str | None = None) -> None:
        with transaction.atomic():
            rename_node(self._current(old_key), new_key, name)

    # --- reads -----------------------------------------------------------------------
    def get_dataset(self, key: str) -> Node | None:
        row = StoreNode.objects.filter(key=self._current(key), label="Dataset").first()
        return to_node(row) if row else None

    def _walk(
        self, key: str, direction: str, depth: int, as_of: datetime | None, limit: int | None = None
    ) -> list[Reached]:
        rows = sql.walk(
            [key],
            direction=direction,
            depth=check_depth(depth),
            as_of=utc_or_none(as_of),
            limit=limit,
        )
        return sort_reached((node, hops) for _, node, hops in rows)

    def upstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        check_depth(depth)
        return self._walk(self._current(key), "upstream", depth, as_of)

    def downstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        check_depth(depth)
        return self._walk(self._current(key), "downstream", depth, as_of)

    def reach(
        self, sources: Sequence[str], *, depth: int, as_of: datetime | None = None
    ) -> dict[str, list[Reached]]:
        check_depth(depth)
        aliases = self._aliases(sources)
        found: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for chunk in chunked(sorted(set(aliases.values())), LOOKUP_BATCH):
            rows = sql.walk(chunk, direction="downstream", depth=depth, as_of=utc_or_none(as_of))
            for origin, node, hops in rows:
                found[origin].append((node, hops))
        return {source: sort_reached(found[aliases[source]]) for source in sources}

    def paths(
        self, source: str, target: str, *, depth: int, as_of: datetime | None = None
    ) -> list[Path]:
        check_depth(depth)
        aliases = self._aliases([source, target])
        id_lists = sql.path_edge_ids(
            aliases[source], aliases[target], depth=depth, as_of=utc_or_none(as_of)
        )
        by_id = {
            row.pk: to_edge(row)
            for chunk in chunked({i for ids in id_lists for i in ids}, LOOKUP_BATCH)
            for row in StoreEdge.objects.filter(pk__in=chunk)
        }
        found = []
        for ids in id_lists:
            edges = tuple(by_id[i] for i in ids)
            found.append(
                Path(nodes=(edges[0].upstream, *(e.downstream for e in edges)), edges=edges)
            )
        return sorted(found, key=lambda p: (len(p.edges), p.nodes))

    # --- the parts build_neighbourhood asks for ---------------------------------------
    def existed(self, key: str, as_of: datetime | None) -> bool:
        rows = StoreNode.objects.filter(key=key)
        if as_of is not None:
            rows = rows.filter(Q(first_seen__isnull=True) | Q(first_seen__lte=as_of))
        return rows.exists()

    def walk_from(
        self, key: str, direction: str, depth: int, as_of: datetime | None, limit: int
    ) -> list[Reached]:
        return self._walk(key, direction, depth, as_of, limit)

    def nodes_by_key(self, keys: list[str]) -> dict[str, Node]:
        return {n.key: to_node(n) for n in StoreNode.objects.filter(key__in=keys)}

    def edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]:
        return self._edges(Q(upstream__in=keys, downstream__in=keys), as_of)

    def columns_of(self, keys: list[str]) -> list[Node]:
        columns = StoreNode.objects.filter(label="Column", dataset_key__in=keys).order_by("key")
        return [to_node(c) for c in columns]

    def column_edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]:
        in_view = StoreNode.objects.filter(label="Column", dataset_key__in=keys).values("key")
        return self._edges(Q(upstream__in=in_view, downstream__in=in_view), as_of)

    def _edges(self, where: Q, as_of: datetime | None) -> list[Edge]:
        rows = StoreEdge.objects.filter(where)
        if as_of is not None:
            unborn = StoreNode.objects.filter(first_seen__gt=as_of).values("key")
            rows = rows.filter(first_seen__lte=as_of).exclude(
                Q(upstream__in=unborn) | Q(downstream__in=unborn)
            )
        return sorted((to_edge(r) for r in rows), key=edge_sort_key)

    def edges_of(self, key: str, *, as_of: datetime | None = None) -> list[Edge]:
        current = self._current(key)
        return self._edges(Q(upstream=current) | Q(downstream=current), utc_or_none(as_of))

    def edges_from(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        return self._edges_at("upstream", keys, as_of, resolved=current)

    def edges_to(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        return self._edges_at("downstream", keys, as_of, resolved=current)

    def _edges_at(
        self, end: str, keys: Sequence[str], as_of: datetime | None, *, resolved: bool
    ) -> list[Edge]:
        current = sorted(set(keys if resolved else self._aliases(keys).values()))
        found: list[Edge] = []
        for chunk in chunked(current, LOOKUP_BATCH):
            found += self._edges(Q(**{f"{end}__in": chunk}), utc_or_none(as_of))
        return sorted(found, key=edge_sort_key)

    def readers(self, dataset_key: str) -> list[Read]:
        rows = StoreRead.objects.filter(dataset_key=self._current(dataset_key))
        return sort_reads(
            Read(
                principal=r.principal,
                principal_kind=r.principal_kind,
                dataset_key=r.dataset_key,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
                count=r.count,
            )
            for r in rows
        )

    def counts(self) -> Counts:
        nodes = dict(StoreNode.objects.values_list("label").annotate(n=Count("id")))
        edges = dict(StoreEdge.objects.values_list("level").annotate(n=Count("id")))
        return Counts(
            datasets=nodes.get("Dataset", 0),
            columns=nodes.get("Column", 0),
            dataset_edges=edges.get("dataset", 0),
            column_edges=edges.get("column", 0),
            principals=_principals(),
            reads=StoreRead.objects.count(),
            grants=StoreGrant.objects.count(),
        )


def _principals() -> int:
    """Every principal that reads, holds a grant, or is (or has) a role member."""
    names = StoreRead.objects.values_list("principal").union(
        StoreGrant.objects.values_list("principal"),
        StoreMembership.objects.values_list("member"),
        StoreMembership.objects.values_list("role"),
    )
    return names.count()
