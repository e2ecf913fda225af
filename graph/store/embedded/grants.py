"""Grants and role memberships in the embedded store: the ``StoreGrant``/``StoreMembership`` tables.

Mixed into ``EmbeddedStore``; the semantics are those of ``GraphStore`` (see ``base``).
Writes are Django bulk upserts, which mean the same on SQLite and Postgres.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from graph.models import StoreGrant, StoreMembership

from ..base import (
    Grant,
    GrantObservation,
    MembershipObservation,
    PrincipalKind,
    Replaced,
)
from ..common import (
    check_choice,
    chunked,
    grant_key,
    in_scope,
    inherited_readers,
    latest_grants,
    placeholder_dataset,
    sort_grants,
    valid_grant,
    valid_membership,
)
from . import sql

BATCH = 1000
LOOKUP_BATCH = 500
_GRANT_KEY = ["principal", "dataset_key", "privilege"]


def to_grant(row: StoreGrant) -> Grant:
    """A stored grant row as the interface's dataclass."""
    return Grant(
        principal=row.principal,
        principal_kind=row.principal_kind,
        dataset_key=row.dataset_key,
        privilege=row.privilege,
        granted_on=row.granted_on,
        granted_at=row.granted_at,
        granted_by=row.granted_by,
    )


def _grant_row(row: GrantObservation) -> StoreGrant:
    return StoreGrant(
        principal=row.principal,
        principal_kind=row.principal_kind,
        dataset_key=row.dataset_key,
        privilege=row.privilege,
        granted_on=row.granted_on,
        granted_at=row.granted_at,
        granted_by=row.granted_by,
    )


def upsert_grants(rows: list[GrantObservation]) -> None:
    """Write checked grants (one per key) whose datasets exist; the rows' fields win."""
    StoreGrant.objects.bulk_create(
        [_grant_row(r) for r in rows],
        update_conflicts=True,
        unique_fields=_GRANT_KEY,
        update_fields=["principal_kind", "granted_on", "granted_at", "granted_by"],
    )


def _delete(model, pks: list[int]) -> None:
    for chunk in chunked(pks, LOOKUP_BATCH):
        model.objects.filter(pk__in=chunk).delete()


class EmbeddedGrants:
    """The grant half of ``EmbeddedStore`` (it supplies ``_aliases`` and ``_current``)."""

    def merge_grants(self, rows: Iterable[GrantObservation]) -> int:
        total = 0
        for chunk in chunked(rows, BATCH):
            total += len(chunk)
            with transaction.atomic():
                aliases = self._aliases(r.dataset_key for r in chunk)
                grants = latest_grants(valid_grant(r, aliases) for r in chunk)
                datasets = sorted({g.dataset_key for g in grants})
                sql.insert_missing_nodes(
                    [
                        (n.key, "Dataset", n.name, n.platform, "", n.kind)
                        for n in map(placeholder_dataset, datasets)
                    ]
                )
                upsert_grants(grants)
        return total

    def replace_grants(
        self,
        *,
        rows: Iterable[GrantObservation],
        principal_kind: PrincipalKind = "role",
        platform: str | None = None,
    ) -> Replaced:
        rows = in_scope(rows, principal_kind, platform)
        with transaction.atomic():
            merged = self.merge_grants(rows)
            aliases = self._aliases({r.dataset_key for r in rows})
            wanted = {grant_key(valid_grant(r, aliases)) for r in rows}
            stored = StoreGrant.objects.filter(principal_kind=principal_kind)
            if platform is not None:
                stored = stored.filter(dataset_key__startswith=f"{platform}://")
            stale = [
                pk
                for pk, *key in stored.values_list("pk", *_GRANT_KEY).iterator()
                if tuple(key) not in wanted
            ]
            _delete(StoreGrant, stale)
        return Replaced(merged=merged, removed=len(stale))

    def replace_memberships(
        self, *, rows: Iterable[MembershipObservation], member_kind: PrincipalKind = "role"
    ) -> Replaced:
        check_choice(member_kind, ("user", "role"), "member_kind")
        latest = {}
        for row in map(valid_membership, rows):
            if row.member_kind != member_kind:
                raise ValueError(f"a snapshot of {member_kind} memberships holds {row!r}")
            latest[(row.member, row.role)] = row
        with transaction.atomic():
            for chunk in chunked(latest.values(), BATCH):
                StoreMembership.objects.bulk_create(
                    [StoreMembership(**r.__dict__) for r in chunk],
                    update_conflicts=True,
                    unique_fields=["member", "role"],
                    update_fields=["member_kind", "granted_at"],
                )
            stored = StoreMembership.objects.filter(member_kind=member_kind)
            stale = [
                pk
                for pk, member, role in stored.values_list("pk", "member", "role").iterator()
                if (member, role) not in latest
            ]
            _delete(StoreMembership, stale)
        return Replaced(merged=len(latest), removed=len(stale))

    def grants(self, dataset_key: str) -> list[Grant]:
        rows = StoreGrant.objects.filter(dataset_key=self._current(dataset_key))
        return sort_grants(map(to_grant, rows))

    def who_can_read(self, dataset_key: str) -> list[Grant]:
        def members_of(roles: set[str]) -> list[tuple[str, str, str]]:
            found = []
            for chunk in chunked(sorted(roles), LOOKUP_BATCH):
                rows = StoreMembership.objects.filter(role__in=chunk)
                found += rows.values_list("member", "member_kind", "role")
            return found

        return inherited_readers(self.grants(dataset_key), members_of)


def move_grants(old_key: str, new_key: str, *, fold: bool) -> None:
    """A renamed dataset's grants follow it; folded into an existing one, its own grants win."""
    if not fold:
        StoreGrant.objects.filter(dataset_key=old_key).update(dataset_key=new_key)
        return
    rows = list(StoreGrant.objects.filter(dataset_key=old_key))
    StoreGrant.objects.filter(pk__in=[r.pk for r in rows]).delete()
    for row in rows:
        row.pk, row.dataset_key = None, new_key
    StoreGrant.objects.bulk_create(rows, ignore_conflicts=True)
