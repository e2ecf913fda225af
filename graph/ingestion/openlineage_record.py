"""Who posted which OpenLineage event, and what became of it: the record an admin reads.

Every event posted to ``/api/v1/lineage`` — accepted, refused, queued — becomes an
``OpenLineageEvent`` under the ``Source`` of its producer namespace (the job's namespace;
a DatasetEvent's dataset namespace), created on first sight with kind ``openlineage``.
An event too broken to name a namespace is filed under ``openlineage:(unreadable)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.models import OpenLineageEvent, Source
from graph.sources.openlineage.validation import FieldError, event_kind, parse_event_time

SOURCE_PREFIX = "openlineage:"
UNREADABLE = "(unreadable)"
MAX_SOURCE_NAME = 128  # graph.models.Source.name


@dataclass(frozen=True)
class Poster:
    """Who posted an event: the signed-in user and how they proved it (token or session)."""

    user: Any = None
    auth: str = ""


def event_namespace(event: Any) -> str | None:
    """The producer namespace an event is filed under, or None when it names none."""
    if not isinstance(event, dict):
        return None
    holder = event.get("dataset") if event_kind(event) == "dataset" else event.get("job")
    namespace = holder.get("namespace") if isinstance(holder, dict) else None
    return namespace.strip() if isinstance(namespace, str) and namespace.strip() else None


def producer_source(namespace: str | None) -> Source:
    """The Source of a producer namespace, created on first sight."""
    namespace = namespace or UNREADABLE
    name = f"{SOURCE_PREFIX}{namespace}"[:MAX_SOURCE_NAME]
    source, _ = Source.objects.get_or_create(
        name=name,
        defaults={"kind": Source.Kind.OPENLINEAGE, "options": {"namespace": namespace}},
    )
    return source


def _text(value: Any, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def event_fields(event: Any) -> dict[str, Any]:
    """What an event says about itself, as far as it can be read (for any event, even bad)."""
    if not isinstance(event, dict):
        return {}
    run: dict[str, Any] = event["run"] if isinstance(event.get("run"), dict) else {}
    job: dict[str, Any] = event["job"] if isinstance(event.get("job"), dict) else {}
    time = event.get("eventTime")
    job_name = f"{_text(job.get('namespace'), 255)}/{_text(job.get('name'), 255)}" if job else ""
    return {
        "kind": event_kind(event),
        "event_type": _text(event.get("eventType"), 16).upper(),
        "event_time": parse_event_time(time) if isinstance(time, str) else None,
        "run_id": _text(run.get("runId"), 36),
        "job": job_name.strip("/"),
        "producer": _text(event.get("producer"), 1024),
    }


def event_record(
    *,
    event: Any,
    poster: Poster | None,
    status: str,
    reason: str = "",
    counts: dict[str, int] | None = None,
    body: Any = None,
    record: OpenLineageEvent | None = None,
) -> OpenLineageEvent:
    """Record one posted event under its producer namespace's Source.

    ``record``: the event was queued first; its record gets the outcome (and loses the body).
    """
    if record is not None:
        record.status, record.reason, record.body = status, reason, body
        for name, value in (counts or {}).items():
            setattr(record, name, value)
        record.save()
        return record
    poster = poster or Poster()
    return OpenLineageEvent.objects.create(
        source=producer_source(event_namespace(event)),
        status=status,
        reason=reason,
        posted_by=signed_in_user(poster),
        auth=poster.auth,
        body=body,
        **event_fields(event),
        **(counts or {}),
    )


def signed_in_user(poster: Poster | None) -> Any:
    """The poster's user, if one signed in (a record keeps who, never an anonymous stand-in)."""
    user = poster.user if poster is not None else None
    return user if getattr(user, "is_authenticated", False) else None


def event_refused(*, event: Any, poster: Poster | None, errors: list[FieldError]) -> None:
    """Record a refused event with every reason, so an admin sees what producers get wrong."""
    reason = "; ".join(f"{e.field}: {e.reason}" for e in errors)
    event_record(event=event, poster=poster, status=OpenLineageEvent.Status.REFUSED, reason=reason)
