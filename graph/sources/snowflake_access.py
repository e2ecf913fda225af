"""Snowflake's access-control views: who holds which grant, and the tags and policies on objects.

* ``ACCOUNT_USAGE.GRANTS_TO_ROLES``: privileges granted to roles (and roles granted to
  roles), current state. A revoked grant keeps its row with ``DELETED_ON`` set.
* ``ACCOUNT_USAGE.TAG_REFERENCES``: tag values set on tables and columns.
* ``ACCOUNT_USAGE.POLICY_REFERENCES``: masking and row access policies attached to them.

The rows come back as plain records with the warehouse's own (upper-case) names; a row
that cannot be used is reported as a ``FetchIssue`` (naming the view and the row) and
skipped. What the records mean for the graph or for governance is for the caller to say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from .base import FetchIssue, IssueHandler

T = TypeVar("T")

GRANTS_SQL = """
SELECT CREATED_ON, MODIFIED_ON, PRIVILEGE, GRANTED_ON, NAME, TABLE_CATALOG, TABLE_SCHEMA,
       GRANTED_TO, GRANTEE_NAME, GRANT_OPTION, GRANTED_BY, DELETED_ON,
       DELETED_ON IS NOT NULL AS REVOKED
FROM SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES
WHERE GRANTED_ON IN ({kinds}) {live}
ORDER BY GRANTEE_NAME, TABLE_CATALOG, TABLE_SCHEMA, NAME, PRIVILEGE, CREATED_ON
"""
# Objects whose grants tell who can read data, and role grants (the role hierarchy).
GRANTED_ON_KINDS = (
    "TABLE",
    "VIEW",
    "MATERIALIZED_VIEW",
    "MATERIALIZED VIEW",
    "EXTERNAL_TABLE",
    "DYNAMIC_TABLE",
    "EVENT_TABLE",
    "ROLE",
)

TAG_REFERENCES_SQL = """
SELECT TAG_DATABASE, TAG_SCHEMA, TAG_NAME, TAG_VALUE, OBJECT_DATABASE, OBJECT_SCHEMA,
       OBJECT_NAME, DOMAIN, COLUMN_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES
WHERE DOMAIN IN ('TABLE', 'COLUMN') AND OBJECT_DELETED IS NULL
ORDER BY OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, COLUMN_NAME, TAG_NAME
"""

POLICY_REFERENCES_SQL = """
SELECT POLICY_DB, POLICY_SCHEMA, POLICY_NAME, POLICY_KIND, REF_DATABASE_NAME,
       REF_SCHEMA_NAME, REF_ENTITY_NAME, REF_ENTITY_DOMAIN, REF_COLUMN_NAME, POLICY_STATUS
FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES
ORDER BY REF_DATABASE_NAME, REF_SCHEMA_NAME, REF_ENTITY_NAME, REF_COLUMN_NAME, POLICY_NAME
"""


@dataclass(frozen=True)
class GrantRecord:
    """One row of GRANTS_TO_ROLES: ``privilege`` on an object, held by role ``grantee``.

    For ``granted_on == "ROLE"`` the object is a role: ``grantee`` was granted role
    ``name`` and holds its privileges.
    """

    privilege: str
    granted_on: str  # TABLE | VIEW | MATERIALIZED_VIEW | ROLE | …, underscores for spaces
    name: str
    database: str | None
    schema: str | None
    granted_to: str  # ROLE | DATABASE_ROLE
    grantee: str
    grant_option: bool = False
    granted_by: str | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    deleted_on: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.deleted_on is not None

    @property
    def is_role_grant(self) -> bool:
        return self.granted_on == "ROLE"

    @property
    def object_name(self) -> str:
        """``DATABASE.SCHEMA.NAME`` of a table-like object; the role's name for a role grant."""
        if self.is_role_grant:
            return self.name
        return f"{self.database}.{self.schema}.{self.name}"


@dataclass(frozen=True)
class TagReference:
    """A tag value set on a table or a column (one row of TAG_REFERENCES)."""

    tag_database: str
    tag_schema: str
    tag_name: str
    tag_value: str | None
    database: str
    schema: str
    table: str
    domain: str  # TABLE | COLUMN
    column: str | None = None

    @property
    def tag(self) -> str:
        return f"{self.tag_database}.{self.tag_schema}.{self.tag_name}"

    @property
    def object_name(self) -> str:
        return f"{self.database}.{self.schema}.{self.table}"


@dataclass(frozen=True)
class PolicyReference:
    """A masking or row access policy attached to a table or column (POLICY_REFERENCES)."""

    policy_database: str
    policy_schema: str
    policy_name: str
    policy_kind: str  # MASKING_POLICY | ROW_ACCESS_POLICY | …
    database: str
    schema: str
    table: str
    domain: str  # TABLE | VIEW | …
    column: str | None = None
    status: str = "ACTIVE"

    @property
    def policy(self) -> str:
        return f"{self.policy_database}.{self.policy_schema}.{self.policy_name}"

    @property
    def object_name(self) -> str:
        return f"{self.database}.{self.schema}.{self.table}"


def grants_sql(*, include_deleted: bool) -> tuple[str, list[str]]:
    """GRANTS_SQL for the object kinds that matter, and its parameters."""
    kinds = ", ".join(["%s"] * len(GRANTED_ON_KINDS))
    live = "" if include_deleted else "AND DELETED_ON IS NULL"
    return GRANTS_SQL.format(kinds=kinds, live=live), list(GRANTED_ON_KINDS)


def records(
    rows: Iterable[dict[str, Any]],
    build: Callable[[dict[str, Any]], T],
    view: str,
    on_issue: IssueHandler,
) -> list[T]:
    """``build`` applied to each row; a row it refuses (ValueError) is reported and skipped."""
    found = []
    for row in rows:
        try:
            found.append(build(row))
        except ValueError as exc:
            described = "/".join(str(v) for v in row.values() if v not in (None, ""))[:200]
            on_issue(FetchIssue(f"{view}:{described}", f"{view}: {exc}", skipped=True))
    return found


def grant_from_row(row: dict[str, Any]) -> GrantRecord:
    """A GrantRecord from a GRANTS_TO_ROLES row; ValueError says what is missing."""
    granted_on = _text(row.get("GRANTED_ON")).upper().replace(" ", "_")
    needed = ["PRIVILEGE", "GRANTED_ON", "NAME", "GRANTEE_NAME"]
    if granted_on != "ROLE":
        needed += ["TABLE_CATALOG", "TABLE_SCHEMA"]
    _require(row, needed)
    return GrantRecord(
        privilege=_text(row["PRIVILEGE"]).upper(),
        granted_on=granted_on,
        name=_text(row["NAME"]),
        database=_text(row.get("TABLE_CATALOG")) or None,
        schema=_text(row.get("TABLE_SCHEMA")) or None,
        granted_to=_text(row.get("GRANTED_TO")).upper() or "ROLE",
        grantee=_text(row["GRANTEE_NAME"]),
        grant_option=str(row.get("GRANT_OPTION")).lower() == "true",
        granted_by=_text(row.get("GRANTED_BY")) or None,
        created_on=_utc(row.get("CREATED_ON")),
        modified_on=_utc(row.get("MODIFIED_ON")),
        # Decided by REVOKED, not by DELETED_ON being None: some drivers (and the demo
        # emulator) hand back a NULL timestamp as the Unix epoch.
        deleted_on=_utc(row.get("DELETED_ON")) if row.get("REVOKED") else None,
    )


def tag_from_row(row: dict[str, Any]) -> TagReference:
    """A TagReference from a TAG_REFERENCES row; a column tag must name its column."""
    domain = _text(row.get("DOMAIN")).upper()
    needed = ["TAG_DATABASE", "TAG_SCHEMA", "TAG_NAME", "OBJECT_DATABASE", "OBJECT_SCHEMA"]
    _require(row, [*needed, "OBJECT_NAME", *(["COLUMN_NAME"] if domain == "COLUMN" else [])])
    return TagReference(
        tag_database=_text(row["TAG_DATABASE"]),
        tag_schema=_text(row["TAG_SCHEMA"]),
        tag_name=_text(row["TAG_NAME"]),
        tag_value=None if row.get("TAG_VALUE") is None else _text(row["TAG_VALUE"]),
        database=_text(row["OBJECT_DATABASE"]),
        schema=_text(row["OBJECT_SCHEMA"]),
        table=_text(row["OBJECT_NAME"]),
        domain=domain,
        column=(_text(row.get("COLUMN_NAME")) or None) if domain == "COLUMN" else None,
    )


def policy_from_row(row: dict[str, Any]) -> PolicyReference:
    """A PolicyReference from a POLICY_REFERENCES row; a masking policy needs its column."""
    kind = _text(row.get("POLICY_KIND")).upper()
    needed = ["POLICY_DB", "POLICY_SCHEMA", "POLICY_NAME", "POLICY_KIND", "REF_DATABASE_NAME"]
    needed += ["REF_SCHEMA_NAME", "REF_ENTITY_NAME"]
    _require(row, [*needed, *(["REF_COLUMN_NAME"] if kind == "MASKING_POLICY" else [])])
    return PolicyReference(
        policy_database=_text(row["POLICY_DB"]),
        policy_schema=_text(row["POLICY_SCHEMA"]),
        policy_name=_text(row["POLICY_NAME"]),
        policy_kind=kind,
        database=_text(row["REF_DATABASE_NAME"]),
        schema=_text(row["REF_SCHEMA_NAME"]),
        table=_text(row["REF_ENTITY_NAME"]),
        domain=_text(row.get("REF_ENTITY_DOMAIN")).upper() or "TABLE",
        column=_text(row.get("REF_COLUMN_NAME")) or None,
        status=_text(row.get("POLICY_STATUS")).upper() or "ACTIVE",
    )


def _require(row: dict[str, Any], columns: list[str]) -> None:
    missing = [c for c in columns if not _text(row.get(c))]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
