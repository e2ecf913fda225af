"""The REST API's one exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).

Services and selectors raise plain Python and Django errors; this module alone decides
what each becomes over HTTP, so every endpoint answers the same way:

* Django ``ValidationError`` → 400, messages by field (``non_field_errors`` for the rest);
* Django ``PermissionDenied`` → 403 with the reason (DRF's own handler);
* ``StaleAssetError`` → 409 with who changed the asset, when, and its current version;
* ``StoreError`` → 503 with ``Retry-After``: the graph store is down, the request was fine.

Anything else is DRF's default: its own ``APIException`` subclasses keep their status.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from governance.errors import StaleAssetError
from graph.store.base import StoreError

logger = logging.getLogger(__name__)

# Seconds a client should wait before retrying while the graph store is unreachable.
STORE_RETRY_AFTER = 30


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The response for an exception raised by an API view (None: let Django answer 500)."""
    if isinstance(exc, DjangoValidationError):
        return exception_handler(ValidationError(validation_detail(exc)), context)
    if isinstance(exc, StaleAssetError):
        return stale_response(exc)
    if isinstance(exc, StoreError):
        logger.warning("API request refused: graph store unavailable: %s", exc)
        return Response(
            {"detail": f"The graph store is unavailable: {exc}"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(STORE_RETRY_AFTER)},
        )
    return exception_handler(exc, context)


def validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF's ``{field: [messages]}``."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
        for field, messages in exc.message_dict.items()
    }


def stale_response(exc: StaleAssetError) -> Response:
    """409 with typed fields (not APIException's strings), so a client can retry knowingly."""
    return Response(
        {
            "detail": str(exc),
            "current_version": exc.current_version,
            "changed_by": exc.changed_by,
            "changed_at": exc.changed_at.isoformat() if exc.changed_at else None,
        },
        status=status.HTTP_409_CONFLICT,
    )
