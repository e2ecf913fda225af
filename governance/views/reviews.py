"""My reviews: the steward's queue of due and overdue reviews, attested in one click."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from lineage_portal.access import acting_user

from .. import selectors, services
from ..forms import AttestForm
from ..models import DUE_SOON_DAYS, AssetGovernance
from ..permissions import can_edit_asset, can_oversee_reviews
from .common import Due, due, governance_page, paginate, querystring, redirect_back


@dataclass(frozen=True)
class DueRow:
    """A review waiting for attestation, and whether this user may attest it."""

    asset: AssetGovernance
    due: Due
    can_attest: bool

    @property
    def dataset(self):
        return self.asset.column.dataset if self.asset.is_column else self.asset.dataset


@require_GET
@governance_page("view")
def review_queue(request: HttpRequest) -> HttpResponse:
    """Overdue first, then due within two weeks; auditors and admins see everyone's."""
    oversees = can_oversee_reviews(request.user)
    everyone = oversees and request.GET.get("mine") != "1"
    assets = selectors.review_due_list(user=request.user, everyone=everyone)
    page = paginate(request, assets)
    rows = [
        DueRow(asset, due(asset.next_review_due), can_edit_asset(request.user, asset))
        for asset in page.object_list
    ]
    overdue = assets.filter(selectors.review_state_q("overdue")).count()
    return render(
        request,
        "governance/reviews.html",
        {
            "page": page,
            "rows": rows,
            "overdue": overdue,
            "due_soon": page.paginator.count - overdue,
            "oversees": oversees,
            "everyone": everyone,
            "within_days": DUE_SOON_DAYS,
            "querystring": querystring(request),
        },
    )


@require_POST
@governance_page("view")
def review_attest(request: HttpRequest, pk: int) -> HttpResponse:
    """Attest one asset's review (``services.review_attest``) and go back to the list."""
    asset = get_object_or_404(
        AssetGovernance.objects.select_related("dataset", "column__dataset"), pk=pk
    )
    form = AttestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(error for errors in form.errors.values() for error in errors)
        )
        return redirect_back(request, reverse("reviews"))
    try:
        review = services.review_attest(
            actor=acting_user(request),
            asset=asset,
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Review of {asset.key} attested ({review.get_outcome_display().lower()}); "
            f"the next one is due {due(review.next_due).text.removeprefix('due ')} "
            f"({review.next_due:%d %b %Y}).",
        )
    return redirect_back(request, reverse("reviews"))
