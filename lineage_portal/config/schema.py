"""What the configuration file may say: every key, its default, and its older spellings.

The schema is the defaults: each leaf's type is the type of its default value. The
original template's keys (``telemetry.provider``, ``graph.type``, ``compliance.
risk_thresholds``, ``monitoring.slack_webhook`` …) are the canonical names; the names
this product used before them are accepted as aliases and folded into the canonical key.
"""

from __future__ import annotations

from typing import Any

RISK_LEVELS = ("HIGH", "MEDIUM", "LOW")
PROVIDERS = ("snowflake", "postgres", "bigquery")
GRAPH_TYPES = ("auto", "neo4j", "embedded")

# Statement kinds a ``telemetry.query_filters`` list may name. A kind also matches its
# ``_``-suffixed variants: ALTER_TABLE matches ALTER_TABLE_ADD_COLUMN.
STATEMENT_KINDS = (
    "CREATE_TABLE_AS_SELECT",
    "CREATE_TABLE",
    "CREATE_VIEW",
    "CREATE_MATERIALIZED_VIEW",
    "INSERT",
    "MERGE",
    "UPDATE",
    "DELETE",
    "COPY",
    "ALTER",
    "ALTER_TABLE",
    "RENAME",
    "RENAME_TABLE",
    "UNLOAD",
)

# Alert kinds ``monitoring.alert_on`` may name (the exposure findings, and failed backfills).
ALERT_KINDS = (
    "unmasked_pii_path",
    "unmasked_regulated_path",
    "steward_missing",
    "review_overdue",
    "failed_backfill",
)
# Older names of alert kinds, still accepted in ``alert_on``.
ALERT_KIND_ALIASES = {"pii_exposure": "unmasked_pii_path"}

# Names ``graph.indexes`` may list: the graph store's constraints and indexes.
GRAPH_INDEXES = (
    "dataset_key",
    "column_key",
    "principal_name",
    "alias_key",
    "dataset_object_id",
    "column_dataset_key",
    "alias_target",
    "ingest_state_scope",
)

DEFAULT_INCLUDE_TYPES = [
    "CREATE_TABLE_AS_SELECT",
    "INSERT",
    "MERGE",
    "UPDATE",
    "COPY",
    "CREATE_VIEW",
    "ALTER",
    "RENAME",
]

DEFAULTS: dict[str, Any] = {
    "telemetry": {
        "provider": "snowflake",
        "role": "LINEAGE_OBSERVER",
        "backfill_days": 90,
        "scan_interval_minutes": 15,
        "window_hours": 24,
        "batch_size": 5000,
        "retry": {"attempts": 3, "backoff_seconds": 5, "backoff_max_seconds": 300, "jitter": True},
        # A running window's lease: heartbeats renew it every quarter of it; a window whose
        # lease ran out (its process was killed) is swept, queued again or failed.
        "lease_seconds": 60,
        # How long the broker keeps a delivered message unacknowledged before it sends it
        # again, and how long a queued window may wait before the sweeper resends it.
        "visibility_timeout_seconds": 1800,
        "query_filters": {
            "include_types": DEFAULT_INCLUDE_TYPES,
            "exclude_temporary": True,
            "exclude_users": [],
            "successful_only": False,
        },
    },
    "graph": {
        "type": "auto",
        "uri": "",
        "credentials": "",
        "max_depth": 10,
        "write_batch_size": 1000,
        "indexes": list(GRAPH_INDEXES),
    },
    "compliance": {
        "classification_db": "",
        "review_cycle_days": 90,
        "steward_enforcement": True,
        "regulated_tags": ["pii", "financial", "phi", "pci", "hipaa", "gdpr", "ccpa", "sox"],
        "risk_thresholds": {
            "pii_exposure": "HIGH",
            "financial_data": "MEDIUM",
            "public_data": "LOW",
        },
        "risk_tags": {
            "pii_exposure": ["pii", "gdpr", "ccpa", "hipaa", "phi"],
            "financial_data": ["financial", "sox", "pci"],
            "public_data": [],
        },
    },
    "monitoring": {
        "slack_webhook": "",
        "alert_on": ["unmasked_pii_path", "failed_backfill", "steward_missing"],
        "digest_kinds": ["steward_missing", "review_overdue"],
        "digest_hour": 7,
        "rate_limit_per_hour": 20,
        "group_seconds": 60,
        "portal_url": "http://127.0.0.1:8000",
        "email": {
            "to": [],
            "from": "lineage-portal@localhost",
            "subject_prefix": "[Lineage Portal] ",
        },
    },
    "reports": {
        "organisation": "",
        "directory": "var/reports",
        "background_rows": 2000,
    },
    # POST /api/v1/lineage: what one event may hold, and how far ahead of our clock it may be.
    "openlineage": {
        "max_future_skew_hours": 24,
        "max_inputs": 500,
        "max_outputs": 500,
        "max_dataset_edges": 10000,
        "max_column_edges": 20000,
        "queue_above_bytes": 262144,
        "retry_after_seconds": 5,
        "store_lock_timeout_seconds": 5,
    },
}

# Mappings whose keys the user chooses (risk keys); their values are still checked.
FREE_FORM = {("compliance", "risk_thresholds"), ("compliance", "risk_tags")}

# (section, older name) -> canonical name, for keys that were renamed to the template's.
ALIASES: dict[tuple[str, str], str] = {
    ("telemetry", "warehouse"): "provider",
    ("graph", "backend"): "type",
    ("compliance", "risk_levels"): "risk_thresholds",
    ("monitoring", "slack_webhook_url"): "slack_webhook",
}
