"""Masking conflicts: the warehouse applies one policy, the steward chose another."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import MaskingConflict
from ..permissions import ensure_can_edit_asset
from .assets import asset_audit, asset_lock, masking_policy_assign

KEEP_CHOICES = ("warehouse", "steward")


def masking_conflict_resolve(
    *, actor: Any, conflict: MaskingConflict, keep: str, reason: str = ""
) -> MaskingConflict:
    """Settle a conflict: ``keep="warehouse"`` assigns the warehouse's policy to the asset,
    ``keep="steward"`` keeps the steward's. Either way it is audited and closed."""
    if keep not in KEEP_CHOICES:
        raise ValidationError(f"Keep which policy? Use one of {', '.join(KEEP_CHOICES)}.")
    with transaction.atomic():
        locked = MaskingConflict.objects.select_for_update().get(pk=conflict.pk)
        if locked.resolved_at is not None:
            raise ValidationError("This masking conflict was already settled.")
        asset = asset_lock(locked.asset)
        ensure_can_edit_asset(actor, asset)
        chosen = asset.masking_policy.name if asset.masking_policy is not None else None
        why = reason or f"masking conflict settled: kept the {keep}'s policy"
        if keep == "warehouse":
            masking_policy_assign(
                actor=actor, asset=asset, policy=locked.warehouse_policy, reason=why
            )
        else:
            note = {"conflict": locked.pk, "warehouse_policy": locked.warehouse_policy.name}
            asset_audit(
                actor,
                asset,
                "masking_conflict.keep_steward",
                {**note, "masking_policy": chosen},
                {**note, "masking_policy": chosen, "kept": "steward"},
                why,
            )
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.save(update_fields=["resolved_at", "resolved_by"])
        return locked
