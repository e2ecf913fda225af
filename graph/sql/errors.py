"""Why a statement could not be parsed, said in one line a reader understands."""

from __future__ import annotations

import logging
import re

from sqlglot.errors import ParseError, SqlglotError, TokenError

from graph.sql.statements import UnsupportedStatement

logger = logging.getLogger(__name__)

_TOKEN_REPR = re.compile(r"<Token token_type: ([\w.]+), text: (.*?), line: \d+.*?>", re.DOTALL)


class StatementCountError(ValueError):
    """The text holds no statement, or is not text at all."""


def describe_error(exc: BaseException) -> str:
    """A one-line, human-readable reason for a failed parse."""
    if isinstance(exc, ParseError) and exc.errors:
        first = exc.errors[0]
        description = _TOKEN_REPR.sub(_token_text, str(first.get("description") or exc))
        return f"could not parse: {description} at line {first.get('line')}, col {first.get('col')}"
    if isinstance(exc, ParseError | TokenError):
        return f"could not parse: {first_line(exc)}"
    if isinstance(exc, StatementCountError | UnsupportedStatement):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "could not parse: statement is nested too deeply"
    if isinstance(exc, SqlglotError):
        return f"could not resolve lineage: {first_line(exc)}"
    logger.exception("unexpected error while parsing SQL")
    return f"internal error: {type(exc).__name__}: {first_line(exc)}"


def _token_text(match: re.Match[str]) -> str:
    """sqlglot's token repr, shortened to what a reader needs."""
    return "end of input" if match.group(1).endswith("SENTINEL") else f"'{match.group(2)}'"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (sqlglot's go on with highlighted SQL)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
