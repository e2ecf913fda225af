"""Grants and role memberships in Neo4j: ``(:Principal)-[:GRANTED]->(:Dataset)`` and
``(:Principal)-[:MEMBER_OF]->(:Principal)``.

Mixed into ``Neo4jStore``; the semantics are those of ``GraphStore`` (see ``base``). Every
write is a batched ``UNWIND $rows`` from ``cypher``. A replacement merges the snapshot in
batches, then deletes what the snapshot no longer holds in one more transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from neo4j import ManagedTransaction

from ..base import Grant, GrantObservation, MembershipObservation, PrincipalKind, Replaced
from ..common import (
    check_choice,
    chunked,
    grant_key,
    in_scope,
    inherited_readers,
    latest_grants,
    resolve_keys,
    sort_grants,
    valid_grant,
    valid_membership,
)
from . import cypher
from .writes import alias_lookup, ensure_datasets, native

BATCH = 5000
LOOKUP_BATCH = 1000


def grant_params(row: GrantObservation) -> dict:
    """A checked grant as query parameters, its time as ISO-8601 text."""
    return {
        "principal": row.principal,
        "principal_kind": row.principal_kind,
        "dataset_key": row.dataset_key,
        "privilege": row.privilege,
        "granted_on": row.granted_on,
        "granted_by": row.granted_by,
        "granted_at": row.granted_at.isoformat() if row.granted_at else None,
    }


def write_grants(tx: ManagedTransaction, chunk: Sequence[GrantObservation]) -> None:
    """Merge grants under their datasets' current keys, creating missing datasets."""
    aliases = resolve_keys({r.dataset_key for r in chunk}, alias_lookup(tx))
    grants = latest_grants(valid_grant(r, aliases) for r in chunk)
    ensure_datasets(tx, {g.dataset_key for g in grants})
    tx.run(cypher.MERGE_GRANTS, rows=[grant_params(g) for g in grants]).consume()


def to_grant(row: dict, dataset_key: str) -> Grant:
    """A GRANTED relationship, as returned by ``cypher.GRANTS_ON``, as the dataclass."""
    return Grant(
        principal=row["principal"],
        principal_kind=row["principal_kind"],
        dataset_key=dataset_key,
        privilege=row["privilege"],
        granted_on=row["granted_on"] or "",
        granted_at=native(row["granted_at"]),
        granted_by=row["granted_by"],
    )


class Neo4jGrants:
    """The grant half of ``Neo4jStore`` (it supplies ``_read``, ``_write``, ``_aliases``)."""

    def merge_grants(self, rows: Iterable[GrantObservation]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            self._write(lambda tx, chunk=chunk: write_grants(tx, chunk))
        return total

    def replace_grants(
        self,
        *,
        rows: Iterable[GrantObservation],
        principal_kind: PrincipalKind = "role",
        platform: str | None = None,
    ) -> Replaced:
        rows = in_scope(rows, principal_kind, platform)
        merged = self.merge_grants(rows)
        aliases = self._aliases({r.dataset_key for r in rows})
        wanted = {grant_key(valid_grant(r, aliases)) for r in rows}
        prefix = None if platform is None else f"{platform}://"

        def prune(tx: ManagedTransaction) -> int:
            stored = tx.run(cypher.GRANT_KEYS, kind=principal_kind, prefix=prefix).data()
            stale = [
                r
                for r in stored
                if (r["principal"], r["dataset_key"], r["privilege"]) not in wanted
            ]
            for chunk in chunked(stale, BATCH):
                tx.run(cypher.DELETE_GRANTS, rows=chunk).consume()
            tx.run(cypher.DROP_LONE_PRINCIPALS).consume()
            return len(stale)

        return Replaced(merged=merged, removed=self._write(prune))

    def replace_memberships(
        self, *, rows: Iterable[MembershipObservation], member_kind: PrincipalKind = "role"
    ) -> Replaced:
        check_choice(member_kind, ("user", "role"), "member_kind")
        latest = {}
        for row in map(valid_membership, rows):
            if row.member_kind != member_kind:
                raise ValueError(f"a snapshot of {member_kind} memberships holds {row!r}")
            latest[(row.member, row.role)] = {
                "member": row.member,
                "member_kind": row.member_kind,
                "role": row.role,
                "granted_at": row.granted_at.isoformat() if row.granted_at else None,
            }
        for chunk in chunked(latest.values(), BATCH):
            self._write(
                lambda tx, chunk=chunk: tx.run(cypher.MERGE_MEMBERSHIPS, rows=chunk).consume()
            )

        def prune(tx: ManagedTransaction) -> int:
            stored = tx.run(cypher.MEMBERSHIP_KEYS, kind=member_kind).data()
            stale = [r for r in stored if (r["member"], r["role"]) not in latest]
            for chunk in chunked(stale, BATCH):
                tx.run(cypher.DELETE_MEMBERSHIPS, rows=chunk).consume()
            tx.run(cypher.DROP_LONE_PRINCIPALS).consume()
            return len(stale)

        return Replaced(merged=len(latest), removed=self._write(prune))

    def grants(self, dataset_key: str) -> list[Grant]:
        key = self._current(dataset_key)
        return sort_grants(to_grant(r, key) for r in self._read(cypher.GRANTS_ON, key=key))

    def who_can_read_of(self, dataset_keys: Sequence[str]) -> dict[str, list[Grant]]:
        # The direct grants in one query a chunk; each role's members looked up once for all.
        current = self._aliases(dataset_keys)
        wanted = sorted({current[key] for key in dataset_keys})
        direct: dict[str, list[Grant]] = {key: [] for key in wanted}
        for chunk in chunked(wanted, LOOKUP_BATCH):
            for r in self._read(cypher.GRANTS_ON_ANY, keys=chunk):
                direct[r["key"]].append(to_grant(r, r["key"]))
        members: dict[str, list[tuple[str, str, str]]] = {}

        def members_of(roles: set[str]) -> list[tuple[str, str, str]]:
            unknown = sorted(roles - members.keys())
            for role in unknown:
                members[role] = []
            for chunk in chunked(unknown, LOOKUP_BATCH):
                for r in self._read(cypher.MEMBERS_OF, roles=chunk):
                    members[r["role"]].append((r["member"], r["member_kind"], r["role"]))
            return [member for role in sorted(roles) for member in members[role]]

        readers = {
            key: inherited_readers(sort_grants(grants), members_of)
            for key, grants in direct.items()
        }
        return {key: readers[current[key]] for key in dict.fromkeys(dataset_keys)}

    def who_can_read(self, dataset_key: str) -> list[Grant]:
        def members_of(roles: set[str]) -> list[tuple[str, str, str]]:
            found = []
            for chunk in chunked(sorted(roles), LOOKUP_BATCH):
                rows = self._read(cypher.MEMBERS_OF, roles=chunk)
                found += [(r["member"], r["member_kind"], r["role"]) for r in rows]
            return found

        return inherited_readers(self.grants(dataset_key), members_of)
