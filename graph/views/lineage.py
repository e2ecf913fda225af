"""Lineage pages: thin views that validate input, call one selector and render a template."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.http import urlencode

from .. import presenters, selectors
from ..models import Dataset
from ..store.base import StoreError

PAGE_SIZE = 50
DEFAULT_DEPTH = 2
DATASET_PANEL_TEMPLATE = "governance/_dataset_panel.html"  # drawn on the dataset page if it exists
MAX_PAGE_DEPTH = selectors.LINEAGE_MAX_DEPTH


class LineageQueryForm(forms.Form):
    """The lineage page's controls; every field has a default so a bare link works."""

    dataset = forms.CharField(required=False, max_length=700)
    depth = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_DEPTH,
        error_messages={
            "invalid": f"Depth must be a whole number from 1 to {MAX_PAGE_DEPTH}.",
            "min_value": f"Depth must be a whole number from 1 to {MAX_PAGE_DEPTH}.",
            "max_value": f"Depth must be a whole number from 1 to {MAX_PAGE_DEPTH}.",
        },
    )
    direction = forms.ChoiceField(
        required=False,
        choices=[("both", "Both"), ("upstream", "Upstream"), ("downstream", "Downstream")],
        error_messages={"invalid_choice": "Direction must be upstream, downstream or both."},
    )
    level = forms.ChoiceField(
        required=False,
        choices=[("dataset", "Tables"), ("column", "Columns")],
        error_messages={"invalid_choice": "Level must be dataset (tables) or column."},
    )
    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "“As of” must be a date written YYYY-MM-DD, e.g. 2026-06-30."},
    )

    def clean_as_of(self):
        refusal = selectors.as_of_refusal(self.cleaned_data.get("as_of"))
        if refusal:
            raise forms.ValidationError(refusal)
        return self.cleaned_data.get("as_of")

    def clean(self):
        cleaned = super().clean()
        cleaned["depth"] = cleaned.get("depth") or DEFAULT_DEPTH
        cleaned["direction"] = cleaned.get("direction") or "both"
        cleaned["level"] = cleaned.get("level") or "dataset"
        return cleaned


def home(request: HttpRequest) -> HttpResponse:
    """Dashboard: how much lineage the portal holds, or how to connect a first warehouse."""
    return render(request, "graph/home.html", {"dashboard": selectors.dashboard_get()})


def catalog_search(request: HttpRequest) -> HttpResponse:
    """Jump to the one dataset or column named by the search box, or list the matches.

    ``to=lineage`` (the lineage page's own search) jumps to the dataset's lineage instead.
    """
    query = request.GET.get("q", "").strip()
    to_lineage = request.GET.get("to") == "lineage"
    hits = selectors.catalog_search(query=query)
    exact = [hit for hit in hits if hit.exact]
    if len(hits) == 1 or len(exact) == 1:
        hit = (exact or hits)[0]
        return redirect(
            lineage_url(key=hit.dataset_key) if to_lineage else presenters.search_hit_url(hit)
        )
    return render(
        request, "graph/search.html", {"query": query, "hits": hits, "to_lineage": to_lineage}
    )


def dataset_list(request: HttpRequest) -> HttpResponse:
    """The catalog: every dataset, searchable, filterable by platform and schema."""
    filters = {
        "query": request.GET.get("q", "").strip(),
        "platform": request.GET.get("platform", ""),
        "schema": request.GET.get("schema", ""),
        "sort": request.GET.get("sort", "name"),
    }
    page = Paginator(selectors.dataset_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "facets": selectors.dataset_facets(),
        "sorts": [
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
            ("schema", "Schema"),
            ("platform", "Platform"),
            ("columns", "Most columns"),
            ("last_seen", "Recently seen"),
        ],
        "querystring": params.urlencode(),
        "catalog_empty": selectors.catalog_is_empty(),
    }
    return render(request, "graph/dataset_list.html", context)


def dataset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One dataset: identity, columns, neighbours and its lineage graph."""
    try:
        dataset = selectors.dataset_get(pk=pk)
    except Dataset.DoesNotExist:
        return _not_found(
            request, "dataset", "There is no dataset with this number in the catalog."
        )
    context = {
        "dataset": dataset,
        "columns": selectors.dataset_columns(dataset=dataset),
        "lineage_url": lineage_url(key=dataset.key),
        "governance_panel": _optional_template(DATASET_PANEL_TEMPLATE),
    }
    try:
        context["neighbours"] = selectors.dataset_neighbour_counts(key=dataset.key)
        lineage = selectors.lineage_get(key=dataset.key, depth=DEFAULT_DEPTH)
    except StoreError as exc:
        context["store_error"] = str(exc)
    else:
        context["graph_data"] = _graph_data(lineage, depth=DEFAULT_DEPTH)
    return render(request, "graph/dataset_detail.html", context)


def lineage_detail(request: HttpRequest) -> HttpResponse:
    """The lineage explorer: a dataset's neighbourhood, full width, with controls."""
    form = LineageQueryForm(request.GET or None)
    context: dict = {"form": form, "max_depth": MAX_PAGE_DEPTH}
    if not form.is_bound:
        context["suggestions"] = selectors.dataset_suggestions()
        return render(request, "graph/lineage.html", context)
    if not form.is_valid():
        return render(request, "graph/lineage.html", context, status=400)
    query = form.cleaned_data
    if not query["dataset"]:
        context["suggestions"] = selectors.dataset_suggestions()
        return render(request, "graph/lineage.html", context)
    try:
        context["lineage"] = selectors.lineage_get(
            key=query["dataset"],
            depth=query["depth"],
            direction=query["direction"],
            level=query["level"],
            as_of=query["as_of"],
        )
    except selectors.LineageNotFound:
        context["not_found"] = query["dataset"]
        context["suggestions"] = selectors.dataset_suggestions()
        return render(request, "graph/lineage.html", context, status=404)
    except StoreError as exc:
        context["store_error"] = str(exc)
        return render(request, "graph/lineage.html", context, status=503)
    lineage = context["lineage"]
    context["query"] = query
    context["center_dataset"] = selectors.dataset_get_by_key(key=lineage.center)
    context["graph_data"] = _graph_data(
        lineage,
        depth=query["depth"],
        direction=query["direction"],
        level=query["level"],
        as_of=query["as_of"].isoformat() if query["as_of"] else "",
    )
    return render(request, "graph/lineage.html", context)


def lineage_url(*, key: str, **params: str | int) -> str:
    """The lineage page centred on a dataset key."""
    return reverse("lineage_detail") + "?" + urlencode({"dataset": key, **params})


def _graph_data(lineage: selectors.Lineage, **query: str | int) -> dict:
    """What static/js/lineage.js needs: elements, the centre, the query and where to fetch more."""
    return {
        "center": lineage.center,
        "truncated": lineage.truncated,
        "elements": presenters.lineage_elements(lineage),
        "query": {
            "depth": DEFAULT_DEPTH,
            "direction": "both",
            "level": "dataset",
            "as_of": "",
            **query,
        },
        "api_url": reverse("api-lineage"),
        "lineage_url": reverse("lineage_detail"),
    }


def _not_found(request: HttpRequest, thing: str, message: str) -> HttpResponse:
    """A 404 in the portal's own layout, with a way back, instead of a bare error page."""
    return render(request, "graph/not_found.html", {"thing": thing, "message": message}, status=404)


def _optional_template(name: str) -> str | None:
    """``name`` if another app ships that template, so pages can include it without a hard link."""
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name
