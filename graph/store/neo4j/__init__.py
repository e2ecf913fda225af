"""The Neo4j graph store: lineage in a Neo4j server, over Bolt with the official driver.

One driver per store instance (thread-safe and costly to create; ``get_store`` keeps one
per process). Reads go through ``driver.execute_query``; writes run as managed
transactions of one batch each. The Cypher lives in ``cypher``, the write transactions in
``writes``.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from neo4j import (
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    RoutingControl,
)
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from graph.keys import is_column_key

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
from ..common import chunked, edge_sort_key, resolve_keys, sort_reached, sort_reads, utc_or_none
from ..neighbourhood import NeighbourhoodFromParts
from . import cypher, writes
from .grants import Neo4jGrants
from .writes import native, to_edge

T = TypeVar("T")
BOLT_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}
BATCH = 5000  # rows per UNWIND transaction
LOOKUP_BATCH = 1000


def parse_auth(auth: str) -> tuple[str, str] | None:
    """``"none"`` or ``"user/password"`` (the NEO4J_AUTH format) as the driver's auth."""
    if auth == "none":
        return None
    user, sep, password = auth.partition("/")
    if not sep or not user:
        raise StoreError("NEO4J_AUTH must be 'none' or 'user/password'")
    return user, password


def to_node(props: dict, labels: Sequence[str]) -> Node:
    """A node's properties and labels as the interface's dataclass."""
    if "Dataset" in labels:
        return Node(
            key=props["key"],
            label="Dataset",
            name=props.get("name", ""),
            platform=props.get("platform") or None,
            kind=props.get("kind"),
            object_id=props.get("object_id"),
        )
    return Node(
        key=props["key"],
        label="Column",
        name=props.get("name", ""),
        dataset_key=props.get("dataset_key"),
    )


class Neo4jStore(Neo4jGrants, NeighbourhoodFromParts, GraphStore):
    """The graph in Neo4j: (:Dataset), (:Column), (:Principal), (:Alias) and their edges."""

    name = "neo4j"

    def __init__(
        self,
        *,
        uri: str,
        auth: str = "none",
        database: str = "neo4j",
        retry_seconds: float = 30.0,
        indexes: Iterable[str] | None = None,
    ) -> None:
        """A store on ``uri``; the driver connects lazily, on the first query.

        ``retry_seconds`` bounds how long the driver retries a transaction that failed
        transiently (server unreachable, leader switch, deadlock) before giving up.
        ``indexes`` names the optional indexes to create (``graph.indexes``; all by default).
        """
        self._uri = uri
        self._database = database
        self._indexes = frozenset(cypher.SCHEMA_NAMES if indexes is None else indexes)
        if uri.partition("://")[0] not in BOLT_SCHEMES:
            raise StoreError(f"Neo4j store: {uri!r} must start with bolt:// or neo4j://")
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=parse_auth(auth),
                max_transaction_retry_time=retry_seconds,
                # Labels and types are missing from an empty database; that is not news.
                notifications_disabled_classifications=[
                    NotificationDisabledClassification.UNRECOGNIZED
                ],
            )
        except (ValueError, DriverError) as exc:
            raise StoreError(f"Neo4j store: cannot use {uri!r}: {exc}") from exc
        self._local = threading.local()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver failures as StoreError, naming the server and what went wrong."""
        try:
            yield
        except ServiceUnavailable as exc:
            raise StoreError(f"Neo4j at {self._uri} is unreachable: {exc}") from exc
        except AuthError as exc:
            raise StoreError(f"Neo4j at {self._uri} refused the NEO4J_AUTH credentials") from exc
        except Neo4jError as exc:
            raise StoreError(f"Neo4j at {self._uri} failed: {exc.code}: {exc.message}") from exc
        except DriverError as exc:
            raise StoreError(f"Neo4j driver error talking to {self._uri}: {exc}") from exc

    def _read(self, query: str, **params) -> list[dict]:
        if (tx := self._unit_tx()) is not None:  # inside a unit: see its own writes
            with self._translated():
                return [record.data() for record in tx.run(query, params)]
        with self._translated():
            records, _, _ = self._driver.execute_query(
                query, params, database_=self._database, routing_=RoutingControl.READ
            )
        return [record.data() for record in records]

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        if (tx := self._unit_tx()) is not None:
            with self._translated():
                return work(tx)
        with self._translated(), self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _unit_tx(self):
        return getattr(self._local, "tx", None)

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One explicit transaction for every read and write inside, on this thread.

        A window's lineage commits whole or not at all: a server that stops mid-window
        leaves nothing of it behind, so the window's retry adds every count exactly once.
        Not retried by the driver (it cannot replay the caller's code); the caller's
        retry policy runs the whole unit again.
        """
        if self._unit_tx() is not None:
            yield
            return
        with self._translated(), self._driver.session(database=self._database) as session:
            tx = session.begin_transaction()
            self._local.tx = tx
            try:
                yield
                tx.commit()
            finally:
                self._local.tx = None
                tx.close()

    def ingest_state(self, scope: str) -> dict[str, Any] | None:
        rows = self._read(cypher.INGEST_STATE, scope=scope)
        return json.loads(rows[0]["state"]) if rows and rows[0]["state"] else None

    def ingest_state_save(self, scope: str, state: dict[str, Any]) -> None:
        text = json.dumps(state, sort_keys=True)
        self._write(lambda tx: tx.run(cypher.INGEST_STATE_SAVE, scope=scope, state=text).consume())

    # --- lifecycle -----------------------------------------------------------------
    def apply_schema(self) -> list[str]:
        """Create the constraints and indexes; one line per item saying what happened.

        The key constraints are always created (MERGE needs them); an optional index not
        named in ``indexes`` is left out, and the line says so.
        """
        done = []
        with self._translated():
            for kind, name, config_name, statement in cypher.SCHEMA:
                if config_name not in self._indexes and config_name not in cypher.REQUIRED_SCHEMA:
                    done.append(f"skipped {kind} {name} (not in graph.indexes)")
                    continue
                summary = self._driver.execute_query(statement, database_=self._database).summary
                added = summary.counters.constraints_added + summary.counters.indexes_added
                done.append(f"{'created' if added else 'exists '} {kind} {name}")
            # Edges written before edges had an origin get the one their transformation says.
            summary = self._driver.execute_query(
                cypher.SET_MISSING_ORIGINS, database_=self._database
            ).summary
            if summary.counters.properties_set:
                done.append(f"set origin on {summary.counters.properties_set} edges")
        return done

    def clear(self) -> None:
        while self._write(lambda tx: tx.run(cypher.CLEAR_SOME, batch=10_000).single()["deleted"]):
            pass

    def close(self) -> None:
        self._driver.close()

    # --- writes --------------------------------------------------------------------
    def _batched(self, rows: Iterable, work: Callable[[ManagedTransaction, list], None]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            self._write(lambda tx, chunk=chunk: work(tx, chunk))
        return total

    def merge_datasets(self, rows: Iterable[DatasetNode]) -> int:
        return self._batched(rows, writes.write_datasets)

    def merge_columns(self, rows: Iterable[ColumnNode]) -> int:
        return self._batched(rows, writes.write_columns)

    def merge_edges(self, rows: Iterable[EdgeObservation]) -> int:
        return self._batched(rows, writes.write_edges)

    def merge_reads(self, rows: Iterable[ReadObservation]) -> int:
        return self._batched(rows, writes.write_reads)

    def rename_dataset(self, old_key: str, new_key: str, *, name: str | None = None) -> None:
        self._write(lambda tx: writes.rename(tx, old_key, new_key, name))

    # --- reads ---------------------------------------------------------------------
    def _aliases(self, keys: Iterable[str]) -> dict[str, str]:
        def lookup(wanted: set[str]) -> dict[str, str]:
            found = {}
            for chunk in chunked(sorted(wanted), LOOKUP_BATCH):
                found |= {r["old"]: r["new"] for r in self._read(cypher.LOOKUP_ALIASES, keys=chunk)}
            return found

        return resolve_keys(keys, lookup)

    def _current(self, key: str) -> str:
        return self._aliases([key])[key]

    def get_dataset(self, key: str) -> Node | None:
        rows = self._read(cypher.GET_DATASET, key=self._current(key))
        return to_node(rows[0]["node"], ["Dataset"]) if rows else None

    def _walk(
        self,
        keys: Sequence[str],
        direction: str,
        depth: int,
        as_of: datetime | None,
        limit: int | None = None,
    ) -> list[dict]:
        as_of = utc_or_none(as_of)
        query = cypher.walk(
            direction, check_depth(depth), dated=as_of is not None, limited=limit is not None
        )
        return self._read(query, keys=list(keys), as_of=as_of, limit=limit)

    def upstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        check_depth(depth)
        rows = self._walk([self._current(key)], "upstream", depth, as_of)
        return sort_reached((r["key"], r["depth"]) for r in rows)

    def downstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        check_depth(depth)
        rows = self._walk([self._current(key)], "downstream", depth, as_of)
        return sort_reached((r["key"], r["depth"]) for r in rows)

    def reach(
        self, sources: Sequence[str], *, depth: int, as_of: datetime | None = None
    ) -> dict[str, list[Reached]]:
        check_depth(depth)
        aliases = self._aliases(sources)
        found: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for chunk in chunked(sorted(set(aliases.values())), LOOKUP_BATCH):
            for r in self._walk(chunk, "downstream", depth, as_of):
                found[r["origin"]].append((r["key"], r["depth"]))
        return {source: sort_reached(found[aliases[source]]) for source in sources}

    def paths(
        self, source: str, target: str, *, depth: int, as_of: datetime | None = None
    ) -> list[Path]:
        query = cypher.paths(check_depth(depth), dated=as_of is not None)
        aliases = self._aliases([source, target])
        rows = self._read(
            query, source=aliases[source], target=aliases[target], as_of=utc_or_none(as_of)
        )
        found = []
        for row in rows:
            edges = tuple(to_edge(e) for e in row["edges"])
            found.append(
                Path(nodes=(edges[0].upstream, *(e.downstream for e in edges)), edges=edges)
            )
        return sorted(found, key=lambda p: (len(p.edges), p.nodes))

    # --- the parts build_neighbourhood asks for ---------------------------------------
    def existed(self, key: str, as_of: datetime | None) -> bool:
        return bool(self._read(cypher.EXISTS, key=key, as_of=as_of))

    def walk_from(
        self, key: str, direction: str, depth: int, as_of: datetime | None, limit: int
    ) -> list[Reached]:
        rows = self._walk([key], direction, depth, as_of, limit)
        return sort_reached((r["key"], r["depth"]) for r in rows)

    def nodes_by_key(self, keys: list[str]) -> dict[str, Node]:
        rows = self._read(cypher.NODES, keys=keys)
        return {r["node"]["key"]: to_node(r["node"], r["labels"]) for r in rows}

    def _edges(self, query: str, **params) -> list[Edge]:
        return sorted((to_edge(r["edge"]) for r in self._read(query, **params)), key=edge_sort_key)

    def edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]:
        return self._edges(cypher.EDGES_AMONG, keys=keys, as_of=as_of)

    def columns_of(self, keys: list[str]) -> list[Node]:
        return [to_node(r["node"], r["labels"]) for r in self._read(cypher.COLUMNS_OF, keys=keys)]

    def column_edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]:
        return self._edges(cypher.COLUMN_EDGES_AMONG, keys=keys, as_of=as_of)

    # --- the rest --------------------------------------------------------------------
    def edges_of(self, key: str, *, as_of: datetime | None = None) -> list[Edge]:
        return self._edges(cypher.EDGES_OF, keys=[self._current(key)], as_of=utc_or_none(as_of))

    def edges_from(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        return self._edges_at(cypher.EDGES_FROM, keys, as_of, resolved=current)

    def edges_to(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        return self._edges_at(cypher.EDGES_TO, keys, as_of, resolved=current)

    def _edges_at(
        self, queries: dict[str, str], keys: Sequence[str], as_of, *, resolved: bool
    ) -> list[Edge]:
        current = sorted(set(keys if resolved else self._aliases(keys).values()))
        at = utc_or_none(as_of)
        found: list[Edge] = []
        for level, query in queries.items():
            wanted = [k for k in current if is_column_key(k) == (level == "column")]
            for chunk in chunked(wanted, LOOKUP_BATCH):
                found += self._edges(query, keys=chunk, as_of=at)
        return sorted(found, key=edge_sort_key)

    def readers(self, dataset_key: str) -> list[Read]:
        return self.readers_of([dataset_key])[dataset_key]

    def readers_of(self, dataset_keys: Sequence[str]) -> dict[str, list[Read]]:
        # One key resolution and one query a chunk, not two round trips a dataset.
        current = self._aliases(dataset_keys)
        asked: dict[str, list[str]] = defaultdict(list)
        for key in dict.fromkeys(dataset_keys):
            asked[current[key]].append(key)
        found: dict[str, list[Read]] = {key: [] for key in dict.fromkeys(dataset_keys)}
        for chunk in chunked(sorted(asked), LOOKUP_BATCH):
            for r in self._read(cypher.READERS_OF, keys=chunk):
                read = Read(
                    principal=r["principal"],
                    principal_kind=r["principal_kind"],
                    dataset_key=r["key"],
                    first_seen=native(r["first_seen"]),
                    last_seen=native(r["last_seen"]),
                    count=r["count"],
                )
                for key in asked[r["key"]]:
                    found[key].append(read)
        return {key: sort_reads(reads) for key, reads in found.items()}

    def counts(self) -> Counts:
        return Counts(**self._read(cypher.COUNTS)[0])
