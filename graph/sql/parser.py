"""Entry points: parse one statement, or many through a fingerprint-keyed LRU cache.

Neither ever raises: whatever goes wrong becomes a `ParseResult` whose `error` says why,
with empty lineage, so one bad row of query history never stops an ingestion run.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from graph.sql.analysis import analyze_statement
from graph.sql.dialects import UnknownDialect, get_dialect, sqlglot_dialect_name
from graph.sql.fingerprint import digest, normalize_sql
from graph.sql.names import Naming, SchemaIndex, build_schema
from graph.sql.results import ParseResult, failed
from graph.sql.statements import UnsupportedStatement

logger = logging.getLogger(__name__)

_TRANSACTION_CONTROL = (exp.Transaction, exp.Commit, exp.Rollback)
_TOKEN_REPR = re.compile(r"<Token token_type: ([\w.]+), text: (.*?), line: \d+.*?>", re.DOTALL)
# Their text names a location that is part of the result, so literals matter: not cached.
_UNCACHED_PREFIXES = ("copy", "unload")


class StatementCountError(ValueError):
    """The text holds no statement, or more than one that does something."""


def parse_statement(
    sql: str,
    *,
    dialect: str = "snowflake",
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: dict | None = None,
) -> ParseResult:
    """Table and column lineage of one SQL statement (no result cache).

    The indexed form of ``schema`` is still reused between calls: building it for a
    warehouse of a few hundred tables costs more than parsing the statement.
    """
    return _UNCACHED.parse(
        sql,
        dialect=dialect,
        default_db=default_db,
        default_schema=default_schema,
        schema=schema,
    )


def _parse(sql: str, dialect: Dialect, naming: Naming, schema_index) -> ParseResult:
    try:
        statement = _single_statement(sql, dialect)
        return analyze_statement(statement, dialect=dialect, naming=naming, schema=schema_index())
    except Exception as exc:  # the contract is "never raise"
        return failed(describe_error(exc))


def _single_statement(sql: str, dialect: Dialect) -> exp.Expr:
    if not isinstance(sql, str):
        raise StatementCountError(f"sql must be a string, not {type(sql).__name__}")
    statements = [s for s in dialect.parse(sql) if s is not None]
    if not statements:
        raise StatementCountError("empty statement: nothing to parse")
    meaningful = [s for s in statements if not isinstance(s, _TRANSACTION_CONTROL)]
    if len(meaningful) > 1:
        raise StatementCountError(f"expected one statement, got {len(meaningful)}")
    return normalize_identifiers((meaningful or statements)[0], dialect=dialect)


def describe_error(exc: BaseException) -> str:
    """A one-line, human-readable reason for a failed parse."""
    if isinstance(exc, ParseError) and exc.errors:
        first = exc.errors[0]
        description = _TOKEN_REPR.sub(_token_text, str(first.get("description") or exc))
        return f"could not parse: {description} at line {first.get('line')}, col {first.get('col')}"
    if isinstance(exc, ParseError | TokenError):
        return f"could not parse: {_first_line(exc)}"
    if isinstance(exc, StatementCountError | UnsupportedStatement):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "could not parse: statement is nested too deeply"
    if isinstance(exc, SqlglotError):
        return f"could not resolve lineage: {_first_line(exc)}"
    logger.exception("unexpected error while parsing SQL")
    return f"internal error: {type(exc).__name__}: {_first_line(exc)}"


def _token_text(match: re.Match) -> str:
    """sqlglot's token repr, shortened to what a reader needs."""
    return "end of input" if match.group(1).endswith("SENTINEL") else f"'{match.group(2)}'"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class LineageParser:
    """`parse_statement` behind an LRU cache keyed by statement fingerprint.

    Scheduled jobs repeat the same statement with new literals; they parse once. The key
    also holds the dialect, defaults and a digest of the schema, so a result is only
    reused where it would come out the same.
    """

    _SCHEMA_CACHE_SIZE = 256

    def __init__(self, *, cache_size: int = 100_000) -> None:
        self.cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0
        self._results: OrderedDict[tuple, ParseResult] = OrderedDict()
        self._schemas: OrderedDict[tuple, SchemaIndex] = OrderedDict()
        # Exact texts seen, oldest first (bounded like the fingerprint cache).
        self._texts: OrderedDict[tuple, tuple[tuple | None, ParseResult]] = OrderedDict()
        self._lock = threading.Lock()
        # Callers pass the same schema dict for a whole window; hashing a large schema on
        # every statement cost more than a cache hit, so the digest is kept per object.
        self._schema_seen: tuple[dict, int, str] | None = None

    def parse(
        self,
        sql: str,
        *,
        dialect: str,
        default_db: str | None = None,
        default_schema: str | None = None,
        schema: dict | None = None,
    ) -> ParseResult:
        """Like `parse_statement`, answered from the cache when the fingerprint is known."""
        if not isinstance(sql, str):
            return failed(f"sql must be a string, not {type(sql).__name__}")
        try:
            sqlglot_dialect = get_dialect(dialect)
        except UnknownDialect as exc:
            return failed(str(exc))
        naming = Naming(default_db, default_schema)
        schema_digest = self._digest_of(schema)
        # The same text runs again and again (a job without parameters): answer it before
        # paying for the fingerprint, which costs more than the lookup.
        text_key = (sql, dialect, naming, schema_digest)
        if self.cache_size > 0 and (same := self._text_hit(text_key)) is not None:
            return same
        key, cacheable = None, False
        if self.cache_size > 0:  # without a cache the fingerprint would be wasted work
            normalized = normalize_sql(sql, sqlglot_dialect_name(dialect))
            key = (digest(normalized), sqlglot_dialect_name(dialect), naming, schema_digest)
            cacheable = not normalized.startswith(_UNCACHED_PREFIXES)
        if (cached := self._get(key) if cacheable else None) is not None:
            self._remember_text(text_key, cached, key)
            return cached
        result = _parse(
            sql,
            sqlglot_dialect,
            naming,
            lambda: self._schema_index(schema, schema_digest, naming, sqlglot_dialect),
        )
        if cacheable:
            self._put(key, result)
        else:
            with self._lock:
                self.cache_misses += 1
        if self.cache_size > 0:
            self._remember_text(text_key, result, key if cacheable else None)
        return result

    def _text_hit(self, text_key: tuple) -> ParseResult | None:
        with self._lock:
            found = self._texts.get(text_key)
            if found is None:
                return None
            key, result = found
            self._texts.move_to_end(text_key)
            if key in self._results:  # both caches age alike: one least-recently-used order
                self._results.move_to_end(key)
            self.cache_hits += 1
            return result

    def _remember_text(self, text_key: tuple, result: ParseResult, key: tuple | None) -> None:
        with self._lock:
            self._texts[text_key] = (key, result)
            if len(self._texts) > self.cache_size:
                self._texts.popitem(last=False)

    def _digest_of(self, schema: dict | None) -> str:
        """The schema's digest, recomputed only for a new (or resized) schema object."""
        if not schema:
            return ""
        seen = self._schema_seen
        if seen is not None and seen[0] is schema and seen[1] == len(schema):
            return seen[2]
        value = _schema_digest(schema)
        self._schema_seen = (schema, len(schema), value)  # held, so its id is never reused
        return value

    def _get(self, key: tuple) -> ParseResult | None:
        with self._lock:
            result = self._results.get(key)
            if result is None:
                self.cache_misses += 1
                return None
            self._results.move_to_end(key)
            self.cache_hits += 1
            return result

    def _put(self, key: tuple, result: ParseResult) -> None:
        with self._lock:
            self._results[key] = result
            if len(self._results) > self.cache_size:
                self._results.popitem(last=False)

    def _schema_index(
        self, schema: dict | None, schema_digest: str, naming: Naming, dialect: Dialect
    ) -> SchemaIndex:
        """The indexed schema, built once per distinct schema, defaults and dialect."""
        if not schema:
            return SchemaIndex()
        key = (schema_digest, naming, type(dialect).__name__)
        with self._lock:
            index = self._schemas.get(key)
        if index is None:
            index = build_schema(schema, naming, dialect)
            with self._lock:
                self._schemas[key] = index
                if len(self._schemas) > self._SCHEMA_CACHE_SIZE:
                    self._schemas.popitem(last=False)
        return index


def _schema_digest(schema: dict | None) -> str:
    if not schema:
        return ""
    try:
        text = json.dumps(schema, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(schema)
    return digest(text)


_UNCACHED = LineageParser(cache_size=0)
