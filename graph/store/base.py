"""The graph store interface: lineage only, no knowledge of classifications.

Callers never see Cypher or SQL; they pass and get back plain dataclasses
(``graph.store.records``, importable from here too).
Both backends (Neo4j, embedded) pass one shared contract suite
(tests/graph/test_store_contract.py).

Semantics every backend keeps:

* Keys are normalized, lower-cased: ``platform://database.schema.table`` for a dataset and
  ``<dataset key>#<column>`` for a column.
* Edges point upstream → downstream. An edge joins two datasets or two columns.
* Merging is idempotent: merging the same observations twice changes nothing.
  An observation widens ``first_seen``/``last_seen``; its ``run_count`` is added only
  when it extends the known time range (a replayed window lies inside it) — unless it is
  ``additive``: then the caller has already left out the runs merged before (ingestion
  keeps a ledger of the windows it merged, see ``ingest_state``), and its ``run_count``
  (0 for a replay) is always added, in whatever order windows arrive. The same holds
  for a read's ``count``. The latest observation (greatest ``last_seen``) sets
  ``transformation_type``, ``query_id``, ``job``, ``job_version``, ``execution_status``,
  ``masking``, the OpenLineage vocabulary ``flow_type``/``subtype``/``masked`` and
  ``description``.
* Every observation has an ``origin`` (:data:`ORIGINS`), and origins rank: what the
  warehouse's own query history saw outranks dbt artifacts, which outrank OpenLineage
  events. An edge's fields (times and ``run_count`` included) belong to the highest-ranked
  origin that observed it: an observation of that origin merges as above; one of a higher
  origin takes the edge over (its fields replace the stored ones, which become the other
  claim); one of a lower origin leaves the edge alone and only becomes the other claim.
  ``other_claim`` keeps the latest (greatest ``last_seen``) of those lower claims — its
  origin, masking, masked, status, job, query id and time — and ``Edge.conflict`` says
  whether it disagrees with the edge on masking or status. The result does not depend on
  the order observations arrive in.
* ``as_of`` keeps only edges whose ``first_seen`` is on or before it, and only
  datasets that existed then (``first_seen`` on or before it, or no ``first_seen``).
* A rename keeps identity: ``rename_dataset`` moves the node (and its columns and edges)
  to the new key and remembers the old key, so a later lookup by the old key finds it.
* Depths are validated with ``check_depth`` (1..MAX_DEPTH) before any query runs.
* Grants are current state, not history: one GRANTED edge per (principal, dataset,
  privilege), whose fields the latest merge sets. ``replace_grants`` makes a platform's
  grants to one kind of principal equal a snapshot (what is missing from it was revoked),
  and ``replace_memberships`` does the same for role-to-role grants. A rename moves a
  dataset's grants with it; grants merged under a former key land on the renamed dataset.
* ``who_can_read`` follows role membership: a role granted to another role passes its
  privileges on, so the member can read what the role it was granted can.
* ``unit()`` makes the writes inside it one unit that commits or fails whole (Neo4j: one
  transaction; embedded: a savepoint). ``ingest_state`` keeps a small JSON document per
  scope beside the graph — ingestion's ledger of what it merged — written in the same
  unit as the lineage it describes and cleared with it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from graph.keys import column_key

from .records import (
    MAX_DEPTH,
    ORIGIN_RANK,
    ORIGINS,
    READ_PRIVILEGES,
    Claim,
    ColumnNode,
    Counts,
    DatasetNode,
    Direction,
    Edge,
    EdgeObservation,
    Grant,
    GrantObservation,
    Level,
    MembershipObservation,
    Node,
    Path,
    PrincipalKind,
    Reached,
    Read,
    ReadObservation,
    Replaced,
    StoreError,
    Subgraph,
    check_depth,
)

# The value types live in graph.store.records; callers keep importing them from here.
__all__ = [
    "column_key",  # the key of a column, for callers that build observations
    "MAX_DEPTH",
    "ORIGINS",
    "ORIGIN_RANK",
    "Claim",
    "Direction",
    "Level",
    "PrincipalKind",
    "READ_PRIVILEGES",
    "StoreError",
    "check_depth",
    "DatasetNode",
    "ColumnNode",
    "EdgeObservation",
    "ReadObservation",
    "Edge",
    "Node",
    "Reached",
    "Path",
    "Subgraph",
    "Read",
    "GrantObservation",
    "MembershipObservation",
    "Grant",
    "Replaced",
    "Counts",
]


class GraphStore(ABC):
    """What governance and the pages may ask of lineage."""

    name: str = "abstract"

    # --- lifecycle ---------------------------------------------------------
    @abstractmethod
    def apply_schema(self) -> list[str]:
        """Create constraints and indexes (idempotent); one line per item saying what it did.

        ``python manage.py graph_schema`` prints these lines.
        """

    def ensure_schema(self) -> None:
        """``apply_schema`` for callers that need the schema, not the report of it."""
        self.apply_schema()

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and edge (tests and demo reseeding only)."""

    def close(self) -> None:  # noqa: B027 - an optional hook; nothing to release by default
        """Release connections."""

    @contextmanager
    def unit(self) -> Iterator[None]:
        """The writes inside commit together, or not at all.

        The default suits a store that writes inside the caller's database transaction.
        """
        yield

    @abstractmethod
    def ingest_state(self, scope: str) -> dict[str, Any] | None:
        """The JSON document kept for ``scope`` (None if there is none)."""

    @abstractmethod
    def ingest_state_save(self, scope: str, state: dict[str, Any]) -> None:
        """Keep ``state`` for ``scope``, replacing what was there."""

    # --- writes (batched, idempotent) ---------------------------------------
    @abstractmethod
    def merge_datasets(self, rows: Iterable[DatasetNode]) -> int:
        """Create or update datasets by key; returns the number of rows merged."""

    @abstractmethod
    def merge_columns(self, rows: Iterable[ColumnNode]) -> int:
        """Create columns (and HAS_COLUMN from their dataset, created if missing)."""

    @abstractmethod
    def merge_edges(self, rows: Iterable[EdgeObservation]) -> int:
        """Merge FEEDS edges; endpoints are created if missing (datasets or columns)."""

    @abstractmethod
    def merge_reads(self, rows: Iterable[ReadObservation]) -> int:
        """Merge READ edges from principals to datasets."""

    @abstractmethod
    def rename_dataset(self, old_key: str, new_key: str, *, name: str | None = None) -> None:
        """Move a dataset to a new key, keeping its columns, edges and history."""

    # --- reads ---------------------------------------------------------------
    @abstractmethod
    def get_dataset(self, key: str) -> Node | None:
        """The dataset with this key (or a former key after a rename)."""

    @abstractmethod
    def upstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        """Every node upstream of ``key`` within ``depth`` hops, at its shortest distance."""

    @abstractmethod
    def downstream(self, key: str, *, depth: int, as_of: datetime | None = None) -> list[Reached]:
        """Every node downstream of ``key`` within ``depth`` hops, at its shortest distance."""

    @abstractmethod
    def paths(
        self, source: str, target: str, *, depth: int, as_of: datetime | None = None
    ) -> list[Path]:
        """Every simple path from ``source`` down to ``target`` of at most ``depth`` edges."""

    @abstractmethod
    def reach(
        self, sources: Sequence[str], *, depth: int, as_of: datetime | None = None
    ) -> dict[str, list[Reached]]:
        """For each source key, every node downstream of it within ``depth``."""

    @abstractmethod
    def neighbourhood(
        self,
        key: str,
        *,
        depth: int,
        direction: Direction = "both",
        level: Level = "dataset",
        as_of: datetime | None = None,
        limit: int = 500,
    ) -> Subgraph:
        """Nodes and edges within ``depth`` of a dataset, for drawing.

        At ``level="column"`` the nodes are the datasets reached plus their columns, and
        the edges are column edges (with dataset edges kept where no column edge explains
        them). ``truncated`` is set when more than ``limit`` nodes were reached.
        """

    @abstractmethod
    def column_edges_among(self, keys: list[str], as_of: datetime | None) -> list[Edge]:
        """The column edges between columns of the datasets ``keys`` (as of ``as_of``).

        What a table-level drawing reads to say whether a table edge carries a value.
        """

    @abstractmethod
    def edges_of(self, key: str, *, as_of: datetime | None = None) -> list[Edge]:
        """Every edge into or out of the dataset or column ``key``."""

    @abstractmethod
    def edges_from(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        """Every edge leaving one of ``keys`` (datasets or columns, former keys followed).

        The building block of walks that decide per edge whether to go on (a value that
        is hashed on one edge stops there): one call per step for a whole frontier.
        ``current``: the keys are taken from edges, so no former key needs following (a
        walk's later steps skip that lookup).
        """

    @abstractmethod
    def edges_to(
        self, keys: Sequence[str], *, as_of: datetime | None = None, current: bool = False
    ) -> list[Edge]:
        """Every edge arriving at one of ``keys``: ``edges_from`` walking upstream."""

    @abstractmethod
    def readers(self, dataset_key: str) -> list[Read]:
        """Who read the dataset, most recent first."""

    def readers_of(self, dataset_keys: Sequence[str]) -> dict[str, list[Read]]:
        """``readers`` of many datasets at once, by the key asked; a store may batch it."""
        return {key: self.readers(key) for key in dict.fromkeys(dataset_keys)}

    @abstractmethod
    def counts(self) -> Counts:
        """How many nodes and edges the store holds."""

    # --- grants (current state) ----------------------------------------------------
    @abstractmethod
    def merge_grants(self, rows: Iterable[GrantObservation]) -> int:
        """Create or update GRANTED edges keyed by (principal, dataset, privilege).

        Missing datasets are created; within one call the last row for a key wins.
        """

    @abstractmethod
    def replace_grants(
        self,
        *,
        rows: Iterable[GrantObservation],
        principal_kind: PrincipalKind = "role",
        platform: str | None = None,
    ) -> Replaced:
        """Make the grants to principals of ``principal_kind`` equal the snapshot ``rows``.

        Only grants on datasets of ``platform`` are compared when it is given, so one
        warehouse's snapshot leaves another's grants alone. Rows of another kind than
        ``principal_kind`` (or another platform) are refused with ``ValueError``.
        """

    @abstractmethod
    def replace_memberships(
        self, *, rows: Iterable[MembershipObservation], member_kind: PrincipalKind = "role"
    ) -> Replaced:
        """Make the MEMBER_OF edges from principals of ``member_kind`` equal ``rows``."""

    @abstractmethod
    def grants(self, dataset_key: str) -> list[Grant]:
        """Every privilege held directly on the dataset, by principal then privilege."""

    def who_can_read_of(self, dataset_keys: Sequence[str]) -> dict[str, list[Grant]]:
        """``who_can_read`` of many datasets at once, by the key asked; a store may batch it."""
        return {key: self.who_can_read(key) for key in dict.fromkeys(dataset_keys)}

    @abstractmethod
    def who_can_read(self, dataset_key: str) -> list[Grant]:
        """Every principal holding a READ_PRIVILEGES privilege, directly or through roles.

        One entry per (principal, privilege), through the shortest chain of roles (ties:
        the first chain in code-point order), sorted by principal then privilege.
        """
