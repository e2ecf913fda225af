"""Changes to many assets at once: a bulk assignment, opening a review cycle.

Each asset changes through ``asset_change``, as one edit would, all in one transaction;
assets the actor may not edit are refused one by one. Import these from
``governance.services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import AssetGovernance, RegulatoryTag, Steward
from ..permissions import can_edit_asset, edit_refusal
from ..validation import changes_clean, due_date_clean, level_clean, tags_clean
from .assets import AssetLike, _as_asset, _created, _locked, asset_change

if TYPE_CHECKING:
    from lineage_portal.access import Actor


@dataclass
class BulkResult:
    """What a bulk change did: assets changed, already as asked, and refused (with why)."""

    updated: list[AssetGovernance] = field(default_factory=list)
    unchanged: list[AssetGovernance] = field(default_factory=list)
    refused: list[tuple[AssetGovernance, str]] = field(default_factory=list)

    @property
    def refused_keys(self) -> list[str]:
        return [asset.key for asset, _ in self.refused]


def bulk_assign(
    *,
    actor: Actor,
    assets: Iterable[AssetLike],
    level: str | None = None,
    add_tags: Iterable[str | RegulatoryTag] = (),
    steward: Steward | int | str | None = None,
    masking_policy: Any = None,
    reason: str = "",
    strict: bool = False,
) -> BulkResult:
    """Classify, tag, mask and/or assign a steward to many assets in one transaction.

    Bad input refuses everything. Assets ``actor`` may not edit are skipped and reported
    in ``refused`` (with ``strict=True`` any refusal changes nothing and raises
    ``PermissionDenied``). The others all change, or — on any error — none does.
    """
    cleaned: dict[str, Any] = {}
    if level is not None:
        cleaned["classification"] = level_clean(level)
    if steward is not None:
        cleaned.update(changes_clean({"steward": steward}))
    if masking_policy is not None:
        cleaned.update(changes_clean({"masking_policy": masking_policy}))
    tags = tags_clean(add_tags)
    if not cleaned and not tags:
        raise ValidationError(
            "Nothing to assign: give a level, tags to add, a masking policy or a steward."
        )
    return _bulk(actor, assets, cleaned, reason, "asset.bulk_assign", strict=strict, add_tags=tags)


def review_cycle_open(
    *,
    actor: Actor,
    assets: Iterable[AssetLike],
    due: date | str | None = None,
    reason: str = "",
    strict: bool = False,
) -> BulkResult:
    """Open a review cycle: the assets' next review becomes due on ``due`` (default today)."""
    cleaned = {"next_review_due": due_date_clean(due) or timezone.localdate()}
    return _bulk(actor, assets, cleaned, reason, "review.open", strict=strict)


def _bulk(
    actor: Actor,
    assets: Iterable[AssetLike],
    cleaned: dict[str, Any],
    reason: str,
    action: str,
    *,
    strict: bool,
    add_tags: list[RegulatoryTag] | None = None,
) -> BulkResult:
    result = BulkResult()
    with transaction.atomic():
        # Refused assets that were never governed stay that way: no row is created for them.
        candidates = [_as_asset(item) for item in assets]
        for asset in candidates:
            if not asset.pk and not can_edit_asset(actor, asset):
                result.refused.append((asset, edit_refusal(actor, asset)))
        pks = {
            _created(asset).pk for asset in candidates if asset.pk or can_edit_asset(actor, asset)
        }
        # Lock in primary-key order so two bulk edits cannot deadlock each other.
        permitted = []
        for asset in _locked(AssetGovernance.objects.filter(pk__in=pks).order_by("pk")):
            if can_edit_asset(actor, asset):
                permitted.append(asset)
            else:
                result.refused.append((asset, edit_refusal(actor, asset)))
        if strict and result.refused:
            raise PermissionDenied(
                "Nothing was changed: " + " ".join(why for _, why in result.refused)
            )
        for asset in permitted:
            done = asset_change(
                actor=actor,
                asset=asset,
                cleaned=cleaned,
                expected_version=None,
                reason=reason,
                action=action,
                add_tags=add_tags,
            )
            (result.updated if done.version != asset.version else result.unchanged).append(done)
    return result
