"""Reads for the OpenLineage producers page: each producer namespace's events and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from graph.models import OpenLineageEvent, OpenLineageRun, Source

RECENT_REFUSALS = 5


@dataclass(frozen=True)
class ProducerRow:
    """One producer namespace: how many events it sent, of which refused, and why."""

    source: Source
    accepted: int
    refused: int
    queued: int
    failed: int
    runs: int
    last_event: datetime | None
    refusals: list[OpenLineageEvent]


def producer_list() -> list[ProducerRow]:
    """Every OpenLineage producer namespace, most recently heard from first."""
    statuses = OpenLineageEvent.Status
    sources = (
        Source.objects.filter(kind=Source.Kind.OPENLINEAGE)
        .annotate(
            accepted=Count(
                "openlineage_events", filter=Q(openlineage_events__status=statuses.ACCEPTED)
            ),
            refused=Count(
                "openlineage_events", filter=Q(openlineage_events__status=statuses.REFUSED)
            ),
            queued=Count(
                "openlineage_events", filter=Q(openlineage_events__status=statuses.QUEUED)
            ),
            failed=Count(
                "openlineage_events", filter=Q(openlineage_events__status=statuses.FAILED)
            ),
            last_event=Max("openlineage_events__received"),
        )
        .order_by("-last_event", "name")
    )
    runs = dict(
        OpenLineageRun.objects.values_list("source")
        .annotate(n=Count("id"))
        .values_list("source", "n")
    )
    return [
        ProducerRow(
            source=s,
            accepted=s.accepted,
            refused=s.refused,
            queued=s.queued,
            failed=s.failed,
            runs=runs.get(s.pk, 0),
            last_event=s.last_event,
            refusals=list(
                s.openlineage_events.filter(status__in=(statuses.REFUSED, statuses.FAILED))
                .select_related("posted_by")
                .order_by("-received", "-id")[:RECENT_REFUSALS]
            ),
        )
        for s in sources
    ]
