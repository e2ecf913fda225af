"""Who may change which governance asset — asset-level rules on top of ``lineage_portal.access``.

Roles (Steward, Auditor, Compliance admin) and the role-only checks live in
``lineage_portal.access``, shared with the lineage pages; this module adds what only
governance knows:

* a **Steward** edits only the assets whose steward they are — as the member of a
  person-steward or of any team-steward, and only while that steward is active;
* a column with no steward of its own answers to its table's steward.

Pages, the REST API, the admin and the services all call these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from rest_framework import permissions as drf_permissions

from lineage_portal.access import (
    STEWARD,
    AccessMixin,
    CanAdminister,
    CanExport,
    access_required,
    can_administer,
    can_classify,
    can_export,
    can_oversee_reviews,
    can_view,
    ensure_can_administer,
    ensure_can_classify,
    ensure_can_export,
    ensure_can_view,
    has_role,
    is_compliance_admin,
    signed_in,
    who,
)

if TYPE_CHECKING:
    from .models import AssetGovernance, Steward

__all__ = [
    "CanAdminister",
    "CanExport",
    "GovernancePermission",
    "GovernancePermissionMixin",
    "can_administer",
    "can_classify",
    "can_edit_asset",
    "can_export",
    "can_oversee_reviews",
    "can_view",
    "edit_refusal",
    "ensure_can_administer",
    "ensure_can_classify",
    "ensure_can_edit_asset",
    "ensure_can_export",
    "ensure_can_view",
    "governance_required",
    "stewarded_by",
]

# The names governance pages have always used for the shared checks.
governance_required = access_required


class GovernancePermissionMixin(AccessMixin):
    """Class-based view mixin: ``governance_check = "view" | "classify" | "export" | "administer"``.

    Asset edits are checked by the services themselves (``ensure_can_edit_asset``); a
    view that wants to hide an edit button asks ``can_edit_asset`` directly.
    """

    governance_check = "view"

    def dispatch(self, request, *args, **kwargs):
        self.access_check = self.governance_check
        return super().dispatch(request, *args, **kwargs)


def stewarded_by(user: Any) -> Q:
    """A filter on ``AssetGovernance`` for the assets ``user`` stewards (person or team)."""
    return Q(steward__active=True, steward__members=user)


def can_edit_asset(user: Any, asset: AssetGovernance) -> bool:
    """Admins edit everything; a Steward edits the assets their active steward owns.

    A column with no steward of its own answers to its table's steward: whoever is
    accountable for a table is accountable for the columns nobody was named for.
    """
    if not signed_in(user):
        return False
    if is_compliance_admin(user):
        return True
    if not has_role(user, STEWARD):
        return False
    steward = _accountable_steward(asset)
    return steward is not None and steward.active and _is_member(user, steward)


def _accountable_steward(asset: AssetGovernance) -> Steward | None:
    # Through the loaded relations (governance.selectors loads them with the asset), so a
    # page judging fifty columns asks no query per column.
    if asset.steward_id is not None:
        return asset.steward
    if asset.column is None:
        return None
    try:
        table = asset.column.dataset.governance
    except ObjectDoesNotExist:
        return None
    return table.steward


def _is_member(user: Any, steward: Steward) -> bool:
    """Whether ``user`` belongs to ``steward``; from prefetched members when they were loaded."""
    if "members" in getattr(steward, "_prefetched_objects_cache", {}):
        return any(member.pk == user.pk for member in steward.members.all())
    return steward.members.filter(pk=user.pk).exists()


def ensure_can_edit_asset(user: Any, asset: AssetGovernance) -> None:
    if not can_edit_asset(user, asset):
        raise PermissionDenied(edit_refusal(user, asset))


# Attesting a review schedules the next one: the one way a steward moves a review date.
REVIEW_SCHEDULING_ACTIONS = frozenset({"review.attest"})


def ensure_can_move_review_date(
    user: Any, asset: AssetGovernance, *, action: str, reason: str
) -> None:
    """Review dates move by attestation, or by a compliance admin who says why (audited)."""
    if action in REVIEW_SCHEDULING_ACTIONS:
        return
    if not can_administer(user):
        raise PermissionDenied(
            f"{who(user)} may not move the review date of {asset.key}: it moves when the "
            "review is attested, or a compliance admin moves it with a reason."
        )
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": ["Give a reason for moving the review date: it is kept in the audit trail."]}
        )


def edit_refusal(user: Any, asset: AssetGovernance) -> str:
    """Why ``user`` may not edit ``asset``, in words for a page or an import report."""
    owner = asset.steward.name if asset.steward_id else "no steward yet"
    return (
        f"{who(user)} may not change {asset.key}: only its steward ({owner}) "
        "or a compliance admin may."
    )


class GovernancePermission(drf_permissions.BasePermission):
    """DRF: reads need ``can_view``; writes to an asset need ``can_edit_asset``.

    Writes to anything else (stewards, policies, tags) need ``can_administer``.
    """

    message = "You may not change this: only its steward or a compliance admin may."

    def has_permission(self, request, view) -> bool:
        return can_view(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        from .models import AssetGovernance

        if request.method in drf_permissions.SAFE_METHODS:
            return can_view(request.user)
        if isinstance(obj, AssetGovernance):
            return can_edit_asset(request.user, obj)
        return can_administer(request.user)
