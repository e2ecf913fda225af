"""A dataset's governance: the panel on its page, and the edits made from it.

The dataset page (``graph``) includes ``governance/_dataset_panel.html``, which loads
``dataset_panel`` into place; ``dataset_governance`` is the same panel as a page of its
own, used without JavaScript and to redraw a form that needs correcting (nothing typed
is lost). Every edit is a POST that calls one service and goes back where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from graph import selectors as graph_selectors
from graph.models import Column, Dataset
from lineage_portal.access import acting_user

from .. import selectors, services
from ..forms import AssetForm
from ..models import AssetGovernance, TagSuggestion
from ..permissions import can_administer, can_edit_asset, edit_refusal
from .common import Due, ago, due, event_rows, governance_page, next_url, not_found, redirect_back

RECENT = 6


@dataclass
class AssetRow:
    """One governed thing on the panel: the dataset itself or one of its columns."""

    asset: AssetGovernance  # unsaved (version 0, no values) if never governed
    column: Column | None
    can_edit: bool
    refusal: str
    due: Due
    form: AssetForm | None = None
    is_open: bool = False
    suggestions: list[TagSuggestion] = field(default_factory=list)

    @property
    def tags(self) -> list:
        # An unsaved (never governed) asset has no tags and cannot be asked for them.
        return list(self.asset.tags.all()) if self.asset.pk else []

    @property
    def changed_ago(self) -> str:
        return ago(self.asset.updated_at) if self.asset.pk else ""

    @property
    def toggle(self) -> str:
        """How the page names this asset's edit form (``?edit=`` and the JS toggles)."""
        return f"col-{self.column.pk}" if self.column else "dataset"

    @property
    def anchor(self) -> str:
        return f"gov-col-{self.column.pk}" if self.column else "governance"

    @property
    def edit_url(self) -> str:
        if self.column:
            return reverse("governance_column_edit", args=[self.column.pk])
        return reverse("governance_dataset_edit", args=[self.asset.dataset_id])


def panel_context(
    request: HttpRequest,
    dataset: Dataset,
    *,
    back: str,
    bound: AssetForm | None = None,
    bound_column: int | None = None,
) -> dict[str, Any]:
    """Everything the panel draws; ``bound`` replaces the form of the asset being corrected."""
    governed = selectors.dataset_governance_list(dataset=dataset)
    by_column = {asset.column_id: asset for asset in governed if asset.is_column}
    own = next((asset for asset in governed if not asset.is_column), None)
    pending = list(selectors.tag_suggestion_list(dataset=dataset))
    editing = request.GET.get("edit", "")
    choices = AssetForm.shared_choices()

    def row(asset: AssetGovernance | None, column: Column | None) -> AssetRow:
        asset = asset or AssetGovernance(dataset=None if column else dataset, column=column)
        allowed = can_edit_asset(request.user, asset)
        is_bound = bound is not None and bound_column == (column.pk if column else None)
        return AssetRow(
            asset=asset,
            column=column,
            can_edit=allowed,
            refusal="" if allowed else edit_refusal(request.user, asset),
            due=due(asset.next_review_due),
            form=(
                bound
                if is_bound
                else AssetForm(
                    asset=asset,
                    auto_id=_auto_id(column),
                    choices=choices,
                    can_move_due=can_administer(request.user),
                )
            )
            if allowed
            else None,
            is_open=is_bound or editing == (f"col-{column.pk}" if column else "dataset"),
            suggestions=[s for s in pending if asset.pk and s.asset_id == asset.pk],
        )

    # Columns read through the table's governance row (its steward's members loaded), so a
    # column nobody governed yet answers to the table's steward without a query of its own.
    table = own.dataset if own is not None else dataset
    columns = [row(by_column.get(column.pk), column) for column in _columns(table)]
    events = selectors.audit_event_list(object_key=dataset.key, with_columns=True)
    own_row = row(own, None)
    return {
        "dataset": dataset,
        "own": own_row,
        # Who can edit nothing here is told once, not on every column.
        "any_editable": own_row.can_edit or any(r.can_edit for r in columns),
        "column_rows": columns,
        "classified_columns": sum(1 for r in columns if r.asset.classification),
        "reviews": [
            (review, ago(review.created))
            for review in selectors.review_list(dataset=dataset)[:RECENT]
        ],
        "events": event_rows(events[:RECENT]),
        "event_count": events.count(),
        "audit_url": reverse("governance_audit")
        + "?"
        + urlencode({"object_key": dataset.key, "with_columns": "true"}),
        "suggestion_count": len(pending),
        "back": back,
    }


def _columns(dataset: Dataset) -> list[Column]:
    return list(graph_selectors.dataset_columns(dataset=dataset))


def _auto_id(column: Column | None) -> str:
    # Many forms share the page: ids must differ for labels to point at the right input.
    return f"gov-{column.pk if column else 'ds'}-%s"


NO_DATASET = "There is no dataset with this number in the catalog."


@require_GET
@governance_page("view")
def dataset_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel alone, loaded into the dataset page by ``governance_panel.js``."""
    try:
        dataset = graph_selectors.dataset_get(pk=pk)
    except Dataset.DoesNotExist:
        return not_found(request, "dataset", NO_DATASET)
    back = reverse("dataset_detail", args=[dataset.pk])
    return render(request, "governance/_panel.html", panel_context(request, dataset, back=back))


@require_GET
@governance_page("view")
def dataset_governance(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel as a page: for browsers without JavaScript, and links with ``?edit=``."""
    try:
        dataset = graph_selectors.dataset_get(pk=pk)
    except Dataset.DoesNotExist:
        return not_found(request, "dataset", NO_DATASET)
    context = panel_context(request, dataset, back=request.path)
    return render(request, "governance/dataset.html", context)


@require_POST
@governance_page("view")
def dataset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the dataset's own governance (``services.asset_update``)."""
    dataset = get_object_or_404(Dataset, pk=pk)
    asset = services.asset_governance_of(dataset=dataset)
    return _asset_edit(request, dataset, asset, column=None)


@require_POST
@governance_page("view")
def column_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one column's governance (``services.asset_update``)."""
    column = get_object_or_404(Column.objects.select_related("dataset"), pk=pk)
    asset = services.asset_governance_of(column=column)
    return _asset_edit(request, column.dataset, asset, column=column)


def _asset_edit(
    request: HttpRequest, dataset: Dataset, asset: AssetGovernance, *, column: Column | None
) -> HttpResponse:
    form = AssetForm(
        request.POST,
        asset=asset,
        auto_id=_auto_id(column),
        can_move_due=can_administer(request.user),
    )
    status = 400
    if form.is_valid():
        try:
            saved = services.asset_update(
                actor=acting_user(request),
                asset=asset,
                changes=form.changes(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except services.StaleAssetError as exc:
            asset.refresh_from_db()
            form.stale(exc, asset)
            status = 409
        except ValidationError as exc:
            form.service_errors(exc)
        else:
            name = column.name if column else dataset.name
            if saved.version == asset.version:
                messages.info(request, f"Nothing to save: {name} already had these values.")
            else:
                messages.success(request, f"Saved the governance of {name}.")
            anchor = f"gov-col-{column.pk}" if column else "governance"
            return redirect_back(request, reverse("dataset_detail", args=[dataset.pk]), anchor)
    context = panel_context(
        request,
        dataset,
        back=next_url(request, reverse("dataset_detail", args=[dataset.pk])),
        bound=form,
        bound_column=column.pk if column else None,
    )
    return render(request, "governance/dataset.html", context, status=status)


@require_POST
@governance_page("view")
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a tag or masking policy the warehouse sync found (``tag_suggestion_accept``)."""
    suggestion = get_object_or_404(TagSuggestion, pk=pk)
    return _decide(request, suggestion, services.tag_suggestion_accept, "Accepted")


@require_POST
@governance_page("view")
def suggestion_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Dismiss a warehouse suggestion for good (``tag_suggestion_reject``)."""
    suggestion = get_object_or_404(TagSuggestion, pk=pk)
    return _decide(request, suggestion, services.tag_suggestion_reject, "Rejected")


def _decide(request: HttpRequest, suggestion: TagSuggestion, service, verb: str) -> HttpResponse:
    asset = suggestion.asset
    dataset_pk = asset.dataset_id or asset.column.dataset_id
    try:
        service(
            actor=acting_user(request), suggestion=suggestion, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{verb} {suggestion.suggested} on {asset.key}.")
    return redirect_back(request, reverse("dataset_detail", args=[dataset_pk]), "governance")
