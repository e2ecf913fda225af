"""A database that stays busy past its timeout answers 503 with Retry-After, never a 500.

On SQLite (the embedded default) writers queue on the busy timeout; one that waited the
whole timeout gets "database is locked". That is a moment's overload, not a fault: the
client is told to come back shortly, and nothing was half-written (the transaction
rolled back).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

RETRY_AFTER_SECONDS = 5
BUSY_MESSAGES = ("database is locked", "database table is locked")


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(text in str(exc) for text in BUSY_MESSAGES)


class BusyDatabaseIs503:
    """Turn a timed-out wait for the database lock into 503 + Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_busy(exc):
            return None
        message = "The database is busy: nothing was saved. Try again in a few seconds."
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = render(request, "busy.html", {"message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
