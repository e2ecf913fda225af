"""What auditors check: the audit trail (and whether its hash chain is intact), steward gaps."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..audit_checkpoints import audit_checkpoint_latest
from ..audit_runs import audit_verification_status
from ..filters import AUDIT_OBJECT_TYPES, AuditEventFilterSet
from ..forms import AssetForm
from ..models import AssetGovernance
from ..permissions import can_edit_asset, can_export
from .common import Due, ago, due, event_rows, governance_page, paginate, querystring


@require_GET
@governance_page("view")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Every governance change, newest first, filtered by object, actor, type or action.

    The page shows the last stored verification of the chain and when it ran (a beat task
    verifies from the last checkpoint); recomputing the chain on every visit would make
    the page slower as the trail grows.
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
        "querystring": querystring(request),
        **_verification_context(request),
    }
    return render(request, "governance/audit.html", context, status=200 if valid else 400)


def _verification_context(request: HttpRequest) -> dict:
    status = audit_verification_status()
    return {
        "verification": status,
        "verified_ago": ago(status.latest.ran_at) if status.latest else "",
        "full_ago": ago(status.latest_full.ran_at) if status.latest_full else "",
        "checkpoint": audit_checkpoint_latest(),
        "checkpoint_minutes": settings.AUDIT_CHECKPOINT_MINUTES,
        "can_verify": can_export(request.user),
    }


@require_POST
@governance_page("export")
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Queue a verification of the chain now (auditors and admins); the page shows its result."""
    from ..tasks import audit_checkpoint_task

    transaction.on_commit(audit_checkpoint_task.delay)
    messages.info(request, "Verification queued: its result appears here when it has run.")
    return redirect(reverse("governance_audit"))


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
    """Classified (non-public) assets without an active steward, strongest level first."""
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
    context = {"page": page, "rows": rows, "querystring": querystring(request)}
    return render(request, "governance/gaps.html", context)
