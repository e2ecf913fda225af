"""Who may do what with governance — the one place it is decided.

Pages, the REST API, the admin and the services all call these functions:

* everyone must be signed in (an active, authenticated user) to see anything;
* a **Steward** edits only the assets whose steward they are — as the member of a
  person-steward or of any team-steward, and only while that steward is active;
* an **Auditor** reads everything and exports evidence, and changes nothing;
* a **Compliance admin** (or a superuser) does everything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from rest_framework import permissions as drf_permissions

from .roles import AUDITOR, STEWARD, is_compliance_admin

if TYPE_CHECKING:
    from .models import AssetGovernance


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _in_group(user: Any, name: str) -> bool:
    return user.groups.filter(name=name).exists()


def can_view(user: Any) -> bool:
    """Any signed-in, active user may read governance data."""
    return _signed_in(user)


def can_administer(user: Any) -> bool:
    """Compliance admins and superusers: everything, including the registries."""
    return _signed_in(user) and is_compliance_admin(user)


def can_export(user: Any) -> bool:
    """Auditors and compliance admins may export evidence (CSV, reports)."""
    return _signed_in(user) and (is_compliance_admin(user) or _in_group(user, AUDITOR))


def can_classify(user: Any) -> bool:
    """Compliance admins and Stewards: offered edit forms that span assets (bulk, CSV import).

    Each asset is still checked with ``can_edit_asset``; this only decides whether a page
    shows such a form at all, so an auditor never meets one that refuses every row.
    """
    return _signed_in(user) and (is_compliance_admin(user) or _in_group(user, STEWARD))


def can_oversee_reviews(user: Any) -> bool:
    """Auditors and compliance admins see every steward's due reviews, not only their own."""
    return _signed_in(user) and (is_compliance_admin(user) or _in_group(user, AUDITOR))


def stewarded_by(user: Any) -> Q:
    """A filter on ``AssetGovernance`` for the assets ``user`` stewards (person or team)."""
    return Q(steward__active=True, steward__members=user)


def can_edit_asset(user: Any, asset: AssetGovernance) -> bool:
    """Admins edit everything; a Steward edits the assets their active steward owns.

    A column with no steward of its own answers to its table's steward: whoever is
    accountable for a table is accountable for the columns nobody was named for.
    """
    if not _signed_in(user):
        return False
    if is_compliance_admin(user):
        return True
    if not _in_group(user, STEWARD):
        return False
    steward = _accountable_steward(asset)
    return steward is not None and steward.active and steward.members.filter(pk=user.pk).exists()


def _accountable_steward(asset: AssetGovernance):
    from .models import AssetGovernance

    if asset.steward_id is not None:
        return asset.steward
    if asset.column_id is None:
        return None
    table = AssetGovernance.objects.filter(dataset_id=asset.column.dataset_id).first()
    return table.steward if table is not None else None


# --- the same checks, raising ---------------------------------------------------------


def _who(user: Any) -> str:
    return user.get_username() if _signed_in(user) else "An anonymous user"


def ensure_can_view(user: Any) -> None:
    if not can_view(user):
        raise PermissionDenied("Sign in to see governance data.")


def ensure_can_export(user: Any) -> None:
    if not can_export(user):
        raise PermissionDenied(
            f"{_who(user)} may not export governance data: only auditors and compliance admins may."
        )


def ensure_can_classify(user: Any) -> None:
    if not can_classify(user):
        raise PermissionDenied(
            f"{_who(user)} may not change classifications: only stewards (of their own "
            "assets) and compliance admins may."
        )


def ensure_can_administer(user: Any) -> None:
    if not can_administer(user):
        raise PermissionDenied(f"{_who(user)} may not do this: only compliance admins may.")


def ensure_can_edit_asset(user: Any, asset: AssetGovernance) -> None:
    if not can_edit_asset(user, asset):
        raise PermissionDenied(edit_refusal(user, asset))


def edit_refusal(user: Any, asset: AssetGovernance) -> str:
    """Why ``user`` may not edit ``asset``, in words for a page or an import report."""
    owner = asset.steward.name if asset.steward_id else "no steward yet"
    return (
        f"{_who(user)} may not change {asset.key}: only its steward ({owner}) "
        "or a compliance admin may."
    )


# --- pages: a decorator and a mixin; the API: DRF permission classes ---------------------

CHECKS: dict[str, Callable[[Any], bool]] = {
    "view": can_view,
    "classify": can_classify,
    "export": can_export,
    "administer": can_administer,
}
_ENSURE: dict[str, Callable[[Any], None]] = {
    "view": ensure_can_view,
    "classify": ensure_can_classify,
    "export": ensure_can_export,
    "administer": ensure_can_administer,
}


def governance_required(check: str = "view") -> Callable:
    """View decorator: ``@governance_required("export")`` refuses with 403 and a reason.

    Checks: ``view``, ``classify``, ``export``, ``administer``.
    """
    ensure = _ENSURE[check]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            ensure(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class GovernancePermissionMixin:
    """Class-based view mixin: set ``governance_check = "view" | "classify" | "export" | "administer"``.

    Asset edits are checked by the services themselves (``ensure_can_edit_asset``); a
    view that wants to hide an edit button asks ``can_edit_asset`` directly.
    """

    governance_check = "view"

    def dispatch(self, request, *args, **kwargs):
        _ENSURE[self.governance_check](request.user)
        return super().dispatch(request, *args, **kwargs)


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


class CanExport(drf_permissions.BasePermission):
    """DRF: auditors and compliance admins only."""

    message = "Only auditors and compliance admins may export governance data."

    def has_permission(self, request, view) -> bool:
        return can_export(request.user)


class CanAdminister(drf_permissions.BasePermission):
    """DRF: compliance admins only."""

    message = "Only compliance admins may do this."

    def has_permission(self, request, view) -> bool:
        return can_administer(request.user)
