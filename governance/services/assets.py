"""Writes to one asset's governance: classification, tags, steward, masking, review date.

Every write funnels through ``asset_change``: clean the input, lock the row, check permission
and version, change it, bump the version and append one audit event — in one transaction.
The governance rows themselves, of one catalog asset or of many, are created empty when
first asked for. Import these from ``governance.services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from graph.keys import is_column_key, normalize_key
from graph.models import Column, Dataset
from lineage_portal.config import engine

from ..audit import audit_event_append
from ..errors import StaleAssetError
from ..models import AssetGovernance, MaskingPolicy, RegulatoryTag, Steward
from ..permissions import (
    ensure_can_edit_asset,
    ensure_can_move_review_date,
)
from ..validation import changes_clean, level_clean, tags_clean

if TYPE_CHECKING:
    from lineage_portal.access import Actor

AssetLike = AssetGovernance | Dataset | Column


def review_cycle_days() -> int:
    """Days between reviews, from ``compliance.review_cycle_days`` (default 90)."""
    return engine().compliance.review_cycle_days


def asset_governance_get_or_create(
    *, dataset: Dataset | None = None, column: Column | None = None, key: str | None = None
) -> AssetGovernance:
    """The governance row of a catalog dataset or column (exactly one of the three).

    ``key`` is a catalog key (``platform://db.schema.table`` or ``…#column``). Creating
    the empty row changes no governance, so it needs no permission and leaves no event.
    """
    if sum(arg is not None for arg in (dataset, column, key)) != 1:
        raise ValidationError("Give exactly one of dataset, column or key.")
    if key is None:
        rows = _governance_rows([dataset] if dataset else [], [column] if column else [])
        return next(iter(rows.values()))
    normalized = normalize_key(key)
    found = asset_governance_get_or_create_many(keys=[normalized]).get(normalized)
    if found is None:
        kind = "column" if is_column_key(normalized) else "dataset"
        raise ValidationError(f"Unknown catalog {kind} {key!r}.", code="unknown_asset")
    return found


def asset_governance_get_or_create_many(*, keys: Iterable[str]) -> dict[str, AssetGovernance]:
    """Catalog key (normalized) → its governance row, for the keys the catalog knows.

    One query per kind of key (datasets, columns), one for the rows, and one to create the
    empty rows that are missing. As for one asset, that changes no governance: no
    permission, no event.
    """
    wanted = {normalize_key(key) for key in keys}
    columns = Column.objects.filter(key__in=[k for k in wanted if is_column_key(k)])
    datasets = Dataset.objects.filter(key__in=[k for k in wanted if not is_column_key(k)])
    return _governance_rows(list(datasets), list(columns.select_related("dataset")))


def _governance_rows(datasets: list[Dataset], columns: list[Column]) -> dict[str, AssetGovernance]:
    """The governance rows of ``datasets`` and ``columns`` by catalog key, missing ones
    created empty; each row holds its dataset or column, so its key costs no query."""
    by_dataset = {d.pk: d for d in datasets}
    by_column = {c.pk: c for c in columns}
    if not by_dataset and not by_column:
        return {}
    rows = list(
        AssetGovernance.objects.filter(
            Q(dataset_id__in=list(by_dataset)) | Q(column_id__in=list(by_column))
        )
    )
    governed = {(row.dataset_id, row.column_id) for row in rows}
    rows += _rows_create("dataset", [d for d in datasets if (d.pk, None) not in governed])
    rows += _rows_create("column", [c for c in columns if (None, c.pk) not in governed])
    found = {}
    for row in rows:
        if row.column_id is not None:
            row.column = by_column[row.column_id]
        elif row.dataset_id is not None:
            row.dataset = by_dataset[row.dataset_id]
        found[row.key] = row
    return found


def _rows_create(kind: str, items: list[Dataset] | list[Column]) -> list[AssetGovernance]:
    """Empty governance rows for ``items`` (datasets or columns), in one ``INSERT``.

    A row another process created since we looked is taken, not refused: on that conflict
    its dataset (or column) is set to the value it has, so every id comes back from the
    one statement (``ON CONFLICT … DO UPDATE … RETURNING``) with no second look.
    """
    if not items:
        return []
    return AssetGovernance.objects.bulk_create(
        [AssetGovernance(**{kind: item}) for item in items],
        update_conflicts=True,
        unique_fields=[kind],
        update_fields=[kind],
    )


def asset_governance_of(
    *, dataset: Dataset | None = None, column: Column | None = None
) -> AssetGovernance:
    """The governance row of a dataset or column, or an unsaved empty one — never a write.

    Edits take this: the services check permission on it first and create the row only
    for an edit that is allowed, so a refused edit leaves nothing behind.
    """
    if (dataset is None) == (column is None):
        raise ValidationError("Give exactly one of dataset or column.")
    found = AssetGovernance.objects.filter(
        **({"column": column} if column is not None else {"dataset": dataset})
    ).first()
    return found or AssetGovernance(dataset=dataset, column=column)


def _as_asset(item: AssetLike) -> AssetGovernance:
    """The item's governance row, or an unsaved one (created only once an edit is allowed)."""
    if isinstance(item, AssetGovernance):
        return item
    if isinstance(item, Column):
        return asset_governance_of(column=item)
    return asset_governance_of(dataset=item)


# --- the single-asset services ----------------------------------------------------------


def classification_assign(
    *,
    actor: Actor,
    asset: AssetGovernance,
    level: str | None,
    expected_version: int | None = None,
    reason: str = "",
) -> AssetGovernance:
    """Set (or, with None / "unclassified", clear) the classification level."""
    cleaned = {"classification": level_clean(level)}
    return _change(actor, asset, cleaned, expected_version, reason, "classification.assign")


def tags_set(
    *,
    actor: Actor,
    asset: AssetGovernance,
    tags: Iterable[str | RegulatoryTag],
    expected_version: int | None = None,
    reason: str = "",
) -> AssetGovernance:
    """Replace the regulatory tags with ``tags`` (slugs or instances)."""
    cleaned = {"tags": tags_clean(tags)}
    return _change(actor, asset, cleaned, expected_version, reason, "tags.set")


def steward_assign(
    *,
    actor: Actor,
    asset: AssetGovernance,
    steward: Steward | int | str | None,
    expected_version: int | None = None,
    reason: str = "",
) -> AssetGovernance:
    """Make an active steward (instance, pk or name) accountable; None removes it."""
    cleaned = changes_clean({"steward": steward})
    return _change(actor, asset, cleaned, expected_version, reason, "steward.assign")


def masking_policy_assign(
    *,
    actor: Actor,
    asset: AssetGovernance,
    policy: MaskingPolicy | int | str | None,
    expected_version: int | None = None,
    reason: str = "",
) -> AssetGovernance:
    """Record the masking policy protecting the asset; None removes it."""
    cleaned = changes_clean({"masking_policy": policy})
    return _change(actor, asset, cleaned, expected_version, reason, "masking_policy.assign")


def asset_update(
    *,
    actor: Actor,
    asset: AssetGovernance,
    changes: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> AssetGovernance:
    """One form save: any of classification, tags, steward, masking_policy, next_review_due.

    All-or-nothing, one audit event listing every changed field. Fields absent from
    ``changes`` are left alone; a save that changes nothing writes nothing.
    """
    return _change(actor, asset, changes_clean(changes), expected_version, reason, "asset.update")


# --- the one way an asset changes ---------------------------------------------------------


def _locked(queryset: QuerySet[AssetGovernance]) -> QuerySet[AssetGovernance]:
    """``select_for_update`` on the asset rows only (nullable joins cannot be locked)."""
    return queryset.select_for_update(of=("self",)).select_related(
        "dataset", "column__dataset", "steward", "masking_policy"
    )


def _created(asset: AssetGovernance) -> AssetGovernance:
    """The saved row of ``asset``: itself, or the row created (or found) for its dataset/column."""
    if asset.pk is not None:
        return asset
    if asset.column_id is not None:
        return AssetGovernance.objects.get_or_create(column_id=asset.column_id)[0]
    return AssetGovernance.objects.get_or_create(dataset_id=asset.dataset_id)[0]


def asset_lock(asset: AssetGovernance) -> AssetGovernance:
    """The asset's row, fresh from the database and locked until the transaction ends.

    An unsaved asset gets its row created here: call this only once the edit is allowed.
    """
    return _locked(AssetGovernance.objects.filter(pk=_created(asset).pk)).get()


def asset_values(asset: AssetGovernance) -> dict[str, Any]:
    """The governed fields as objects (tags as a slug-sorted list)."""
    return {
        "classification": asset.classification,
        "tags": sorted(asset.tags.all(), key=lambda tag: tag.slug) if asset.pk else [],
        "steward": asset.steward,
        "masking_policy": asset.masking_policy,
        "next_review_due": asset.next_review_due,
    }


def asset_snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """The governed fields as plain JSON values, as audit events record them."""
    due = values["next_review_due"]
    return {
        "classification": values["classification"],
        "tags": [tag.slug for tag in values["tags"]],
        "steward": values["steward"].name if values["steward"] else None,
        "masking_policy": values["masking_policy"].name if values["masking_policy"] else None,
        "next_review_due": due.isoformat() if due else None,
    }


def version_check(asset: AssetGovernance, expected_version: int | None) -> None:
    """Raise ``StaleAssetError`` if the row moved on since the caller read ``expected_version``."""
    if expected_version is None or int(expected_version) == asset.version:
        return
    raise StaleAssetError(
        key=asset.key,
        expected_version=int(expected_version),
        current_version=asset.version,
        changed_by=asset.updated_by.get_username() if asset.updated_by else "someone",
        changed_at=asset.updated_at,
    )


def asset_change(
    *,
    actor: Actor,
    asset: AssetGovernance,
    cleaned: dict[str, Any],
    expected_version: int | None,
    reason: str,
    action: str,
    add_tags: list[RegulatoryTag] | None = None,
    note: tuple[dict[str, Any], dict[str, Any]] | None = None,
) -> AssetGovernance:
    """Change ``asset`` to the ``cleaned`` values atomically and audit exactly what changed.

    ``add_tags`` are added to the current tags; ``note`` (before, after) adds context to the
    event and forces one even when no field changed. Returns the locked, updated row.
    """
    with transaction.atomic():
        if asset.pk is None:
            # Judged before the row exists: a refused edit must not leave an empty row.
            ensure_can_edit_asset(actor, asset)
        locked = asset_lock(asset)
        ensure_can_edit_asset(actor, locked)
        version_check(locked, expected_version)
        current = asset_values(locked)
        desired = _desired(current, cleaned, add_tags)
        before, after = asset_snapshot(current), asset_snapshot(desired)
        changed = [name for name in after if after[name] != before[name]]
        if "next_review_due" in changed and "next_review_due" in cleaned:
            ensure_can_move_review_date(actor, locked, action=action, reason=reason)
        if not changed and note is None:
            return locked
        old_version = locked.version
        if changed:
            _write(locked, desired, actor, tags_changed="tags" in changed)
        before = {name: before[name] for name in changed} | {"version": old_version}
        after = {name: after[name] for name in changed} | {"version": locked.version}
        if note is not None:
            before, after = before | note[0], after | note[1]
        asset_audit(actor, locked, action, before, after, reason)
        return locked


def _change(
    actor: Actor,
    asset: AssetGovernance,
    cleaned: dict[str, Any],
    expected_version: int | None,
    reason: str,
    action: str,
) -> AssetGovernance:
    return asset_change(
        actor=actor,
        asset=asset,
        cleaned=cleaned,
        expected_version=expected_version,
        reason=reason,
        action=action,
    )


def _desired(
    current: dict[str, Any], cleaned: dict[str, Any], add_tags: list[RegulatoryTag] | None
) -> dict[str, Any]:
    """The governed fields after the change, as objects."""
    desired = {**current, **cleaned}
    if add_tags:
        desired["tags"] = sorted({*current["tags"], *add_tags}, key=lambda tag: tag.slug)
    if (
        desired["classification"]
        and not desired["next_review_due"]
        and "next_review_due" not in cleaned
    ):
        # Every classified asset is on a review cycle from the moment it is classified.
        desired["next_review_due"] = timezone.localdate() + timedelta(days=review_cycle_days())
    return desired


def _write(
    asset: AssetGovernance, desired: dict[str, Any], actor: Actor, *, tags_changed: bool
) -> None:
    asset.classification = desired["classification"]
    asset.steward = desired["steward"]
    asset.masking_policy = desired["masking_policy"]
    asset.next_review_due = desired["next_review_due"]
    asset.version += 1
    asset.updated_by = actor
    asset.save()
    if tags_changed:
        asset.tags.set(desired["tags"])


def asset_audit(
    actor: Actor,
    asset: AssetGovernance,
    action: str,
    before: dict,
    after: dict,
    reason: str,
) -> None:
    """Append the audit event of a change to ``asset``, keyed by its catalog key."""
    audit_event_append(
        actor=actor,
        action=action,
        object_type="column" if asset.is_column else "dataset",
        object_key=asset.key,
        before=before,
        after=after,
        reason=reason,
    )
