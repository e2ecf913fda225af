"""What auditors check: the audit trail (and whether its hash chain is intact), steward gaps."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from ..audit import audit_trail_verify
from ..filters import AUDIT_OBJECT_TYPES, AuditEventFilterSet
from ..forms import AssetForm
from ..models import AssetGovernance
from ..permissions import can_edit_asset
from .common import Due, due, event_rows, governance_page, paginate, querystring


@require_GET
@governance_page("view")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every governance change, newest first, filtered by object, actor, type or action.

    The chain is verified on every visit: an auditor reading the trail must see at once
    whether it is still the one that was written.
    """
    filterset = AuditEventFilterSet(request.GET)
    valid = filterset.is_valid()
    page = paginate(request, filterset.qs if valid else filterset.queryset.none())
    context = {
        "filterset": filterset,
        "filters": request.GET,
        "filtered": any(request.GET.get(name) for name in filterset.filters),
        "object_types": AUDIT_OBJECT_TYPES,
        "page": page,
        "rows": event_rows(page.object_list),
        "chain": audit_trail_verify(),
        "querystring": querystring(request),
    }
    return render(request, "governance/audit.html", context, status=200 if valid else 400)


@dataclass(frozen=True)
class GapRow:
    """A regulated asset nobody answers for; ``form`` lets a compliance admin fix it here."""

    asset: AssetGovernance
    due: Due
    form: AssetForm | None

    @property
    def dataset(self):
        return self.asset.column.dataset if self.asset.is_column else self.asset.dataset


@require_GET
@governance_page("view")
def steward_gaps(request: HttpRequest) -> HttpResponse:
    """Classified (non-public) assets without an active steward, strongest level first, and
    masking conflicts between the warehouse and a steward."""
    page = paginate(request, selectors.steward_gap_list())
    rows, choices = [], AssetForm.shared_choices()
    for asset in page.object_list:
        allowed = can_edit_asset(request.user, asset)
        form = (
            AssetForm(asset=asset, auto_id=f"gap-{asset.pk}-%s", choices=choices)
            if allowed
            else None
        )
        if form is not None:
            form.fields["steward"].empty_label = "Choose a steward…"
        rows.append(GapRow(asset, due(asset.next_review_due), form))
    context = {
        "page": page,
        "rows": rows,
        "conflicts": selectors.masking_conflict_list(),
        "querystring": querystring(request),
    }
    return render(request, "governance/gaps.html", context)
