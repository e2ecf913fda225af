"""Snowflake: statements from ACCOUNT_USAGE.QUERY_HISTORY joined with ACCESS_HISTORY.

Read-only (the ``LINEAGE_OBSERVER`` role needs IMPORTED PRIVILEGES on the SNOWFLAKE
database) and through the official connector only. The local demo emulator is reached
the same way: only host, port and protocol differ.

ACCESS_HISTORY gives Snowflake's own column lineage (``OBJECTS_MODIFIED[].columns[]
.directSources``) and who read what (``BASE_OBJECTS_ACCESSED``). Its JSON is not always
whole: an over-long record is kept as a string cut short, and entries the account could
not resolve carry ``objectId`` -1. Those parts are reported as issues and left out; the
statement is still returned, so the SQL parser can stand in for the missing lineage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import snowflake.connector
from django.conf import settings

from lineage_portal.config import engine

from . import snowflake_access as access
from .base import (
    AccessedColumn,
    AccessedObject,
    ColumnSource,
    FetchIssue,
    IssueHandler,
    KnownColumn,
    LineageSource,
    QueryRecord,
    log_issue,
)

QUERY_SQL = """
SELECT q.QUERY_ID, q.QUERY_TEXT, q.QUERY_TYPE, q.DATABASE_NAME, q.SCHEMA_NAME, q.USER_NAME,
       q.ROLE_NAME, q.EXECUTION_STATUS, q.ERROR_MESSAGE, q.START_TIME, q.END_TIME,
       q.ROWS_PRODUCED, q.QUERY_TAG,
       a.DIRECT_OBJECTS_ACCESSED, a.BASE_OBJECTS_ACCESSED, a.OBJECTS_MODIFIED
FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY q
LEFT JOIN SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY a
  ON a.QUERY_ID = q.QUERY_ID AND a.QUERY_START_TIME >= %s AND a.QUERY_START_TIME < %s
WHERE q.START_TIME >= %s AND q.START_TIME < %s
ORDER BY q.START_TIME, q.QUERY_ID
"""

# The warehouse's own count for the completeness check; {types} is one
# "(QUERY_TYPE = %s OR STARTSWITH(QUERY_TYPE, %s))" per materializing type, all bound.
COUNT_MATERIALIZING_SQL = """
SELECT COUNT(*)
FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY
WHERE START_TIME >= %s AND START_TIME < %s AND EXECUTION_STATUS = 'SUCCESS'
  AND ({types})
"""

COLUMNS_SQL = """
SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, ORDINAL_POSITION, TABLE_ID
FROM SNOWFLAKE.ACCOUNT_USAGE.COLUMNS
WHERE DELETED IS NULL
ORDER BY TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION
"""

# Options a Source row may set; everything else (the password above all) comes from settings.
CONNECTION_OPTIONS = ("account", "user", "role", "warehouse", "host", "port", "protocol")
# The demo emulator (fakesnow) checks no credentials, but the connector insists on some.
EMULATOR_PASSWORD = "emulator"
# ACCESS_HISTORY lags QUERY_HISTORY by up to three hours; incremental windows stay behind it.
DEFAULT_LATENCY_MINUTES = 180
FETCH_BATCH = 2000

_STATUS = {"SUCCESS": "SUCCESS", "FAIL": "FAILED", "FAILED": "FAILED", "INCIDENT": "FAILED"}


def connection_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """Connector arguments: settings.SNOWFLAKE overlaid with the Source's non-secret options."""
    conf = dict(settings.SNOWFLAKE)
    conf.update(
        {key: options[key] for key in CONNECTION_OPTIONS if options.get(key) not in (None, "")}
    )
    if not conf.get("password") and options.get("emulator"):
        conf["password"] = EMULATOR_PASSWORD
    kwargs = {key: value for key, value in conf.items() if value not in (None, "")}
    if "host" not in kwargs:  # a real account: the connector derives the host from the account
        kwargs.pop("port", None)
        kwargs.pop("protocol", None)
    kwargs["session_parameters"] = {
        "CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False,
        "QUERY_TAG": "lineage-portal",
    }
    kwargs["login_timeout"] = int(options.get("login_timeout", 60))
    return kwargs


class SnowflakeSource(LineageSource):
    """Fetches a window of query history from one Snowflake account."""

    platform = "snowflake"
    dialect = "snowflake"

    def __init__(self, *, connect_kwargs: dict[str, Any], latency: timedelta | None = None):
        self.connect_kwargs = connect_kwargs
        self.latency = timedelta(minutes=DEFAULT_LATENCY_MINUTES) if latency is None else latency
        self._connection = None

    @classmethod
    def from_model(cls, source) -> SnowflakeSource:
        """The source for a ``graph.models.Source`` row of kind snowflake."""
        options = source.options or {}
        latency = timedelta(minutes=int(options.get("latency_minutes", DEFAULT_LATENCY_MINUTES)))
        return cls(connect_kwargs=connection_kwargs(options), latency=latency)

    def connection(self):
        if self._connection is None:
            self._connection = snowflake.connector.connect(**self.connect_kwargs)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def fetch(
        self, window_start: datetime, window_end: datetime, *, on_issue: IssueHandler = log_issue
    ) -> Iterator[QueryRecord]:
        """Statements that started in [window_start, window_end), oldest first."""
        params = (window_start, window_end, window_start, window_end)
        with self.connection().cursor(snowflake.connector.DictCursor) as cursor:
            cursor.execute(QUERY_SQL, params)
            while rows := cursor.fetchmany(FETCH_BATCH):
                for row in rows:
                    record = record_from_row(row, on_issue)
                    if record is not None:
                        yield record

    def count_materializing(
        self,
        window_start: datetime,
        window_end: datetime,
        *,
        query_types: Sequence[str] | None = None,
    ) -> int:
        """Successful statements of a materializing QUERY_TYPE started in [window_start, window_end).

        A type matches itself and its ``_``-suffixed variants (ALTER: ALTER_TABLE_ADD_COLUMN),
        as the pipeline's filter does; by default the types of ``telemetry.query_filters``.
        """
        types = [t.upper() for t in query_types or engine().telemetry.query_filters.include_types]
        where = " OR ".join(["(QUERY_TYPE = %s OR STARTSWITH(QUERY_TYPE, %s))"] * len(types))
        params = [window_start, window_end]
        for query_type in types:
            params += [query_type, query_type + "_"]
        with self.connection().cursor() as cursor:
            cursor.execute(COUNT_MATERIALIZING_SQL.format(types=where), params)
            return int(cursor.fetchone()[0])

    def fetch_columns(self) -> list[KnownColumn]:
        """Every live column of the account, for ``SELECT *`` expansion and the catalog."""
        with self.connection().cursor() as cursor:
            cursor.execute(COLUMNS_SQL)
            return [
                KnownColumn(
                    table=f"{catalog}.{schema}.{table}",
                    column=column,
                    data_type=data_type or "",
                    ordinal=int(ordinal or 0),
                    table_id=None if table_id is None else str(table_id),
                )
                for catalog, schema, table, column, data_type, ordinal, table_id in cursor.fetchall()
            ]

    # --- access control: GRANTS_TO_ROLES, TAG_REFERENCES, POLICY_REFERENCES (snowflake_access)
    def _dict_rows(self, sql: str, params: Sequence = ()) -> list[dict[str, Any]]:
        with self.connection().cursor(snowflake.connector.DictCursor) as cursor:
            cursor.execute(sql, list(params) or None)
            return cursor.fetchall()

    def fetch_grants(
        self, *, include_deleted: bool = False, on_issue: IssueHandler = log_issue
    ) -> list[access.GrantRecord]:
        """Grants on tables and views, and of roles to roles; revoked ones only if asked."""
        sql, params = access.grants_sql(include_deleted=include_deleted)
        rows = self._dict_rows(sql, params)
        return access.records(rows, access.grant_from_row, "GRANTS_TO_ROLES", on_issue)

    def fetch_tag_references(
        self, *, on_issue: IssueHandler = log_issue
    ) -> list[access.TagReference]:
        """Tag values set on live tables and columns."""
        rows = self._dict_rows(access.TAG_REFERENCES_SQL)
        return access.records(rows, access.tag_from_row, "TAG_REFERENCES", on_issue)

    def fetch_policy_references(
        self, *, on_issue: IssueHandler = log_issue
    ) -> list[access.PolicyReference]:
        """Masking and row access policies attached to tables and columns."""
        rows = self._dict_rows(access.POLICY_REFERENCES_SQL)
        return access.records(rows, access.policy_from_row, "POLICY_REFERENCES", on_issue)


def record_from_row(row: dict[str, Any], on_issue: IssueHandler) -> QueryRecord | None:
    """A QueryRecord from one joined row, or None (and an issue) when the row is unusable."""
    query_id = row.get("QUERY_ID") or ""
    text = row.get("QUERY_TEXT")
    missing = [
        name
        for name, value in (
            ("QUERY_ID", query_id),
            ("QUERY_TEXT", text),
            ("START_TIME", row.get("START_TIME")),
        )
        if not value
    ]
    if missing:
        on_issue(FetchIssue(query_id, f"missing {', '.join(missing)}", text or "", skipped=True))
        return None
    has_access = any(
        row.get(key) is not None
        for key in ("OBJECTS_MODIFIED", "DIRECT_OBJECTS_ACCESSED", "BASE_OBJECTS_ACCESSED")
    )

    def objects(key: str) -> tuple[AccessedObject, ...]:
        return parse_objects(
            row.get(key), field=key, query_id=query_id, text=text, on_issue=on_issue
        )

    status = str(row.get("EXECUTION_STATUS") or "").upper()
    return QueryRecord(
        query_id=query_id,
        text=text,
        query_type=str(row.get("QUERY_TYPE") or "UNKNOWN").upper(),
        execution_status=_STATUS.get(status, status or "UNKNOWN"),
        start_time=_utc(row["START_TIME"]),
        end_time=_utc(row.get("END_TIME")),
        error=row.get("ERROR_MESSAGE"),
        user=row.get("USER_NAME"),
        role=row.get("ROLE_NAME"),
        database=row.get("DATABASE_NAME"),
        schema=row.get("SCHEMA_NAME"),
        query_tag=row.get("QUERY_TAG") or None,
        job=job_from_query_tag(row.get("QUERY_TAG")),
        rows_produced=row.get("ROWS_PRODUCED"),
        objects_modified=objects("OBJECTS_MODIFIED"),
        direct_objects_accessed=objects("DIRECT_OBJECTS_ACCESSED"),
        base_objects_accessed=objects("BASE_OBJECTS_ACCESSED"),
        has_access_history=has_access,
    )


def job_from_query_tag(query_tag: str | None) -> str | None:
    """The scheduler's job from a QUERY_TAG: Airflow and dbt set JSON; others plain text."""
    if not query_tag:
        return None
    try:
        tag = json.loads(query_tag)
    except ValueError:
        return query_tag[:512]
    if not isinstance(tag, dict):
        return query_tag[:512]
    if tag.get("dag_id") and tag.get("task_id"):
        return f"{tag['dag_id']}.{tag['task_id']}"
    return str(tag.get("node_id") or tag.get("job") or tag.get("task_id") or query_tag)[:512]


def parse_objects(
    raw: Any, *, field: str, query_id: str, text: str, on_issue: IssueHandler
) -> tuple[AccessedObject, ...]:
    """The objects of one ACCESS_HISTORY array; damaged parts are reported and dropped."""
    if raw is None:
        return ()

    def issue(reason: str) -> tuple:
        on_issue(FetchIssue(query_id, f"ACCESS_HISTORY.{field}: {reason}", text))
        return ()

    value = raw
    for _ in range(2):  # a VARIANT holding a JSON string holds the array one level down
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value)
        except ValueError as exc:
            kind = "truncated" if "TRUNCATED" in value[-40:].upper() else "unparseable JSON"
            return issue(f"{kind}: {exc.msg}, char {exc.pos} of {len(value)}")
    if not isinstance(value, list):
        return issue(f"expected an array, got {type(value).__name__}")
    result = []
    for entry in value:
        obj = _object(entry)
        if obj is None:
            issue(f"unusable entry skipped: {json.dumps(entry)[:120]}")
        else:
            result.append(obj)
    return tuple(result)


def _truncated(entry: dict) -> bool:
    return str(entry.get("objectId")) == "-1" or entry.get("objectName") in (None, "", "TRUNCATED")


def _object(entry: Any) -> AccessedObject | None:
    if not isinstance(entry, dict) or _truncated(entry):
        return None
    columns = tuple(
        AccessedColumn(
            name=str(col["columnName"]),
            column_id=_id(col.get("columnId")),
            direct_sources=_sources(col.get("directSources")),
            base_sources=_sources(col.get("baseSources")),
        )
        for col in entry.get("columns") or ()
        if isinstance(col, dict) and col.get("columnName")
    )
    return AccessedObject(
        name=str(entry["objectName"]),
        domain=str(entry.get("objectDomain") or "Table"),
        object_id=_id(entry.get("objectId")),
        columns=columns,
    )


def _sources(raw: Any) -> tuple[ColumnSource, ...]:
    return tuple(
        ColumnSource(
            object_name=str(src["objectName"]),
            column_name=str(src["columnName"]),
            object_domain=str(src.get("objectDomain") or "Table"),
            object_id=_id(src.get("objectId")),
        )
        for src in raw or ()
        if isinstance(src, dict)
        and src.get("objectName")
        and src.get("columnName")
        and not _truncated(src)
    )


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
