"""``POST /api/v1/lineage``: OpenLineage events in, the way Marquez takes them.

Any OpenLineage producer (Airflow, dbt, Spark, the Python and Java clients) can point its
HTTP transport here. The view reads the body (bounded, gzip allowed), lists every offending
field, and hands a valid event to the one service that records it
(``graph.ingestion.openlineage``).

Authentication: a DRF token as ``Authorization: Token <key>``; the same token as
``Authorization: Bearer <key>``, which is what OpenLineage clients send for an API key;
or a logged-in session.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

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

from graph.ingestion.openlineage import openlineage_event_ingest
from graph.sources.openlineage.validation import FieldError, openlineage_event_errors
from graph.store import get_store

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


def read_event(request: Request, *, max_bytes: int) -> Any:
    """The JSON document of the body, at most ``max_bytes`` once decompressed."""
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
        return json.loads(raw)
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


def _refused(status_code: int, errors: list[FieldError]) -> Response:
    payload = {"errors": [{"field": e.field, "reason": e.reason} for e in errors]}
    return Response(LineageEventErrorsSerializer(payload).data, status=status_code)


class LineageEventView(APIView):
    """Record one OpenLineage event (RunEvent, DatasetEvent or JobEvent), as Marquez does."""

    # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
    authentication_classes = [TokenAuthentication, BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    max_body_bytes = MAX_EVENT_BYTES

    @extend_schema(
        operation_id="openlineage_event_create",
        summary="Post an OpenLineage event",
        description=(
            "Accepts OpenLineage RunEvents (and DatasetEvents/JobEvents) like Marquez's "
            "`POST /api/v1/lineage`. COMPLETE runs create lineage; FAIL/ABORT mark existing "
            "edges failed; START/RUNNING/OTHER are accepted and not recorded. "
            "Body at most 5 MB (gzip allowed). See docs/openlineage.md."
        ),
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            201: LineageEventResultSerializer,
            400: LineageEventErrorsSerializer,
            401: OpenApiResponse(description="No or bad credentials"),
            413: LineageEventErrorsSerializer,
            503: OpenApiResponse(description="The graph store is unavailable; retry later"),
        },
        tags=["openlineage"],
    )
    def post(self, request: Request) -> Response:
        try:
            event = read_event(request, max_bytes=self.max_body_bytes)
        except BodyError as exc:
            return _refused(exc.status_code, [FieldError("body", str(exc))])
        errors = openlineage_event_errors(event)
        if errors:
            return _refused(status.HTTP_400_BAD_REQUEST, errors)
        # A StoreError becomes a 503 with Retry-After (lineage_portal.api_errors): producers
        # retry on 5xx, so the event is not lost while the graph store is down.
        result = openlineage_event_ingest(event=event, store=get_store())
        return Response(LineageEventResultSerializer(result).data, status=status.HTTP_201_CREATED)
