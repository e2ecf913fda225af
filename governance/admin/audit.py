"""The audit trail in the admin: read-only, searchable."""

from __future__ import annotations

from django.contrib import admin

from governance.models import AuditChainHead, AuditEvent

from .base import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The append-only audit trail; verify it with ``manage.py verify_audit_trail``."""

    list_display = ["seq", "at", "actor", "action", "object_type", "object_key", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_key", "actor", "reason"]
    date_hierarchy = "at"
    actions = None


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    """Where the next audit event links to; shown for diagnosis only."""

    list_display = ["seq", "hash"]
    actions = None
