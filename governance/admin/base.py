"""Permissions shared by every governance admin, decided by ``governance.permissions``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from governance.permissions import can_administer, can_view


class GovernanceAdmin(admin.ModelAdmin):
    """Viewing needs ``can_view``; adding and changing need ``can_administer``; no deletes."""

    def has_module_permission(self, request) -> bool:
        return can_view(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return can_view(request.user)

    def has_add_permission(self, request) -> bool:
        return can_administer(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return can_administer(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(GovernanceAdmin):
    """Records written only by services: shown, never added or changed here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def error_text(exc: Exception) -> str:
    """A service error as one line for ``message_user``."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def report_bulk(modeladmin, request, result) -> None:
    """Tell the admin user what a bulk service did, and each refusal with its reason."""
    modeladmin.message_user(
        request, f"{len(result.updated)} changed, {len(result.unchanged)} already so."
    )
    for asset, why in result.refused:
        modeladmin.message_user(request, f"Refused {asset.key}: {why}", messages.WARNING)


SERVICE_ERRORS = (PermissionDenied, ValidationError)
