"""Entry points: parse a statement or script, or many through a fingerprint-keyed LRU cache.

None of them ever raises: whatever goes wrong becomes a `ParseResult` whose `error` says
why, with empty lineage, so one bad row of query history never stops an ingestion run.
A text holding several statements (a script, a procedure) gives the union of their
lineage (`graph.sql.union`); `parse_script` gives each statement's own.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict

from sqlglot.dialects.dialect import Dialect

from graph.sql.dialects import (
    IMPLICIT_SCHEMA,
    UnknownDialect,
    get_dialect,
    sqlglot_dialect_name,
)
from graph.sql.errors import describe_error
from graph.sql.fingerprint import digest, normalize_sql
from graph.sql.names import Naming, SchemaIndex, build_schema
from graph.sql.pieces import Context, parse_pieces
from graph.sql.results import ParseResult, failed
from graph.sql.union import combine

# Not cached, because string literals in them are part of the result: a location (COPY,
# UNLOAD) or the body of a routine, `DO` block or `EXECUTE IMMEDIATE`, which the
# fingerprint would collapse to `?`.
_UNCACHED = re.compile(
    r"^(copy|unload|do\b|execute immediate|replace (procedure|function)"
    r"|(create|alter)( or (replace|alter))?( secure| temporary| temp)? (procedure|proc|function)\b)"
)


def parse_statement(
    sql: str,
    *,
    dialect: str = "snowflake",
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: dict | None = None,
) -> ParseResult:
    """Table and column lineage of one SQL statement — or the union of a script's (no
    result cache).

    The indexed form of ``schema`` is still reused between calls: building it for a
    warehouse of a few hundred tables costs more than parsing the statement.
    """
    return _NO_CACHE.parse(
        sql, dialect=dialect, default_db=default_db, default_schema=default_schema, schema=schema
    )


def parse_script(
    sql: str,
    *,
    dialect: str = "snowflake",
    default_db: str | None = None,
    default_schema: str | None = None,
    schema: dict | None = None,
) -> tuple[ParseResult, ...]:
    """Each statement's own lineage, in order, for a script or procedure (no result cache).

    Transaction control (BEGIN, COMMIT) and control flow are left out; a statement that
    fails to parse is a result with its `error`. A single statement gives one result.
    """
    return _NO_CACHE.parse_script(
        sql, dialect=dialect, default_db=default_db, default_schema=default_schema, schema=schema
    )


def naming_for(dialect_name: str, default_db: str | None, default_schema: str | None) -> Naming:
    """The naming rules of one sqlglot dialect with the statement's defaults."""
    implicit = IMPLICIT_SCHEMA.get(dialect_name) if default_db and not default_schema else None
    return Naming(default_db, default_schema or implicit, sharded=dialect_name == "bigquery")


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
        self._namings: dict[tuple, tuple[str, Naming]] = {}

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
            name, naming = self._naming(dialect, default_db, default_schema)
        except UnknownDialect as exc:
            return failed(str(exc))
        schema_digest = self._digest_of(schema)
        # The same text runs again and again (a job without parameters): answer it before
        # paying for the fingerprint, which costs more than the lookup.
        text_key = (sql, dialect, naming, schema_digest)
        if self.cache_size > 0 and (same := self._text_hit(text_key)) is not None:
            return same
        key, cacheable = None, False
        if self.cache_size > 0:  # without a cache the fingerprint would be wasted work
            normalized = normalize_sql(sql, name)
            key = (digest(normalized), name, naming, schema_digest)
            cacheable = _UNCACHED.match(normalized) is None
        if (cached := self._get(key) if cacheable else None) is not None:
            self._remember_text(text_key, cached, key)
            return cached
        context = self._context(dialect, name, naming, schema, schema_digest)
        results = parse_pieces(sql, context)
        result = results[0] if len(results) == 1 else combine(results)
        if cacheable:
            self._put(key, result)
        else:
            with self._lock:
                self.cache_misses += 1
        if self.cache_size > 0:
            self._remember_text(text_key, result, key if cacheable else None)
        return result

    def parse_script(
        self,
        sql: str,
        *,
        dialect: str,
        default_db: str | None = None,
        default_schema: str | None = None,
        schema: dict | None = None,
    ) -> tuple[ParseResult, ...]:
        """Each statement's own result (see `parse_script`); not cached."""
        if not isinstance(sql, str):
            return (failed(f"sql must be a string, not {type(sql).__name__}"),)
        try:
            name, naming = self._naming(dialect, default_db, default_schema)
        except UnknownDialect as exc:
            return (failed(str(exc)),)
        context = self._context(dialect, name, naming, schema, self._digest_of(schema))
        return tuple(parse_pieces(sql, context))

    def _naming(
        self, dialect: str, default_db: str | None, default_schema: str | None
    ) -> tuple[str, Naming]:
        """sqlglot's dialect name and the naming rules; kept per arguments, as every
        statement of a window asks with the same ones."""
        key = (dialect, default_db, default_schema)
        found = self._namings.get(key)
        if found is None:
            name = sqlglot_dialect_name(dialect)
            found = (name, naming_for(name, default_db, default_schema))
            if len(self._namings) > 4096:
                self._namings.clear()
            self._namings[key] = found
        return found

    def _context(
        self, dialect: str, name: str, naming: Naming, schema, schema_digest: str
    ) -> Context:
        sqlglot_dialect = get_dialect(dialect)

        def schema_index() -> SchemaIndex:
            return self._schema_index(schema, schema_digest, naming, sqlglot_dialect)

        return Context(sqlglot_dialect, name, naming, schema_index, schema_digest)

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


_NO_CACHE = LineageParser(cache_size=0)
__all__ = ["LineageParser", "describe_error", "naming_for", "parse_script", "parse_statement"]
