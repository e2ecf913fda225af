"""Grants: the warehouse's current grants to roles, as GRANTED and MEMBER_OF edges in the store.

Decisions worth knowing:

* Grants are current state, not history (GRANTS_TO_ROLES has one row per live grant and
  keeps a revoked one with DELETED_ON), so they are not fetched per time window. The
  pipeline takes one snapshot per batch of windows: when the last window of a backfill,
  or the newest window of the incremental sync, has been ingested (``grants_due``).
  The snapshot *replaces* the platform's role grants and role memberships in the store,
  so a revoked grant (left out of the snapshot: DELETED_ON is set) disappears.
* The snapshot is taken inside the window's run: if it fails, the run fails and is
  retried like any other (a replayed window changes nothing), so stale grants show as
  a failed run rather than going unnoticed.
* Only grants on table-like objects and of roles to roles are kept; grants on
  databases, schemas and warehouses say nothing about who reads which data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from graph import keys
from graph.models import IngestionRun, Source
from graph.sources import source_for
from graph.sources.base import FetchIssue
from graph.store.base import GrantObservation, GraphStore, MembershipObservation, Replaced

logger = logging.getLogger(__name__)


@runtime_checkable
class GrantsSource(Protocol):
    """A source that can list its current grants (``SnowflakeSource`` can)."""

    platform: str

    def fetch_grants(self, *, include_deleted: bool = False, on_issue=...) -> list: ...


@dataclass
class GrantsSynced:
    """What one grants snapshot did to the store."""

    grants: Replaced
    memberships: Replaced
    issues: list[FetchIssue] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"grants: {self.grants.merged} current, {self.grants.removed} revoked; "
            f"role grants: {self.memberships.merged} current, {self.memberships.removed} revoked; "
            f"{len(self.issues)} rows skipped"
        )


def _key(platform: str, *parts: str) -> str | None:
    """The dataset key of an object, whatever characters its (unquoted) name parts hold."""
    quoted = ".".join('"' + part.replace('"', '""') + '"' for part in parts)
    return keys.dataset_key(platform, quoted)


def grant_snapshot(
    records, platform: str
) -> tuple[list[GrantObservation], list[MembershipObservation]]:
    """Live grants on tables and views, and roles granted to roles, as store observations."""
    grants, memberships = [], []
    for record in records:
        if record.revoked:
            continue
        if record.is_role_grant:
            memberships.append(
                MembershipObservation(
                    member=record.grantee,
                    member_kind="role",
                    role=record.name,
                    granted_at=record.created_on,
                )
            )
            continue
        key = _key(platform, record.database, record.schema, record.name)
        if key is not None:
            grants.append(
                GrantObservation(
                    principal=record.grantee,
                    principal_kind="role",
                    dataset_key=key,
                    privilege=record.privilege,
                    granted_at=record.created_on,
                    granted_by=record.granted_by,
                    granted_on=record.granted_on,
                )
            )
    return grants, memberships


def grants_sync(*, source: Source, store: GraphStore, fetcher=None) -> GrantsSynced:
    """Replace the store's grants to roles of ``source``'s platform with its current ones."""
    own = fetcher is None
    fetcher = fetcher or source_for(source)
    try:
        if not isinstance(fetcher, GrantsSource):
            raise ValueError(f"source {source.name!r} ({source.kind}) cannot list grants")
        issues: list[FetchIssue] = []
        records = fetcher.fetch_grants(on_issue=issues.append)
    finally:
        if own:
            fetcher.close()
    grants, memberships = grant_snapshot(records, fetcher.platform)
    synced = GrantsSynced(
        grants=store.replace_grants(rows=grants, platform=fetcher.platform),
        memberships=store.replace_memberships(rows=memberships),
        issues=issues,
    )
    logger.info("source %s: %s", source.name, synced.summary())
    return synced


def grants_due(run: IngestionRun) -> bool:
    """True for the last window of a backfill, or the newest window of the incremental sync."""
    later = IngestionRun.objects.filter(source_id=run.source_id, window_start__gt=run.window_start)
    if run.backfill_id is not None:
        later = later.filter(backfill_id=run.backfill_id)
    else:
        later = later.filter(backfill__isnull=True)
    return not later.exists()


def grants_after_window(*, run: IngestionRun, store: GraphStore, fetcher) -> GrantsSynced | None:
    """The pipeline's hook: a grants snapshot if this run is due one and its source has grants."""
    if not isinstance(fetcher, GrantsSource) or not grants_due(run):
        return None
    return grants_sync(source=run.source, store=store, fetcher=fetcher)
