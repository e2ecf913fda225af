"""The governance catalog: find datasets or columns by governance, classify many at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from graph import selectors as graph_selectors
from graph.keys import key_name
from graph.models import Column, Dataset
from lineage_portal.access import acting_user

from .. import services
from ..filters import SORT_CHOICES, CatalogSearchFilterSet, ColumnCatalogSearchFilterSet
from ..forms import BulkForm
from ..models import AssetGovernance
from ..permissions import can_classify
from .common import Due, due, governance_page, paginate, querystring, redirect_back

# Table headers that sort: (label, ascending sort, descending sort).
SORTABLE = {
    "name": ("name", "-name"),
    "classification": ("classification", "-classification"),
    "steward": ("steward", "steward"),
    "review": ("review", "review"),
}


@dataclass(frozen=True)
class CatalogRow:
    """A dataset or column with its governance (None if it was never governed)."""

    item: Dataset | Column
    asset: AssetGovernance | None
    due: Due

    @property
    def dataset(self) -> Dataset:
        return self.item.dataset if isinstance(self.item, Column) else self.item


def _governance(item: Dataset | Column) -> AssetGovernance | None:
    try:
        return item.governance
    except ObjectDoesNotExist:
        return None


@require_GET
@governance_page("view")
def catalog(request: HttpRequest) -> HttpResponse:
    """Search by name, tag, steward, classification, platform and review state; sortable."""
    show = "columns" if request.GET.get("show") == "columns" else "datasets"
    filterset_class = ColumnCatalogSearchFilterSet if show == "columns" else CatalogSearchFilterSet
    filterset = filterset_class(request.GET)
    valid = filterset.is_valid()
    page = paginate(request, filterset.qs if valid else filterset.queryset.none())
    rows = []
    for item in page.object_list:
        asset = _governance(item)
        rows.append(CatalogRow(item, asset, due(asset.next_review_due if asset else None)))
    sort = request.GET.get("sort", "")
    context = {
        "show": show,
        "filterset": filterset,
        "filters": request.GET,
        "filtered": any(request.GET.get(name) for name in filterset.filters if name != "sort"),
        "page": page,
        "rows": rows,
        "sort": sort,
        "sorts": SORT_CHOICES,
        "sort_links": _sort_links(request, sort),
        "platforms": graph_selectors.dataset_facets()["platforms"],
        "can_classify": can_classify(request.user),
        "bulk": BulkForm(),
        "querystring": querystring(request),
    }
    return render(request, "governance/catalog.html", context, status=200 if valid else 400)


def _sort_links(request: HttpRequest, current: str) -> dict[str, dict[str, str]]:
    """For each sortable header: the link that sorts by it (toggling direction) and its arrow."""
    base = querystring(request, "sort")
    links = {}
    for name, (ascending, descending) in SORTABLE.items():
        target = descending if current == ascending else ascending
        arrow = "↑" if current == ascending else "↓" if current == descending else ""
        links[name] = {
            "url": f"?{base}&sort={target}" if base else f"?sort={target}",
            "arrow": arrow,
        }
    return links


@require_POST
@governance_page("classify")
def catalog_bulk(request: HttpRequest) -> HttpResponse:
    """Apply a classification, tags and/or a steward to the selected rows (``bulk_assign``)."""
    form = BulkForm(request.POST)
    back = reverse("governance_catalog")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect_back(request, back)
    data = form.cleaned_data
    try:
        result = services.bulk_assign(
            actor=acting_user(request),
            assets=form.assets(),
            level=data["level"] or None,
            add_tags=data["add_tags"],
            steward=data["steward"],
            reason=data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect_back(request, back)
    _report(request, result)
    return redirect_back(request, back)


def _report(request: HttpRequest, result: services.BulkResult) -> None:
    if result.updated:
        count = len(result.updated)
        messages.success(request, f"Changed {count} asset{'s' if count != 1 else ''}.")
    if result.unchanged:
        count = len(result.unchanged)
        messages.info(
            request,
            f"{count} already had these values and {'were' if count != 1 else 'was'} left as they were.",
        )
    if result.refused:
        names = ", ".join(
            f"{key_name(asset.key)} ({asset.steward.name if asset.steward_id else 'no steward'})"
            for asset, _ in result.refused
        )
        count = len(result.refused)
        messages.warning(
            request,
            f"{count} not changed — only their steward or a compliance admin may change "
            f"{'them' if count != 1 else 'it'}: {names}.",
        )
