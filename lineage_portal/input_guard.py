"""Two small middlewares for text that would break the database or fool the reader.

``RefuseUnstorableInput`` answers 400 to a request whose path, query string or form fields
carry NUL or a lone surrogate, before any view runs (Postgres cannot store either, and a
500 is no answer). ``EscapeHiddenCharacters`` shows control characters and bidirectional
overrides in HTML pages as ``[U+202E]``, whatever name from a producer carried them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .text_safety import char_name, contains_hidden, unstorable, visible

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _first_unstorable(request: HttpRequest) -> tuple[str, str] | None:
    """(where, character) of the first NUL or lone surrogate in the request's text."""
    found = unstorable(request.path)
    if found:
        return "the address", found
    sources = [("the query string", request.GET)]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(("the form", request.POST))
    for where, data in sources:
        for key, values in data.lists():
            for text in (key, *values):
                found = unstorable(text)
                if found:
                    return f"{where} (field {visible(key)!r})", found
    return None


class RefuseUnstorableInput:
    """400 for NUL or lone surrogates anywhere in the path, query string or form fields."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = _first_unstorable(request)
        if problem is None:
            return self.get_response(request)
        where, char = problem
        message = (
            f"The request was refused: {where} contains {char_name(char)}, which cannot be stored."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "bad_request.html", {"message": message}, status=400)


class EscapeHiddenCharacters:
    """HTML pages show control and bidi-override characters as ``[U+XXXX]``, never raw."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        charset = response.charset or "utf-8"
        text = response.content.decode(charset, errors="replace")
        if contains_hidden(text):
            response.content = visible(text).encode(charset)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
