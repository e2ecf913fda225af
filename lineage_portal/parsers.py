"""The API's JSON parser: a body carrying NUL or a lone surrogate is a 400 before any view.

Neither can be stored (Postgres refuses NUL in text), and a lone surrogate echoed back in a
validation message cannot even be encoded as UTF-8 — without this it is a 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .text_safety import char_name, unstorable


def _first_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """(where, character) of the first NUL or lone surrogate in a parsed JSON value."""
    if isinstance(value, str):
        found = unstorable(value)
        return (path or "the body", found) if found else None
    items: Iterable[tuple[Any, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        found = unstorable(key) if isinstance(value, dict) else None
        if found:
            return f"a key in {path or 'the body'}", found
        inner = _first_unstorable(item, f"{path}.{key}" if path else key)
        if inner:
            return inner
    return None


class StrictJSONParser(JSONParser):
    """JSON, refusing NUL and lone surrogates anywhere in the document (ParseError → 400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        problem = _first_unstorable(data)
        if problem:
            where, char = problem
            raise ParseError(
                f"JSON parse error - {where} contains {char_name(char)}, which cannot be stored."
            )
        return data
