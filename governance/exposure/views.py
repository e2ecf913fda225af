"""Exposure pages: the findings, one finding with its evidence, decisions on it, scans.

Reads are for everyone signed in; acknowledging and resolving for the exposed asset's
steward and compliance admins (``services.can_decide``, checked again by the services);
"Scan now" for compliance admins.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from graph import selectors as graph_selectors
from graph.keys import asset_label
from graph.views.lineage import lineage_url
from lineage_portal.access import acting_user

from ..models import ExposureScan, Finding, RegulatoryTag, Risk
from ..permissions import can_administer
from ..selectors import audit_event_list
from ..views.common import governance_page, not_found, querystring
from . import presenters, selectors, services
from .drawing import finding_elements
from .filters import FindingFilterSet
from .forms import AcknowledgeForm, ResolveForm
from .tasks import exposure_scan_request
from .wording import EXPOSURE_KINDS, finding_sentence, reason_words

GROUPS_PER_PAGE = 25
NO_FINDING = "There is no finding with this number. It may have been listed under another one."


@require_GET
@governance_page("view")
def exposure_list(request: HttpRequest) -> HttpResponse:
    """Findings grouped by risk (HIGH first) and by source and exposed dataset; unresolved by default."""
    data = request.GET.copy()
    state = data.get("state", "")
    if state == "all":
        data.pop("state")
    filterset = FindingFilterSet(data)
    valid = filterset.is_valid()
    rows = filterset.qs if valid else Finding.objects.none()
    if not state:
        rows = rows.filter(state__in=selectors.UNRESOLVED)
    groups = selectors.finding_groups(rows)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    loaded = selectors.finding_groups_load(list(page.object_list))
    sections: dict[str, list[presenters.GroupRow]] = {level: [] for level in Risk.values}
    for group in loaded:
        sections.setdefault(group.risk_level, []).append(presenters.group_row(group))
    sizes: Counter[str] = Counter()
    for group in groups:
        sizes[group.risk_level] += group.size
    context = {
        "filterset": filterset,
        "state": state,
        "filtered": any(request.GET.get(name) for name in filterset.filters),
        "page": page,
        "sections": [(level, sizes[level], found) for level, found in sections.items() if found],
        "totals": selectors.risk_counts(),
        "matching": sum(sizes.values()),
        "stewards": _stewards(),
        "tags": RegulatoryTag.objects.order_by("slug").values_list("slug", flat=True),
        "scan": selectors.scan_latest(),
        "can_scan": can_administer(request.user),
        "querystring": querystring(request),
    }
    return render(request, "governance/exposure/list.html", context, status=200 if valid else 400)


def _stewards() -> list[str]:
    names = Finding.objects.exclude(steward="").values_list("steward", flat=True)
    return sorted(set(names))


@require_GET
@governance_page("view")
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One finding: its sentence, its paths drawn and hop by hop, readers, grants, history."""
    try:
        finding = selectors.finding_get(pk=pk)
    except Finding.DoesNotExist:
        return not_found(request, "finding", NO_FINDING)
    return _detail(request, finding)


def _detail(
    request: HttpRequest,
    finding: Finding,
    *,
    acknowledge: Form | None = None,
    resolve: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    decides = services.can_decide(request.user, finding)
    exposure = finding.kind in EXPOSURE_KINDS
    context = {
        "finding": finding,
        "sentence": finding_sentence(finding),
        "reason": reason_words(finding),
        "target_label": asset_label(finding.target),
        "target_table": asset_label(finding.target_dataset) if finding.target_dataset else "",
        "exposure": exposure,
        "paths": presenters.paths_view(finding),
        "elements": finding_elements(finding) if exposure else [],
        "readers": presenters.readers_view(finding),
        "history": [
            presenters.HistoryRow(e) for e in audit_event_list(object_key=f"finding:{finding.pk}")
        ],
        "first_ago": presenters.ago(finding.first_detected),
        "last_ago": presenters.ago(finding.last_detected),
        "ack_until": presenters.until(finding.ack_expires),
        "can_decide": decides,
        "refusal": "" if decides else presenters.refusal(finding, request.user),
        "acknowledge_form": acknowledge or AcknowledgeForm(),
        "resolve_form": resolve or ResolveForm(),
        "links": _links(finding),
    }
    return render(request, "governance/exposure/finding.html", context, status=status)


def _links(finding: Finding) -> list[tuple[str, str]]:
    """Where to look next: the lineage and dataset pages of the source and the exposed asset."""
    if finding.kind == Finding.Kind.FAILED_BACKFILL:
        backfill = (finding.details or {}).get("backfill")
        return (
            [("The backfill and its failed windows", reverse("backfill_detail", args=[backfill]))]
            if backfill
            else []
        )
    roles: tuple[tuple[str, str], ...]
    if finding.kind in EXPOSURE_KINDS:
        roles = (
            ("the source", finding.source_dataset),
            ("the exposed asset", finding.target_dataset),
        )
    else:
        roles = (("the asset", finding.source_dataset),)
    links: list[tuple[str, str]] = []
    for role, key in roles:
        links.append((f"Lineage of {role}", lineage_url(key=key, level="column")))
        dataset = graph_selectors.dataset_get_by_key(key=key)
        if dataset is not None:
            links.append((f"Dataset page of {role}", reverse("dataset_detail", args=[dataset.pk])))
    return links


@require_POST
@governance_page("view")
def finding_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept an open finding for now (``services.finding_acknowledge``)."""
    finding = _decidable(request, pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            done = services.finding_acknowledge(
                actor=acting_user(request),
                finding=finding,
                reason=form.cleaned_data["reason"],
                expires=form.cleaned_data["expires"],
            )
        except ValidationError as exc:
            return _refused(request, finding, form, exc, acknowledge=form)
        messages.success(
            request, f"Finding #{done.pk} acknowledged until {done.ack_expires:%Y-%m-%d}."
        )
        return redirect(reverse("exposure_finding", args=[done.pk]) + "#decision")
    return _detail(request, finding, acknowledge=form, status=400)


@require_POST
@governance_page("view")
def finding_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a finding resolved by hand (``services.finding_resolve``)."""
    finding = _decidable(request, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            done = services.finding_resolve(
                actor=acting_user(request), finding=finding, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            return _refused(request, finding, form, exc, resolve=form)
        messages.success(
            request,
            f"Finding #{done.pk} resolved. The next scan re-opens it if the exposure still holds.",
        )
        return redirect(reverse("exposure_finding", args=[done.pk]) + "#decision")
    return _detail(request, finding, resolve=form, status=400)


def _decidable(request: HttpRequest, pk: int) -> Finding:
    """The finding, if this user may decide it; refused before any input is judged."""
    finding = get_object_or_404(Finding, pk=pk)
    if not services.can_decide(request.user, finding):
        raise PermissionDenied(presenters.refusal(finding, request.user))
    return finding


def _refused(
    request: HttpRequest, finding: Finding, form: Form, exc: ValidationError, **forms: Form
) -> HttpResponse:
    """A service said no: its reasons beside the fields, or on top if the state moved on."""
    conflict = "state" in exc.message_dict
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
    finding.refresh_from_db()
    return _detail(request, finding, status=409 if conflict else 400, **forms)


@require_POST
@governance_page("administer")
def scan_start(request: HttpRequest) -> HttpResponse:
    """Queue a scan (or join the one waiting); the list page follows it without reloading."""
    scan = exposure_scan_request(trigger=f"manual, by {request.user.get_username()}")
    scan.refresh_from_db()
    if scan.status == ExposureScan.Status.SUCCEEDED:
        messages.success(
            request,
            f"Scan finished: {scan.opened} opened, {scan.reopened} re-opened, "
            f"{scan.resolved} resolved.",
        )
    elif scan.status == ExposureScan.Status.FAILED:
        messages.error(request, f"The scan failed: {scan.error}")
    else:
        messages.info(request, "Scan queued; this page shows when it has finished.")
    return redirect("exposure")


@require_GET
@governance_page("view")
def scan_status(request: HttpRequest) -> HttpResponse:
    """The latest scan's state, as the fragment the list page swaps in while it waits."""
    return render(
        request,
        "governance/exposure/_scan.html",
        {"scan": selectors.scan_latest(), "can_scan": can_administer(request.user)},
    )
