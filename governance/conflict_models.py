"""Masking conflicts: the warehouse masks an asset one way, its steward chose another.

Kept beside ``governance.models`` (which imports this module, so Django registers it) to
keep that module within its size; the models it points at are named, not imported.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MaskingConflict(models.Model):
    """The warehouse masks an asset with one policy while its steward chose another.

    Found by the warehouse sync; open until someone decides which policy is right
    (``governance.services.masking_conflict_resolve``), or until the asset's policy
    becomes the warehouse's by any other edit.
    """

    asset = models.ForeignKey(
        "governance.AssetGovernance", on_delete=models.CASCADE, related_name="masking_conflicts"
    )
    warehouse_policy = models.ForeignKey(
        "governance.MaskingPolicy", on_delete=models.CASCADE, related_name="+"
    )
    detail = models.CharField(max_length=512, blank=True)  # the warehouse's own policy name
    found_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "warehouse_policy"], name="masking_conflict_once_per_policy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset.key}: warehouse {self.warehouse_policy.name}"
