"""Assets, their suggestions and reviews in the admin; bulk actions call the bulk services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from governance import services
from governance.errors import StaleAssetError
from governance.models import AssetGovernance, Classification, Review, Steward, TagSuggestion
from governance.permissions import can_administer, can_edit_asset, can_view
from governance.selectors import REVIEW_STATES, review_state_q
from governance.validation import FIELD_CLEANERS
from lineage_portal.access import STEWARD, acting_user

from .base import SERVICE_ERRORS, GovernanceAdmin, ReadOnlyAdmin, error_text, report_bulk

# Dynamic "assign steward" actions: one per active steward, up to this many.
STEWARD_ACTIONS_MAX = 25


class ReviewStateFilter(admin.SimpleListFilter):
    """Filter assets by where their next review stands today."""

    title = "review"
    parameter_name = "review_state"

    def lookups(self, request, model_admin):
        return [(state, state.replace("_", " ")) for state in REVIEW_STATES]

    def queryset(self, request, queryset):
        return queryset.filter(review_state_q(self.value())) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    """Datasets or columns."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("dataset", "dataset"), ("column", "column")]

    def queryset(self, request, queryset):
        if self.value() in ("dataset", "column"):
            return queryset.filter(column__isnull=self.value() == "dataset")
        return queryset


class AssetGovernanceForm(forms.ModelForm):
    """The asset form, carrying the version it showed so a stale save is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AssetGovernance
        fields = ["dataset", "column", *FIELD_CLEANERS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        if "steward" in self.fields:
            self.fields["steward"].queryset = Steward.objects.filter(active=True)

    def clean(self):
        data = super().clean()
        if not self.instance.pk and bool(data.get("dataset")) == bool(data.get("column")):
            raise ValidationError("Choose either a dataset or a column.")
        return data


@admin.register(AssetGovernance)
class AssetGovernanceAdmin(GovernanceAdmin):
    """Classify, tag, steward and mask assets; a save is one ``asset_update``."""

    form = AssetGovernanceForm
    list_display = [
        "key",
        "classification",
        "tag_list",
        "steward",
        "masking_policy",
        "next_review_due",
        "review",
        "version",
        "updated_at",
        "updated_by",
    ]
    list_filter = [
        "classification",
        KindFilter,
        ReviewStateFilter,
        "tags",
        "steward",
        "masking_policy",
    ]
    search_fields = ["dataset__key", "column__key", "steward__name"]
    raw_id_fields = ["dataset", "column"]
    filter_horizontal = ["tags"]
    actions = ["open_review_cycle"]
    list_select_related = ["dataset", "column", "steward", "masking_policy", "updated_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def get_readonly_fields(self, request, obj=None):
        return ["dataset", "column", "version", "updated_at", "updated_by"] if obj else []

    def has_change_permission(self, request, obj=None) -> bool:
        user = request.user
        if obj is not None:
            return can_edit_asset(user, obj)
        return can_administer(user) or (
            can_view(user) and user.groups.filter(name=STEWARD).exists()
        )

    @admin.display(description="tags")
    def tag_list(self, obj: AssetGovernance) -> str:
        return ", ".join(tag.slug for tag in obj.tags.all())

    @admin.display(description="review")
    def review(self, obj: AssetGovernance) -> str:
        return obj.review_state.replace("_", " ")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The services have the last word (a race after the form validated): say why.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (StaleAssetError, ValidationError) as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            asset, names = obj, [name for name in form.changed_data if name in FIELD_CLEANERS]
        else:
            asset = services.asset_governance_get_or_create(
                dataset=data.get("dataset"), column=data.get("column")
            )
            names = list(FIELD_CLEANERS)
        changes = {name: data[name] for name in names}
        if "tags" in changes:
            changes["tags"] = list(changes["tags"])
        done = services.asset_update(
            actor=acting_user(request),
            asset=asset,
            changes=changes,
            expected_version=data.get("expected_version") if change else None,
            reason="Django admin",
        )
        obj.pk = done.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The service saved (and audited) the tags; the form's save_m2m would bypass it.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            return actions
        for level in reversed(Classification.values):
            name = f"classify_{level}"
            actions[name] = (_bulk_action(level=level), name, f"Classify as {level}")
        for steward in Steward.objects.filter(active=True)[:STEWARD_ACTIONS_MAX]:
            name = f"assign_steward_{steward.pk}"
            description = f"Assign steward: {steward.name}"
            actions[name] = (_bulk_action(steward=steward), name, description)
        return actions

    @admin.action(description="Open review cycle (next review due today)")
    def open_review_cycle(self, request, queryset):
        result = services.review_cycle_open(
            actor=acting_user(request), assets=list(queryset), reason="Review cycle opened in admin"
        )
        report_bulk(self, request, result)


def _bulk_action(**assign):
    """An admin action that calls ``bulk_assign`` with ``assign`` on the selected assets."""

    def action(modeladmin, request, queryset):
        try:
            result = services.bulk_assign(
                actor=acting_user(request),
                assets=list(queryset),
                reason="Admin bulk action",
                **assign,
            )
        except SERVICE_ERRORS as exc:
            modeladmin.message_user(request, error_text(exc), messages.ERROR)
            return
        report_bulk(modeladmin, request, result)

    return action


@admin.register(TagSuggestion)
class TagSuggestionAdmin(ReadOnlyAdmin):
    """Suggestions from the warehouse sync; approve or reject them with the actions."""

    list_display = ["asset", "suggested", "source", "detail", "state", "created", "decided_by"]
    list_filter = ["state", "source", "tag", "masking_policy"]
    search_fields = ["asset__dataset__key", "asset__column__key", "detail"]
    list_select_related = ["asset__dataset", "asset__column", "tag", "masking_policy", "decided_by"]
    actions = ["approve", "reject"]

    @admin.action(description="Approve selected suggestions")
    def approve(self, request, queryset):
        self._decide(request, queryset, services.tag_suggestion_accept, "approved")

    @admin.action(description="Reject selected suggestions")
    def reject(self, request, queryset):
        self._decide(request, queryset, services.tag_suggestion_reject, "rejected")

    def _decide(self, request, queryset, service, verb: str) -> None:
        done = 0
        for suggestion in queryset.filter(state=TagSuggestion.State.PENDING):
            try:
                service(actor=acting_user(request), suggestion=suggestion)
                done += 1
            except SERVICE_ERRORS as exc:
                self.message_user(request, error_text(exc), messages.WARNING)
        self.message_user(request, f"{done} suggestion(s) {verb}.")


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """Attestations, as stewards recorded them with ``review_attest``."""

    list_display = ["asset", "outcome", "reviewer", "was_due", "next_due", "created"]
    list_filter = ["outcome", "reviewer"]
    search_fields = ["asset__dataset__key", "asset__column__key", "comment"]
    date_hierarchy = "created"
