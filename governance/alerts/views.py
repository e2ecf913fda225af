"""The Alerts page: every alert and every delivery, for compliance admins."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lineage_portal.config import engine

from ..views.common import governance_page, paginate, querystring
from .models import Alert, AlertDelivery


@require_GET
@governance_page("administer")
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts newest first with their deliveries: sent, retried, failed and why."""
    status = request.GET.get("status", "")
    alerts = Alert.objects.prefetch_related(
        Prefetch("deliveries", queryset=AlertDelivery.objects.order_by("channel", "pk"))
    )
    if status in Alert.Status.values:
        alerts = alerts.filter(status=status)
    totals = Alert.objects.aggregate(
        all=Count("pk"),
        **{state: Count("pk", filter=Q(status=state)) for state in Alert.Status.values},
    )
    monitoring = engine().monitoring
    context = {
        "page": paginate(request, alerts),
        "totals": totals,
        "status": status,
        "statuses": Alert.Status.values,
        "querystring": querystring(request),
        "slack": _where(monitoring.slack_webhook),
        "email_to": monitoring.email.to,
        "alert_on": monitoring.alert_on,
        "digest_kinds": monitoring.digest_kinds,
        "digest_hour": monitoring.digest_hour,
        "rate_limit": monitoring.rate_limit_per_hour,
    }
    return render(request, "alerts/alert_list.html", context)


def _where(url: str) -> str:
    """A webhook's host only: its path is the secret."""
    return urlsplit(url).netloc if url else ""
