"""Postgres: statements from ``pg_stat_statements``, object ids and columns from the catalog.

Read-only, through psycopg. The role needs ``pg_read_all_stats`` (to see every role's
statement texts), CONNECT on the databases read, and privileges that let
``information_schema.columns`` show their columns (``pg_read_all_data``, or grants).
The extension must exist in the database the source connects to (``dbname``); the other
databases it reads (``databases``) are reached with connections of their own.

``pg_stat_statements`` keeps one row per distinct statement (constants replaced by
``$1``…) with a running ``calls`` count, and no timestamps. So:

* A fetch takes a snapshot of the counts and returns the materializing statements whose
  count grew since the previous snapshot, each seen at the fetch time (the window only
  labels the run) and standing for ``executions`` runs (the growth). The first fetch has
  no previous snapshot: every execution since the statistics were reset counts.
* The snapshot is kept in the Source's options under ``pg_stat_statements`` (saved when
  the fetch completes, inside the run's transaction: a failed run does not move it).
  A statistics reset (``pg_stat_statements_info.stats_reset``) or an evicted-and-readded
  statement starts its count again from zero.
* Only completed statements are counted, so every record is a SUCCESS.
* Unqualified names resolve against ``default_schema`` (``public``), not the session's
  search_path, which pg_stat_statements does not keep. Object ids are ``pg_class`` oids
  (``to_regclass``) of the tables that still exist when the fetch runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import transaction

from graph.models import Source
from graph.sql import ParseResult
from graph.sql.shared import default_parser

from .base import (
    AccessedObject,
    FetchIssue,
    IssueHandler,
    KnownColumn,
    LineageSource,
    QueryRecord,
    log_issue,
)

STATEMENTS_SQL = """
SELECT s.queryid, s.userid, s.dbid, s.toplevel, s.calls, s.query, r.rolname, d.datname
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE d.datname = ANY(%s) AND s.calls > 0
ORDER BY d.datname, s.queryid
"""
STATS_RESET_SQL = "SELECT stats_reset FROM pg_stat_statements_info"
OBJECTS_SQL = """
SELECT t.nsp, t.rel, c.oid::text, c.relkind::text
FROM unnest(%s::text[], %s::text[]) AS t(nsp, rel)
JOIN pg_class c ON c.oid = to_regclass(format('%%I.%%I', t.nsp, t.rel))
"""
COLUMNS_SQL = """
SELECT c.table_catalog, c.table_schema, c.table_name, c.column_name, c.data_type,
       c.ordinal_position, to_regclass(format('%I.%I', c.table_schema, c.table_name))::oid::text
FROM information_schema.columns c
WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
  AND c.table_schema NOT LIKE 'pg\\_%'
ORDER BY c.table_schema, c.table_name, c.ordinal_position
"""

SNAPSHOT_OPTION = "pg_stat_statements"
# What the view shows instead of another role's statement without pg_read_all_stats.
HIDDEN_TEXT = "<insufficient privilege>"
# Options a Source row may set; the password comes from libpq's environment (PGPASSWORD,
# PGPASSFILE or ~/.pgpass), never from the row.
CONNECTION_OPTIONS = ("host", "port", "dbname", "user", "sslmode", "connect_timeout")
# Parser statement types that write data, as the pipeline's query types.
QUERY_TYPES = {
    "CTAS": "CREATE_TABLE_AS_SELECT",
    "VIEW": "CREATE_VIEW",
    "INSERT": "INSERT",
    "MERGE": "MERGE",
    "UPDATE": "UPDATE",
    "COPY": "COPY",
    "RENAME": "RENAME_TABLE",
    "ALTER": "ALTER_TABLE",
}
RELATION_DOMAINS = {"v": "View", "m": "Materialized view", "f": "External table"}
_LEADING_COMMENTS = re.compile(r"^(\s+|--[^\n]*\n?|/\*.*?\*/)+", re.DOTALL)
_VERB = re.compile(r"(insert|merge|update|copy|alter|create|select|with)\b", re.IGNORECASE)
_INTO = re.compile(r"\binto\b", re.IGNORECASE)
_CREATE_VIEW = re.compile(r"create\s+(or\s+replace\s+)?(materialized\s+|recursive\s+)?view\b", re.I)
_CREATE_TABLE_AS = re.compile(r"create\s+[\w\s]*?\btable\b.*?\bas\b", re.IGNORECASE | re.DOTALL)


def might_write(text: str) -> bool:
    """A cheap first look, so that plain SELECTs (most of the view) are never parsed."""
    verb = _VERB.match(_LEADING_COMMENTS.sub("", text))
    if verb is None:
        return False
    return verb.group(1).lower() != "select" or bool(_INTO.search(text))


def query_type_of(text: str, result: ParseResult) -> str | None:
    """The pipeline's query type of a statement that writes data; None for anything else.

    A statement the parser cannot read is classified by its leading keyword, so that it
    still reaches the pipeline and is reported as a parse failure.
    """
    if not result.error:
        return QUERY_TYPES.get(result.statement_type)
    body = _LEADING_COMMENTS.sub("", text)
    verb = _VERB.match(body)
    word = verb.group(1).lower() if verb else ""
    if word == "create":
        if _CREATE_VIEW.match(body):
            return "CREATE_VIEW"
        return "CREATE_TABLE_AS_SELECT" if _CREATE_TABLE_AS.match(body) else None
    if word == "select":
        return "CREATE_TABLE_AS_SELECT" if _INTO.search(body) else None
    return {"insert": "INSERT", "merge": "MERGE", "update": "UPDATE", "copy": "COPY"}.get(
        word, "ALTER_TABLE" if word == "alter" else None
    )


def calls_delta(calls: int, previous: int | None) -> int:
    """Executions since the previous snapshot; a count that went down was restarted."""
    if previous is None or calls < previous:
        return calls
    return calls - previous


def connection_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """psycopg arguments from a Source's non-secret options."""
    kwargs = {key: options[key] for key in CONNECTION_OPTIONS if options.get(key) not in (None, "")}
    kwargs.setdefault("connect_timeout", 30)
    return kwargs


@dataclass(frozen=True)
class _Statement:
    """One pg_stat_statements row that writes data, with its parse."""

    key: str  # dbid:userid:queryid:toplevel, as the snapshot counts it
    queryid: str
    text: str
    query_type: str
    role: str | None
    database: str
    result: ParseResult
    calls: int

    def executions_since(self, previous: dict[str, int]) -> int:
        return calls_delta(self.calls, previous.get(self.key))

    def record(
        self, seen_at: datetime, schema: str, objects: dict[str, AccessedObject], previous: dict
    ) -> QueryRecord:
        reads = tuple(objects[name] for name in self.result.in_tables)
        return QueryRecord(
            query_id=self.queryid,
            text=self.text,
            query_type=self.query_type,
            execution_status="SUCCESS",
            start_time=seen_at,
            user=self.role,
            database=self.database,
            schema=schema,
            objects_modified=tuple(objects[name] for name in self.result.out_tables),
            direct_objects_accessed=reads,
            base_objects_accessed=reads,
            executions=self.executions_since(previous),
        )


class PostgresSource(LineageSource):
    """Statements of one Postgres server's databases, as counted by pg_stat_statements."""

    platform = "postgres"
    dialect = "postgres"

    def __init__(
        self,
        *,
        connect_kwargs: dict[str, Any],
        databases: list[str] | None = None,
        default_schema: str = "public",
        snapshot: dict | None = None,
        save_snapshot: Callable[[dict], None] | None = None,
    ):
        self.connect_kwargs = connect_kwargs
        self.databases = databases or [connect_kwargs["dbname"]]
        self.default_schema = default_schema
        self.snapshot = snapshot or {}
        self.save_snapshot = save_snapshot
        self._connections: dict[str, psycopg.Connection] = {}

    @classmethod
    def from_model(cls, source: Source) -> PostgresSource:
        """The source for a ``graph.models.Source`` of kind postgres; snapshots go back to it."""
        options = source.options or {}
        return cls(
            connect_kwargs=connection_kwargs(options),
            databases=options.get("databases"),
            default_schema=options.get("default_schema") or "public",
            snapshot=options.get(SNAPSHOT_OPTION),
            save_snapshot=lambda snapshot: save_source_snapshot(source.pk, snapshot),
        )

    def connection(self, database: str | None = None) -> psycopg.Connection:
        """A read-only, autocommit connection to ``database`` (default: ``dbname``)."""
        database = database or self.connect_kwargs["dbname"]
        if database not in self._connections:
            self._connections[database] = psycopg.connect(
                **{**self.connect_kwargs, "dbname": database},
                autocommit=True,
                options="-c default_transaction_read_only=on",
                application_name="lineage-portal",
            )
        return self._connections[database]

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def fetch(
        self, window_start: datetime, window_end: datetime, *, on_issue: IssueHandler = log_issue
    ) -> Iterator[QueryRecord]:
        """The materializing statements that ran since the previous snapshot (see the module doc)."""
        seen_at = datetime.now(UTC)
        reset, rows = self._statistics()
        hidden = [row for row in rows if row[5] in (None, HIDDEN_TEXT)]
        if hidden:  # one issue, not one per row: it is the role that needs fixing
            reason = f"{len(hidden)} statements hidden: the role needs pg_read_all_stats"
            on_issue(FetchIssue("pg_stat_statements", reason, skipped=True))
        same_epoch = self.snapshot.get("stats_reset") == reset
        previous = self.snapshot.get("calls", {}) if same_epoch else {}
        calls: dict[str, int] = {}
        ran = [s for s in self._writes(rows, calls) if s.executions_since(previous) > 0]
        objects = self._objects(ran)
        for statement in ran:
            yield statement.record(seen_at, self.default_schema, objects, previous)
        self.snapshot = {"stats_reset": reset, "taken_at": seen_at.isoformat(), "calls": calls}
        if self.save_snapshot is not None:
            self.save_snapshot(self.snapshot)

    def _statistics(self) -> tuple[str, list[tuple]]:
        """When the statistics were last reset, and the rows of the databases read."""
        with self.connection().cursor() as cursor:
            cursor.execute(STATS_RESET_SQL)
            reset = str(cursor.fetchone()[0])
            cursor.execute(STATEMENTS_SQL, (self.databases,))
            return reset, cursor.fetchall()

    def _writes(self, rows: list[tuple], calls: dict[str, int]) -> Iterator[_Statement]:
        """The rows that write data, parsed; their counts go into ``calls``."""
        for queryid, userid, dbid, toplevel, count, text, role, database in rows:
            if text in (None, HIDDEN_TEXT) or not might_write(text):
                continue
            result = default_parser().parse(
                text, dialect=self.dialect, default_db=database, default_schema=self.default_schema
            )
            query_type = query_type_of(text, result)
            if query_type is not None:
                key = f"{dbid}:{userid}:{queryid}:{'t' if toplevel else 'f'}"
                calls[key] = count
                yield _Statement(key, str(queryid), text, query_type, role, database, result, count)

    def _objects(self, ran: list[_Statement]) -> dict[str, AccessedObject]:
        """Every table the statements name, with its oid where it still exists."""
        names = {name for s in ran for name in (*s.result.in_tables, *s.result.out_tables)}
        objects = {name: AccessedObject(name) for name in names}
        by_database: dict[str, list[tuple[str, str, str]]] = {}
        for name in names:
            parts = name.split(".")
            if len(parts) == 3 and parts[0] in self.databases:
                by_database.setdefault(parts[0], []).append((name, parts[1], parts[2]))
        for database, tables in by_database.items():
            with self.connection(database).cursor() as cursor:
                cursor.execute(OBJECTS_SQL, ([t[1] for t in tables], [t[2] for t in tables]))
                for schema, table, oid, relkind in cursor.fetchall():
                    name = f"{database}.{schema}.{table}"
                    domain = RELATION_DOMAINS.get(relkind, "Table")
                    objects[name] = AccessedObject(name, domain, object_id=oid)
        return objects

    def fetch_columns(self) -> list[KnownColumn]:
        """Every column of every database read, for ``SELECT *`` expansion and the catalog."""
        columns = []
        for database in self.databases:
            with self.connection(database).cursor() as cursor:
                cursor.execute(COLUMNS_SQL)
                columns += [
                    KnownColumn(
                        table=f"{catalog_name}.{schema}.{table}",
                        column=column,
                        data_type=data_type or "",
                        ordinal=int(ordinal or 0),
                        table_id=table_id,
                    )
                    for catalog_name, schema, table, column, data_type, ordinal, table_id in (
                        cursor.fetchall()
                    )
                ]
        return columns


def save_source_snapshot(source_id: int, snapshot: dict) -> None:
    """Keep the snapshot in the Source's options (locked: options are edited elsewhere too)."""
    with transaction.atomic():
        row = Source.objects.select_for_update().get(pk=source_id)
        row.options = {**(row.options or {}), SNAPSHOT_OPTION: snapshot}
        row.save(update_fields=["options"])
