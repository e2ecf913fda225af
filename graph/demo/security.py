"""The demo account's access control: GRANTS_TO_ROLES, TAG_REFERENCES, POLICY_REFERENCES rows.

The roles match the statements of the history: LOADER owns RAW, TRANSFORMER (dbt) owns
the models and reads RAW, both granted to ETL, which SYSADMIN holds. MARKETING may read
the leaky marketing export; ANALYST was granted MARKETING (so analysts can read it too)
and FINANCE was granted ANALYST. MARKETING's old SELECT on RAW.CUSTOMERS was revoked
(its row keeps ``DELETED_ON``). LINEAGE_OBSERVER only has the SNOWFLAKE database.

Tags and policies: a ``PII`` tag (EMAIL, PHONE) on customer contact columns, GDPR and
SOX tags on tables, Snowflake's own classification tags on the web events' IP address,
a cost-centre tag nobody maps, masking policies on e-mail, phone and card columns and a
row access policy on RAW.CUSTOMERS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .warehouse import DATABASE, RENAMED_FROM, VIEWS, demo_tables

MARKETING_READS = (
    "MARTS.MARKETING_EXPORT",
    "MARTS.CAMPAIGN_PERFORMANCE",
    "MARTS.CUSTOMER_SEGMENTS",
)
FINANCE_READS = (
    "RAW.PAYMENTS",
    "RAW.INVOICES",
    "RAW.LEDGER_ENTRIES",
    "ANALYTICS.FCT_PAYMENTS",
    "ANALYTICS.FCT_LEDGER_BALANCES",
    "ANALYTICS.FCT_REVENUE_DAILY",
    "MARTS.FINANCE_KPIS",
)
REPORTING_READS = ("MARTS.FINANCE_KPIS", "MARTS.SUPPORT_DASHBOARD", "MARTS.CAMPAIGN_PERFORMANCE")
# (role granted, to role): the grantee holds every privilege of the role granted.
ROLE_GRANTS = (
    ("LOADER", "ETL"),
    ("TRANSFORMER", "ETL"),
    ("ETL", "SYSADMIN"),
    ("MARKETING", "ANALYST"),
    ("ANALYST", "FINANCE"),
)
REVOKED = (("MARKETING", "RAW.CUSTOMERS"),)

PII_TAG = ("PROD_DB", "GOVERNANCE", "PII")
# (tag database, schema, name, value, SCHEMA.TABLE, column or None)
TAGS = (
    (*PII_TAG, "EMAIL", "RAW.CUSTOMERS", "EMAIL"),
    (*PII_TAG, "PHONE", "RAW.CUSTOMERS", "PHONE"),
    (*PII_TAG, "EMAIL", "RAW.SUPPORT_TICKETS", "REQUESTER_EMAIL"),
    (*PII_TAG, "EMAIL", "RAW.EMAIL_EVENTS", "EMAIL"),
    ("PROD_DB", "GOVERNANCE", "GDPR", "PERSONAL_DATA", "RAW.CUSTOMERS", None),
    ("PROD_DB", "GOVERNANCE", "SOX", "IN_SCOPE", "RAW.LEDGER_ENTRIES", None),
    ("PROD_DB", "GOVERNANCE", "COST_CENTER", "MARKETING", "MARTS.MARKETING_EXPORT", None),
    ("SNOWFLAKE", "CORE", "PRIVACY_CATEGORY", "IDENTIFIER", "RAW.WEB_EVENTS", "IP_ADDRESS"),
    ("SNOWFLAKE", "CORE", "SEMANTIC_CATEGORY", "IP_ADDRESS", "RAW.WEB_EVENTS", "IP_ADDRESS"),
)
# A tag on a table dropped since: TAG_REFERENCES keeps it with OBJECT_DELETED set.
DROPPED_TAG = (*PII_TAG, "EMAIL", "RAW.CUSTOMERS_BACKUP", "EMAIL")
# (policy name, kind, SCHEMA.TABLE, column or None)
POLICIES = (
    ("EMAIL_MASK", "MASKING_POLICY", "RAW.CUSTOMERS", "EMAIL"),
    ("PHONE_REDACT", "MASKING_POLICY", "RAW.CUSTOMERS", "PHONE"),
    ("EMAIL_HASH", "MASKING_POLICY", "RAW.INVOICES", "BILLING_EMAIL"),
    ("PAN_TOKENIZE", "MASKING_POLICY", "RAW.PAYMENTS", "CARD_LAST4"),
    ("CUSTOMER_REGION", "ROW_ACCESS_POLICY", "RAW.CUSTOMERS", None),
)


def _object_kind(name: str) -> str:
    return "VIEW" if name in VIEWS else "TABLE"


def _grant(privilege, granted_on, name, grantee, at, *, schema=None, by="SYSADMIN", **extra):
    return {
        "CREATED_ON": at,
        "MODIFIED_ON": extra.get("modified", at),
        "PRIVILEGE": privilege,
        "GRANTED_ON": granted_on,
        "NAME": name,
        "TABLE_CATALOG": DATABASE if schema else None,
        "TABLE_SCHEMA": schema,
        "GRANTED_TO": "ROLE",
        "GRANTEE_NAME": grantee,
        "GRANT_OPTION": False,
        "GRANTED_BY": by,
        "DELETED_ON": extra.get("deleted"),
    }


def _on_table(privilege: str, qualified: str, grantee: str, at: datetime, **extra) -> dict:
    schema, table = qualified.split(".")
    return _grant(privilege, _object_kind(qualified), table, grantee, at, schema=schema, **extra)


def grants_to_roles(start: datetime, rename_at: datetime) -> list[dict]:
    """GRANTS_TO_ROLES as of the end of a history that began at ``start``."""
    long_ago, rows = start - timedelta(days=120), []
    for name in demo_tables():
        # A rename keeps a table's grants; their rows show the new name, modified then.
        moved = {"modified": rename_at} if name in RENAMED_FROM else {}
        owner = "LOADER" if name.startswith("RAW.") else "TRANSFORMER"
        rows.append(_on_table("OWNERSHIP", name, owner, long_ago, **moved))
        if name.startswith("RAW."):
            rows.append(_on_table("SELECT", name, "TRANSFORMER", long_ago, by="LOADER"))
        if name.startswith(("ANALYTICS.", "MARTS.")) and name != "MARTS.MARKETING_EXPORT":
            rows.append(_on_table("SELECT", name, "ANALYST", long_ago, by="TRANSFORMER", **moved))
    granted = start - timedelta(days=30)
    for role, names in (
        ("MARKETING", MARKETING_READS),
        ("FINANCE", FINANCE_READS),
        ("REPORTING", REPORTING_READS),
    ):
        rows += [_on_table("SELECT", name, role, granted, by="SECURITYADMIN") for name in names]
    for role, name in REVOKED:
        revoked = {"deleted": start + timedelta(days=1), "modified": start + timedelta(days=1)}
        rows.append(_on_table("SELECT", name, role, long_ago, by="SECURITYADMIN", **revoked))
    rows += [
        _grant("USAGE", "ROLE", role, grantee, long_ago, by="SECURITYADMIN")
        for role, grantee in ROLE_GRANTS
    ]
    # Not about tables: left out by the source's query.
    rows.append(_grant("IMPORTED PRIVILEGES", "DATABASE", "SNOWFLAKE", "LINEAGE_OBSERVER", granted))
    rows.append(_grant("USAGE", "WAREHOUSE", "LINEAGE_WH", "LINEAGE_OBSERVER", granted))
    rows.append(_grant("USAGE", "DATABASE", DATABASE, "ANALYST", long_ago))
    return rows


def _tag_row(tag: tuple, deleted: datetime | None = None) -> dict:
    tag_db, tag_schema, tag_name, value, qualified, column = tag
    schema, table = qualified.split(".")
    return {
        "TAG_DATABASE": tag_db,
        "TAG_SCHEMA": tag_schema,
        "TAG_NAME": tag_name,
        "TAG_VALUE": value,
        "OBJECT_DATABASE": DATABASE,
        "OBJECT_SCHEMA": schema,
        "OBJECT_NAME": table,
        "OBJECT_DELETED": deleted,
        "DOMAIN": "COLUMN" if column else "TABLE",
        "COLUMN_NAME": column,
        "APPLY_METHOD": "CLASSIFIED" if tag_db == "SNOWFLAKE" else "MANUAL",
    }


def tag_references(start: datetime) -> list[dict]:
    """TAG_REFERENCES: the tags above, and one on a table dropped early in the history."""
    return [_tag_row(t) for t in TAGS] + [_tag_row(DROPPED_TAG, deleted=start + timedelta(days=2))]


def policy_references() -> list[dict]:
    """POLICY_REFERENCES: the policies above, all active."""
    rows = []
    for name, kind, qualified, column in POLICIES:
        schema, table = qualified.split(".")
        rows.append(
            {
                "POLICY_DB": DATABASE,
                "POLICY_SCHEMA": "POLICIES",
                "POLICY_NAME": name,
                "POLICY_KIND": kind,
                "REF_DATABASE_NAME": DATABASE,
                "REF_SCHEMA_NAME": schema,
                "REF_ENTITY_NAME": table,
                "REF_ENTITY_DOMAIN": _object_kind(qualified),
                "REF_COLUMN_NAME": column,
                "REF_ARG_COLUMN_NAMES": None if column else '["COUNTRY"]',
                "POLICY_STATUS": "ACTIVE",
            }
        )
    return rows
