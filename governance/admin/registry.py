"""Stewards, masking policies and regulatory tags in the admin, saved through the services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from governance import services
from governance.models import MaskingPolicy, RegulatoryTag, Steward
from lineage_portal.access import acting_user

from .base import GovernanceAdmin


class RegistryAdmin(GovernanceAdmin):
    """Saves call ``create`` for a new object and ``update`` with the changed fields."""

    create_service = None
    update_service = None
    update_argument = ""

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = self.update_service(
                actor=acting_user(request),
                changes=data,
                reason="Django admin",
                **{self.update_argument: obj},
            )
        else:
            fields = {
                name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data
            }
            saved = self.create_service(actor=acting_user(request), reason="Django admin", **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields were saved (and audited) by the service.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Steward)
class StewardAdmin(RegistryAdmin):
    """People and teams accountable for assets; deactivate rather than delete."""

    create_service = staticmethod(services.steward_create)
    update_service = staticmethod(services.steward_update)
    update_argument = "steward"
    fields = ["name", "kind", "email", "active", "members"]
    list_display = ["name", "kind", "email", "active", "member_count", "asset_count"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "email", "members__username"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _members=Count("members", distinct=True), _assets=Count("assets", distinct=True)
            )
        )

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj: Steward) -> int:
        return obj._members

    @admin.display(description="assets", ordering="_assets")
    def asset_count(self, obj: Steward) -> int:
        return obj._assets


@admin.register(MaskingPolicy)
class MaskingPolicyAdmin(RegistryAdmin):
    """Warehouse masking policies that assets may be protected by."""

    create_service = staticmethod(services.masking_policy_create)
    update_service = staticmethod(services.masking_policy_update)
    update_argument = "policy"
    fields = ["name", "kind", "warehouse_policy", "description"]
    list_display = ["name", "kind", "warehouse_policy"]
    list_filter = ["kind"]
    search_fields = ["name", "warehouse_policy", "description"]


@admin.register(RegulatoryTag)
class RegulatoryTagAdmin(RegistryAdmin):
    """Regulations and data categories; built-in tags keep their slug."""

    create_service = staticmethod(services.regulatory_tag_create)
    update_service = staticmethod(services.regulatory_tag_update)
    update_argument = "tag"
    fields = ["slug", "name", "description"]
    list_display = ["slug", "name", "builtin"]
    list_filter = ["builtin"]
    search_fields = ["slug", "name", "description"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug"] if obj is not None and obj.builtin else []
