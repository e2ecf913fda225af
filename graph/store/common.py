"""Pure helpers both graph store backends share, so that they keep one set of semantics.

Nothing here talks to a database: key parsing, input validation, alias resolution over a
backend's lookup function, and the ordering rules the contract suite relies on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from graph.keys import ColumnKey, DatasetKey
from graph.masking import FLOW_TYPES

from .base import (
    MAX_DEPTH,
    READ_PRIVILEGES,
    DatasetNode,
    Edge,
    EdgeObservation,
    Grant,
    GrantObservation,
    MembershipObservation,
    Reached,
    Read,
    ReadObservation,
)

T = TypeVar("T")

LEVELS = ("dataset", "column")
# OpenLineage names the common subtypes; producers may use others of the same shape.
_SUBTYPE = re.compile(r"^[A-Z][A-Z_]{0,15}$")
PRINCIPAL_KINDS = ("user", "role")
DIRECTIONS = ("upstream", "downstream", "both")
PLACEHOLDER_KIND = "unknown"  # a dataset only known as the end of an edge or a read


def utc(value: datetime) -> datetime:
    """``value`` in UTC; naive datetimes are refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """Like :func:`utc`, passing ``None`` through (an absent ``as_of`` or ``first_seen``)."""
    return None if value is None else utc(value)


def check_limit(limit: int) -> int:
    """Return ``limit`` if it is a positive int (the node cap of a neighbourhood)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit!r}")
    return limit


def check_choice(value: str, choices: Sequence[str], what: str) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(choices)}, got {value!r}")
    return value


def dataset_parts(key: str) -> tuple[str, str]:
    """(platform, name) of a dataset key ``platform://database.schema.table``."""
    parsed = DatasetKey.parse(key)
    return parsed.platform, parsed.name


def split_column_key(key: str) -> tuple[str, str]:
    """(dataset key, column name) of a column key ``<dataset key>#<column>``."""
    parsed = ColumnKey.parse(key)
    return parsed.dataset_key, parsed.column


def placeholder_dataset(key: str) -> DatasetNode:
    """The dataset created when only an edge, a column or a read names it."""
    platform, name = dataset_parts(key)
    return DatasetNode(key=key, platform=platform, name=name, kind=PLACEHOLDER_KIND)


def renamed_name(new_key: str, name: str | None) -> str:
    """The name of a renamed dataset: the one given, else the name part of its new key."""
    return name if name is not None else dataset_parts(new_key)[1]


def chunked(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    """``rows`` in lists of at most ``size``."""
    chunk: list[T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rounds(rows: Sequence[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """Split ``rows`` into rounds in which every ``key`` occurs once, keeping each key's order.

    An upsert cannot touch one row twice in a statement, and the run_count rule is not
    associative, so repeated observations of one edge are applied in successive rounds,
    exactly as if they were merged one after the other.
    """
    seen: dict[Hashable, int] = {}
    out: list[list[T]] = []
    for row in rows:
        index = seen.get(key(row), 0)
        seen[key(row)] = index + 1
        if index == len(out):
            out.append([])
        out[index].append(row)
    return out


def resolve_keys(
    keys: Iterable[str], lookup: Callable[[set[str]], dict[str, str]]
) -> dict[str, str]:
    """Map each key to its current key, following renames; unknown keys map to themselves.

    ``lookup`` returns ``{old_key: current_key}`` for the keys that are aliases. A column
    key that is no alias itself still follows a rename of its dataset.
    """
    wanted = set(keys)
    found = lookup(wanted) if wanted else {}
    columns: dict[str, tuple[str, str]] = {}
    for key in wanted - set(found):
        if "#" in key:
            columns[key] = split_column_key(key)
    parents = lookup({parent for parent, _ in columns.values()}) if columns else {}
    for key, (parent, column) in columns.items():
        if parent in parents:
            found[key] = f"{parents[parent]}#{column}"
    return {key: found.get(key, key) for key in wanted}


def valid_edge(row: EdgeObservation, aliases: dict[str, str]) -> EdgeObservation:
    """``row`` checked, with UTC times and endpoints moved to their current keys."""
    check_choice(row.level, LEVELS, "level")
    first, last = utc(row.first_seen), utc(row.last_seen)
    if first > last:
        raise ValueError(f"first_seen is after last_seen for {row.upstream} -> {row.downstream}")
    if row.run_count < 0:
        raise ValueError(f"run_count must not be negative, got {row.run_count}")
    if row.flow_type is not None:
        check_choice(row.flow_type, FLOW_TYPES, "flow_type")
    if row.subtype is not None and not _SUBTYPE.match(row.subtype):
        raise ValueError(
            f"subtype must be an upper-case word of at most 16 letters, got {row.subtype!r}"
        )
    if row.masked not in (None, True, False):
        raise ValueError(f"masked must be true, false or null, got {row.masked!r}")
    return replace(
        row,
        upstream=aliases.get(row.upstream, row.upstream),
        downstream=aliases.get(row.downstream, row.downstream),
        first_seen=first,
        last_seen=last,
    )


def valid_read(row: ReadObservation, aliases: dict[str, str]) -> ReadObservation:
    """``row`` checked, with UTC times and its dataset moved to its current key."""
    check_choice(row.principal_kind, ("user", "role"), "principal_kind")
    first, last = utc(row.first_seen), utc(row.last_seen)
    if first > last:
        raise ValueError(f"first_seen is after last_seen for {row.principal} -> {row.dataset_key}")
    return replace(
        row,
        dataset_key=aliases.get(row.dataset_key, row.dataset_key),
        first_seen=first,
        last_seen=last,
    )


def edge_as_observation(edge: Edge, upstream: str, downstream: str) -> EdgeObservation:
    """A stored edge replayed as one observation between (possibly renamed) endpoints."""
    fields = {k: v for k, v in edge.__dict__.items() if k not in ("upstream", "downstream")}
    return EdgeObservation(upstream=upstream, downstream=downstream, **fields)


def sort_reached(pairs: Iterable[tuple[str, int]]) -> list[Reached]:
    """Reached nodes nearest first, then by key: the order every traversal returns."""
    return [Reached(key=k, depth=d) for k, d in sorted(pairs, key=lambda p: (p[1], p[0]))]


def sort_reads(reads: Iterable[Read]) -> list[Read]:
    """Readers most recent first, then by name (in code-point order on every backend)."""
    return sorted(reads, key=lambda r: (-r.last_seen.timestamp(), r.principal))


def edge_sort_key(edge: Edge) -> tuple[str, str, str]:
    """The order of edges in answers: dataset edges before column edges, then by keys."""
    return (edge.level, edge.upstream, edge.downstream)


def column_level_edges(
    dataset_edges: Iterable[Edge], column_edges: Iterable[Edge], dataset_of: dict[str, str]
) -> list[Edge]:
    """Column edges, plus the dataset edges that no column edge between the two explains."""
    column_edges = list(column_edges)
    explained = {(dataset_of.get(e.upstream), dataset_of.get(e.downstream)) for e in column_edges}
    kept = [e for e in dataset_edges if (e.upstream, e.downstream) not in explained]
    return sorted([*kept, *column_edges], key=edge_sort_key)


def merge_nearest(*walks: Iterable[Reached]) -> list[Reached]:
    """Several walks from one node combined, each node at its shortest depth."""
    best: dict[str, int] = {}
    for walk in walks:
        for reached in walk:
            best[reached.key] = min(reached.depth, best.get(reached.key, reached.depth))
    return sort_reached(best.items())


# --- grants ----------------------------------------------------------------------------

GrantKey = tuple[str, str, str]  # (principal, dataset key, privilege)


def valid_grant(row: GrantObservation, aliases: dict[str, str]) -> GrantObservation:
    """``row`` checked, its privilege upper-case, its dataset moved to its current key."""
    check_choice(row.principal_kind, PRINCIPAL_KINDS, "principal_kind")
    if not row.principal or not row.privilege or not row.dataset_key:
        raise ValueError(f"a grant needs a principal, a privilege and a dataset: {row!r}")
    return replace(
        row,
        dataset_key=aliases.get(row.dataset_key, row.dataset_key),
        privilege=row.privilege.strip().upper(),
        granted_on=(row.granted_on or "").strip().upper().replace(" ", "_"),
        granted_at=utc_or_none(row.granted_at),
    )


def latest_grants(rows: Iterable[GrantObservation]) -> list[GrantObservation]:
    """One row per (principal, dataset, privilege): the last one given, in first-seen order."""
    return list({grant_key(r): r for r in rows}.values())


def grant_key(row: GrantObservation | Grant) -> GrantKey:
    return (row.principal, row.dataset_key, row.privilege)


def in_scope(
    rows: Iterable[GrantObservation], principal_kind: str, platform: str | None
) -> list[GrantObservation]:
    """The rows of a snapshot, refused unless all are of its principal kind and platform."""
    check_choice(principal_kind, PRINCIPAL_KINDS, "principal_kind")
    rows = list(rows)
    for row in rows:
        if row.principal_kind != principal_kind:
            raise ValueError(f"a snapshot of {principal_kind} grants holds {row!r}")
        if platform is not None and dataset_parts(row.dataset_key)[0] != platform:
            raise ValueError(f"a snapshot of {platform} grants holds {row!r}")
    return rows


def valid_membership(row: MembershipObservation) -> MembershipObservation:
    """``row`` checked, with a UTC ``granted_at``."""
    check_choice(row.member_kind, PRINCIPAL_KINDS, "member_kind")
    if not row.member or not row.role or row.member == row.role:
        raise ValueError(f"a membership needs a member and another role: {row!r}")
    return replace(row, granted_at=utc_or_none(row.granted_at))


def sort_grants(grants: Iterable[Grant]) -> list[Grant]:
    """Grants by principal, then privilege (code-point order on every backend)."""
    return sorted(grants, key=lambda g: (g.principal, g.privilege, g.via))


def inherited_readers(
    direct: Iterable[Grant], members_of: Callable[[set[str]], Iterable[tuple[str, str, str]]]
) -> list[Grant]:
    """The holders of a read privilege, and every principal that inherits it through roles.

    ``members_of`` returns ``(member, member_kind, role)`` for the members of the given
    roles. The walk is breadth-first, one lookup per level, so each (principal,
    privilege) is found at its shortest chain; MAX_DEPTH bounds it should roles cycle.
    """
    best: dict[tuple[str, str], Grant] = {}
    for grant in sorted(direct, key=lambda g: g.principal):
        if grant.privilege in READ_PRIVILEGES:
            best.setdefault((grant.principal, grant.privilege), grant)
    frontier = list(best.values())
    for _ in range(MAX_DEPTH):
        by_role: dict[str, list[Grant]] = defaultdict(list)
        for grant in frontier:
            by_role[grant.principal].append(grant)
        found: dict[tuple[str, str], Grant] = {}
        for member, kind, role in members_of(set(by_role)):
            for held in by_role.get(role, ()):
                candidate = replace(
                    held, principal=member, principal_kind=kind, via=(role, *held.via)
                )
                key = (member, held.privilege)
                if key not in best and (key not in found or candidate.via < found[key].via):
                    found[key] = candidate
        if not found:
            break
        best.update(found)
        frontier = list(found.values())
    return sort_grants(best.values())
