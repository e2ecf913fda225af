"""The graph store's value types: what callers pass to a store and get back from it.

Plain frozen dataclasses and literals, no behaviour beyond validation; the semantics they
carry are described with the interface in ``graph.store.base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

MAX_DEPTH = 20

# Who said an edge exists, strongest first: the warehouse's query history, dbt artifacts,
# OpenLineage events. The rank decides whose word the edge's fields are (graph.store.base).
ORIGINS = ("warehouse", "dbt", "openlineage")
ORIGIN_RANK = {origin: len(ORIGINS) - i for i, origin in enumerate(ORIGINS)}

Direction = Literal["upstream", "downstream", "both"]
Level = Literal["dataset", "column"]
PrincipalKind = Literal["user", "role"]
# The privileges that let a principal read a table's rows.
READ_PRIVILEGES = ("OWNERSHIP", "SELECT")


class StoreError(RuntimeError):
    """The graph store could not answer (unreachable, misconfigured, bad request)."""


def check_depth(depth: int) -> int:
    """Return ``depth`` if it is an int in 1..MAX_DEPTH; Cypher cannot take it as a parameter."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be an integer from 1 to {MAX_DEPTH}, got {depth!r}")
    return depth


@dataclass(frozen=True)
class DatasetNode:
    """A table, view or file in a warehouse."""

    key: str
    platform: str
    name: str  # database.schema.table, lower-case
    object_id: str | None = None
    kind: str = "table"  # table | view | external | file | unknown
    first_seen: datetime | None = None


@dataclass(frozen=True)
class ColumnNode:
    """A column of a dataset."""

    key: str
    dataset_key: str
    name: str


@dataclass(frozen=True)
class EdgeObservation:
    """One or more runs of a job that moved data from ``upstream`` to ``downstream``."""

    upstream: str
    downstream: str
    level: Level
    transformation_type: str
    first_seen: datetime
    last_seen: datetime
    run_count: int = 1
    query_id: str | None = None
    job: str | None = None
    job_version: str | None = None
    execution_status: str = "SUCCESS"
    masking: str = "identity"  # identity | hashed | aggregated | redacted | transformed | unknown
    # OpenLineage's transformation vocabulary for column edges (None where nobody said):
    flow_type: str | None = None  # DIRECT | INDIRECT
    subtype: str | None = None  # IDENTITY | TRANSFORMATION | AGGREGATION | FILTER | JOIN | …
    masked: bool | None = None  # does the transformation mask the value?
    # What the producer said the transformation does (e.g. "SHA2(EMAIL, 256)"), if anything.
    description: str | None = None
    origin: str = "warehouse"  # one of ORIGINS: whose word this observation is
    additive: bool = False  # run_count counts only runs never merged before: always add it


@dataclass(frozen=True)
class Claim:
    """What a lower-ranked origin last said about an edge it does not own."""

    origin: str
    masking: str | None
    masked: bool | None
    execution_status: str | None
    job: str | None
    query_id: str | None
    last_seen: datetime


@dataclass(frozen=True)
class ReadObservation:
    """A principal (user or role) read a dataset ``count`` times in [first_seen, last_seen]."""

    principal: str
    principal_kind: Literal["user", "role"]
    dataset_key: str
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    additive: bool = False  # count counts only reads never merged before: always add it


@dataclass(frozen=True)
class Edge:
    """An edge as stored, with its accumulated execution metadata."""

    upstream: str
    downstream: str
    level: Level
    transformation_type: str
    first_seen: datetime
    last_seen: datetime
    run_count: int
    query_id: str | None
    job: str | None
    job_version: str | None
    execution_status: str
    masking: str
    flow_type: str | None = None
    subtype: str | None = None
    masked: bool | None = None
    description: str | None = None
    origin: str = "warehouse"
    other_claim: Claim | None = None

    @property
    def conflict(self) -> bool:
        """Does the other claim disagree with the edge on masking or status?"""
        claim = self.other_claim
        return claim is not None and (
            claim.masking != self.masking or claim.execution_status != self.execution_status
        )


@dataclass(frozen=True)
class Node:
    """A node as returned by traversals: a dataset or a column."""

    key: str
    label: Literal["Dataset", "Column"]
    name: str
    platform: str | None = None
    dataset_key: str | None = None
    kind: str | None = None
    object_id: str | None = None


@dataclass(frozen=True)
class Reached:
    """A node reached by a traversal, with its distance in hops from the start."""

    key: str
    depth: int


@dataclass(frozen=True)
class Path:
    """A path of edges from a start node to an end node, in order."""

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...]


@dataclass
class Subgraph:
    """Nodes and edges around a node, as drawn on a lineage page."""

    center: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Read:
    """Who read a dataset, as stored."""

    principal: str
    principal_kind: str
    dataset_key: str
    first_seen: datetime
    last_seen: datetime
    count: int


@dataclass(frozen=True)
class GrantObservation:
    """A privilege on a dataset held by a principal, as the warehouse reports it now."""

    principal: str
    principal_kind: PrincipalKind
    dataset_key: str
    privilege: str  # SELECT, INSERT, OWNERSHIP… (stored upper-case)
    granted_at: datetime | None = None
    granted_by: str | None = None
    granted_on: str = "TABLE"  # TABLE | VIEW | MATERIALIZED_VIEW | …


@dataclass(frozen=True)
class MembershipObservation:
    """A role granted to a principal: ``member`` holds every privilege ``role`` holds."""

    member: str
    member_kind: PrincipalKind
    role: str
    granted_at: datetime | None = None


@dataclass(frozen=True)
class Grant:
    """A grant as stored; from ``who_can_read``, also the roles it is held through.

    ``via`` is empty for a direct grant; otherwise it lists the roles from the one
    ``principal`` was granted up to the role that holds the privilege, nearest first.
    """

    principal: str
    principal_kind: str
    dataset_key: str
    privilege: str
    granted_on: str
    granted_at: datetime | None
    granted_by: str | None
    via: tuple[str, ...] = ()


@dataclass(frozen=True)
class Replaced:
    """What a ``replace_*`` call did: rows merged from the snapshot, stored rows removed."""

    merged: int
    removed: int


@dataclass(frozen=True)
class Counts:
    """How many nodes and edges a store holds."""

    datasets: int
    columns: int
    dataset_edges: int
    column_edges: int
    principals: int = 0
    reads: int = 0
    grants: int = 0
