"""``POST /api/v1/lineage``: OpenLineage events in, the way Marquez takes them.

Any OpenLineage producer (Airflow, dbt, Spark, the Python and Java clients) can point its
HTTP transport here. The view reads the body (bounded, gzip allowed), lists every offending
field, and hands a valid event to the one service that records it
(``graph.ingestion.openlineage``).

Authentication: a DRF token as ``Authorization: Token <key>``; the same token as
``Authorization: Bearer <key>``, which is what OpenLineage clients send for an API key;
or a logged-in session. Permission: the Lineage producer role only (``lineage_portal.access``);
every event, accepted or refused, is recorded with who posted it.

Answers: 201 recorded; 202 queued for a worker (bodies over ``openlineage.queue_above_bytes``,
with a link to follow it); 400 with every offending field; 403 not a producer; 413 over a
per-event limit, naming the field; 503 with ``Retry-After`` when the graph store is busy or
unreachable (producers retry), never a 500.
"""

from __future__ import annotations

import json
import logging
import zlib
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, OperationalError, transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from graph.ingestion.openlineage import (
    EventTooLarge,
    openlineage_event_ingest,
    openlineage_event_queue,
)
from graph.ingestion.openlineage_record import Poster, event_refused
from graph.models import OpenLineageEvent
from graph.sources.openlineage.validation import (
    EventLimits,
    FieldError,
    InvalidEvent,
    event_oversize,
    openlineage_event_errors,
)
from graph.store import get_store
from graph.store.base import StoreError
from graph.tasks import openlineage_event_task
from lineage_portal.access import CanPostLineage
from lineage_portal.config import engine

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 5 * 1024 * 1024  # OpenLineage events with big schemas stay far below this


class BearerTokenAuthentication(TokenAuthentication):
    """A DRF token sent as ``Authorization: Bearer <key>`` (OpenLineage's ``api_key`` auth)."""

    keyword = "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes :class:`BearerTokenAuthentication` in the OpenAPI schema."""

    target_class = BearerTokenAuthentication
    name = "bearerTokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Bearer"
        )


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="JSON path of the offending field, e.g. run.runId")
    reason = serializers.CharField()


class LineageEventErrorsSerializer(serializers.Serializer):
    """Why an event was refused: every offending field at once."""

    errors = FieldErrorSerializer(many=True)  # type: ignore[assignment]  # a JSON field


class LineageEventResultSerializer(serializers.Serializer):
    """What an accepted event recorded (rows merged into the graph store)."""

    kind = serializers.ChoiceField(["run", "dataset", "job"])
    event_type = serializers.CharField(allow_null=True)
    run_id = serializers.CharField(allow_null=True)
    datasets = serializers.IntegerField()
    columns = serializers.IntegerField()
    dataset_edges = serializers.IntegerField()
    column_edges = serializers.IntegerField()


class BodyError(ValueError):
    """The request body is not one readable JSON document: refused with ``status``."""

    def __init__(self, status_code: int, reason: str):
        self.status_code = status_code
        super().__init__(reason)


def openlineage_limits() -> EventLimits:
    """The per-event limits of the ``openlineage`` config section."""
    config = engine().openlineage
    return EventLimits(
        max_future_skew=timedelta(hours=config.max_future_skew_hours),
        max_inputs=config.max_inputs,
        max_outputs=config.max_outputs,
        max_dataset_edges=config.max_dataset_edges,
        max_column_edges=config.max_column_edges,
    )


def read_event(request: Request, *, max_bytes: int) -> tuple[Any, int]:
    """The JSON document of the body, at most ``max_bytes`` once decompressed, and its size."""
    if _declared_length(request) > max_bytes:
        raise BodyError(413, f"is larger than {max_bytes} bytes")
    stream = request.stream
    raw = stream.read(max_bytes + 1) if stream is not None else b""
    if len(raw) > max_bytes:
        raise BodyError(413, f"is larger than {max_bytes} bytes")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding == "gzip":
        raw = _gunzip(raw, max_bytes)
    elif encoding not in ("", "identity"):
        raise BodyError(415, f"has an unsupported Content-Encoding {encoding!r} (use gzip)")
    if not raw.strip():
        raise BodyError(400, "is empty; expected an OpenLineage event as JSON")
    try:
        return json.loads(raw), len(raw)
    except json.JSONDecodeError as exc:
        raise BodyError(
            400, f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise BodyError(400, "is not valid JSON (or not UTF-8, or nested too deeply)") from exc


def _declared_length(request: Request) -> int:
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip body, refusing one that would grow past ``max_bytes``."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, max_bytes + 1)
    except zlib.error as exc:
        raise BodyError(400, f"is not valid gzip: {exc}") from exc
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise BodyError(413, f"is larger than {max_bytes} bytes once decompressed")
    return data


def _refused(status_code: int, errors: list[FieldError], **headers: str) -> Response:
    payload = {"errors": [{"field": e.field, "reason": e.reason} for e in errors]}
    return Response(LineageEventErrorsSerializer(payload).data, status=status_code, headers=headers)


class QueuedEventSerializer(serializers.Serializer):
    """A large event kept for a worker: follow ``url`` for its outcome."""

    event = serializers.IntegerField(help_text="the event's record")
    status = serializers.CharField()
    run_id = serializers.CharField(allow_blank=True)
    url = serializers.CharField(help_text="GET it for the outcome")


class EventRecordSerializer(serializers.ModelSerializer):
    """What became of a posted event."""

    class Meta:
        model = OpenLineageEvent
        fields = [
            "id",
            "status",
            "reason",
            "kind",
            "event_type",
            "event_time",
            "run_id",
            "job",
            "producer",
            "received",
            "datasets",
            "dataset_edges",
            "column_edges",
        ]


def _poster(request: Request) -> Poster:
    authenticator = request.successful_authenticator
    auth = "session" if isinstance(authenticator, SessionAuthentication) else "token"
    return Poster(request.user, auth if authenticator is not None else "")


class LineageEventView(APIView):
    """Record one OpenLineage event (RunEvent, DatasetEvent or JobEvent), as Marquez does."""

    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    authentication_classes = [TokenAuthentication, BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CanPostLineage]
    max_body_bytes = MAX_EVENT_BYTES

    @extend_schema(
        operation_id="openlineage_event_create",
        summary="Post an OpenLineage event",
        description=(
            "Accepts OpenLineage RunEvents, DatasetEvents and JobEvents like Marquez's "
            "`POST /api/v1/lineage`. A run's events are merged by runId: a run that reached "
            "RUNNING or COMPLETE has lineage (status RUNNING, SUCCESS, FAILED or ABORTED); "
            "FAIL/ABORT of a run that never ran marks existing edges. Lineage producers only. "
            "Body at most 5 MB (gzip allowed); large bodies are queued (202). "
            "See docs/openlineage.md."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            201: LineageEventResultSerializer,
            202: QueuedEventSerializer,
            400: LineageEventErrorsSerializer,
            401: OpenApiResponse(description="No or bad credentials"),
            403: OpenApiResponse(description="Not a lineage producer"),
            413: LineageEventErrorsSerializer,
            503: OpenApiResponse(description="The graph store is unavailable; retry later"),
        },
        tags=["openlineage"],
    )
    def post(self, request: Request) -> Response:
        poster, limits = _poster(request), openlineage_limits()
        try:
            event, size = read_event(request, max_bytes=self.max_body_bytes)
        except BodyError as exc:
            return self._refuse(None, poster, exc.status_code, [FieldError("body", str(exc))])
        errors = openlineage_event_errors(event, now=timezone.now(), limits=limits)
        if errors:
            return self._refuse(event, poster, status.HTTP_400_BAD_REQUEST, errors)
        oversize = event_oversize(event, limits)
        if oversize:
            return self._refuse(event, poster, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, oversize)
        if size > engine().openlineage.queue_above_bytes:
            return self._queue(request, event, poster)
        try:
            result = openlineage_event_ingest(
                event=event,
                store=get_store(),
                poster=poster,
                limits=limits,
                lock_timeout=engine().openlineage.store_lock_timeout_seconds,
            )
        except EventTooLarge as exc:  # the run's events together
            return self._refuse(event, poster, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, exc.errors)
        except InvalidEvent as exc:
            return self._refuse(event, poster, status.HTTP_400_BAD_REQUEST, exc.errors)
        except (StoreError, OperationalError) as exc:
            return self._busy(event, poster, exc)
        return Response(LineageEventResultSerializer(result).data, status=status.HTTP_201_CREATED)

    def _refuse(self, event, poster: Poster, code: int, errors: list[FieldError]) -> Response:
        try:
            event_refused(event=event, poster=poster, errors=errors)
        except DatabaseError:  # the refusal stands even when it cannot be written down
            logger.exception("OpenLineage refusal not recorded")
        return _refused(code, errors)

    def _busy(self, event, poster: Poster, exc: Exception) -> Response:
        # Producers retry on 5xx, so the event is not lost while the graph store is busy.
        logger.warning("OpenLineage event not recorded, the store is busy: %s", exc)
        reason = "the graph store is busy or unreachable; retry later"
        retry = str(engine().openlineage.retry_after_seconds)
        self._record_refusal(event, poster, reason)
        return _refused(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            [FieldError("store", reason)],
            **{"Retry-After": retry},
        )

    def _record_refusal(self, event, poster: Poster, reason: str) -> None:
        try:
            event_refused(event=event, poster=poster, errors=[FieldError("store", reason)])
        except DatabaseError:
            logger.warning("OpenLineage refusal not recorded: the database is busy too")

    def _queue(self, request: Request, event: dict, poster: Poster) -> Response:
        try:
            with transaction.atomic():
                record = openlineage_event_queue(event=event, poster=poster)
                transaction.on_commit(lambda: openlineage_event_task.delay(record.pk))
        except OperationalError as exc:
            return self._busy(event, poster, exc)
        url = request.build_absolute_uri(reverse("openlineage-event", args=[record.pk]))
        payload = {"event": record.pk, "status": record.status, "run_id": record.run_id, "url": url}
        return Response(
            QueuedEventSerializer(payload).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": url},
        )

    def permission_denied(self, request, message=None, code=None):
        """A signed-in user who may not post is refused (403), and the attempt recorded."""
        if request.user and request.user.is_authenticated:
            try:
                event, _ = read_event(request, max_bytes=self.max_body_bytes)
            except BodyError:
                event = None
            self._record_refusal(
                event, _poster(request), f"{request.user.get_username()} is not a lineage producer"
            )
        super().permission_denied(request, message=message, code=code)


class LineageEventDetailView(APIView):
    """What became of one posted event (a queued one's outcome), for the producer that sent it."""

    authentication_classes = LineageEventView.authentication_classes
    permission_classes = [IsAuthenticated, CanPostLineage]

    @extend_schema(
        operation_id="openlineage_event_retrieve",
        summary="The outcome of a posted OpenLineage event",
        responses={200: EventRecordSerializer, 404: OpenApiResponse(description="No such event")},
        tags=["openlineage"],
    )
    def get(self, request: Request, pk: int) -> Response:
        record = get_object_or_404(OpenLineageEvent, pk=pk, posted_by=request.user)
        return Response(EventRecordSerializer(record).data)
