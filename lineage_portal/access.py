"""Who is who in the portal: roles, and the checks every app asks of them.

Roles are Django groups. Both ``graph`` and ``governance`` (and the templates' top bar)
ask here, so neither app has to import the other to know a user's role:

* everyone must be signed in (an active, authenticated user) to see anything;
* an **Auditor** reads everything and exports evidence, and changes nothing;
* a **Steward** edits the assets they steward (``governance.permissions`` decides which);
* a **Compliance admin** (or a superuser) does everything.

A user's groups are read once and kept on the user object, which lives as long as the
request: a page that asks ten questions makes one query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeAlias

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework import permissions as drf_permissions

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    # Who does a change: a signed-in user, an instance of settings.AUTH_USER_MODEL (which
    # the type checker's Django plugin resolves to the configured model).
    Actor: TypeAlias = User

STEWARD = "Steward"
AUDITOR = "Auditor"
COMPLIANCE_ADMIN = "Compliance admin"
ROLES = (COMPLIANCE_ADMIN, STEWARD, AUDITOR)
_CACHE = "_portal_roles"


def acting_user(request: HttpRequest) -> Actor:
    """The signed-in user behind a request, for the services that record who acted.

    Every page and endpoint refuses anonymous requests before this is reached; the check
    here makes that a typed fact rather than an assumption.
    """
    from django.contrib.auth.models import AnonymousUser

    user = request.user
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def roles_of(user: Any) -> frozenset[str]:
    """The portal roles the user holds (group names), read once per user object."""
    if not signed_in(user):
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def forget_roles(user: Any) -> None:
    """Drop the cached roles (after the user's groups changed in this request)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def has_role(user: Any, role: str) -> bool:
    return role in roles_of(user)


def is_compliance_admin(user: Any) -> bool:
    return signed_in(user) and (user.is_superuser or has_role(user, COMPLIANCE_ADMIN))


def role_of(user: Any) -> str:
    """The user's strongest role, for display; superusers are compliance admins."""
    if is_compliance_admin(user):
        return COMPLIANCE_ADMIN
    held = roles_of(user)
    return next((role for role in ROLES if role in held), "Viewer")


def can_view(user: Any) -> bool:
    """Any signed-in, active user may read."""
    return signed_in(user)


def can_administer(user: Any) -> bool:
    """Compliance admins and superusers: everything, including the registries and jobs."""
    return is_compliance_admin(user)


def can_export(user: Any) -> bool:
    """Auditors and compliance admins may export evidence (CSV, reports)."""
    return is_compliance_admin(user) or has_role(user, AUDITOR)


def can_classify(user: Any) -> bool:
    """Compliance admins and Stewards: offered edit forms that span assets (bulk, CSV import).

    Each asset is still checked on its own (``governance.permissions.can_edit_asset``); this
    only decides whether a page shows such a form at all.
    """
    return is_compliance_admin(user) or has_role(user, STEWARD)


def can_oversee_reviews(user: Any) -> bool:
    """Auditors and compliance admins see every steward's due reviews, not only their own."""
    return is_compliance_admin(user) or has_role(user, AUDITOR)


# --- the same checks, raising ---------------------------------------------------------


def who(user: Any) -> str:
    return user.get_username() if signed_in(user) else "An anonymous user"


def ensure_can_view(user: Any) -> None:
    if not can_view(user):
        raise PermissionDenied("Sign in to see this.")


def ensure_can_export(user: Any) -> None:
    if not can_export(user):
        raise PermissionDenied(
            f"{who(user)} may not export evidence: only auditors and compliance admins may."
        )


def ensure_can_classify(user: Any) -> None:
    if not can_classify(user):
        raise PermissionDenied(
            f"{who(user)} may not change classifications: only stewards (of their own "
            "assets) and compliance admins may."
        )


def ensure_can_administer(user: Any) -> None:
    if not can_administer(user):
        raise PermissionDenied(f"{who(user)} may not do this: only compliance admins may.")


CHECKS: dict[str, Callable[[Any], bool]] = {
    "view": can_view,
    "classify": can_classify,
    "export": can_export,
    "administer": can_administer,
}
ENSURE: dict[str, Callable[[Any], None]] = {
    "view": ensure_can_view,
    "classify": ensure_can_classify,
    "export": ensure_can_export,
    "administer": ensure_can_administer,
}


def access_required(check: str = "view") -> Callable:
    """View decorator: ``@access_required("export")`` refuses with 403 and a reason.

    Checks: ``view``, ``classify``, ``export``, ``administer``.
    """
    ensure = ENSURE[check]

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            ensure(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class AccessMixin:
    """Class-based view mixin: set ``access_check = "view" | "classify" | "export" | "administer"``."""

    access_check = "view"

    def dispatch(self, request, *args, **kwargs):
        ENSURE[self.access_check](request.user)
        return super().dispatch(request, *args, **kwargs)


class CanExport(drf_permissions.BasePermission):
    """DRF: auditors and compliance admins only."""

    message = "Only auditors and compliance admins may export evidence."

    def has_permission(self, request, view) -> bool:
        return can_export(request.user)


class CanAdminister(drf_permissions.BasePermission):
    """DRF: compliance admins only."""

    message = "Only compliance admins may do this."

    def has_permission(self, request, view) -> bool:
        return can_administer(request.user)
