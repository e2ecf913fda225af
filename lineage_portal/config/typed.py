"""The configuration in effect as frozen dataclasses: the one way code reads it.

``engine()`` builds them from ``settings.LINEAGE_CONFIG`` (the validated file, with the
environment's connections applied) and keeps them until that setting is replaced, so a
test's ``override_settings(LINEAGE_CONFIG=…)`` is seen at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Retry:
    """How often a failed ingestion window is tried, and the pauses between tries.

    The pause doubles from ``backoff_seconds`` up to ``backoff_max_seconds``; ``jitter``
    spreads retries of many windows so they do not all come back at once.
    """

    attempts: int
    backoff_seconds: int
    backoff_max_seconds: int
    jitter: bool


@dataclass(frozen=True)
class QueryFilters:
    """Which statements become lineage (``telemetry.query_filters``)."""

    include_types: tuple[str, ...]
    exclude_temporary: bool
    exclude_users: tuple[str, ...]
    successful_only: bool


@dataclass(frozen=True)
class Telemetry:
    """Where lineage comes from and how it is fetched."""

    provider: str
    role: str
    backfill_days: int
    scan_interval_minutes: int
    window_hours: int
    batch_size: int
    retry: Retry
    lease_seconds: int
    visibility_timeout_seconds: int
    query_filters: QueryFilters


@dataclass(frozen=True)
class Graph:
    """The graph store: which backend, where, and what it creates."""

    type: str
    uri: str
    credentials: str
    max_depth: int
    write_batch_size: int
    indexes: tuple[str, ...]


@dataclass(frozen=True)
class Compliance:
    """Policy: review cycle, steward enforcement, and how tags map to risk."""

    classification_db: str
    review_cycle_days: int
    steward_enforcement: bool
    regulated_tags: tuple[str, ...]
    risk_thresholds: Mapping[str, str]
    risk_tags: Mapping[str, tuple[str, ...]]

    def risk_key(self, tags: Iterable[str]) -> str | None:
        """The risk key of the highest level any of ``tags`` maps to.

        Tags that map to no key fall to the first key listed with no tags (the catch-all,
        ``public_data`` by default); None when there is no such key.
        """
        order = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
        slugs = {tag.lower() for tag in tags}
        matched = [key for key, listed in self.risk_tags.items() if slugs & set(listed)]
        if matched:
            return min(matched, key=lambda key: order[self.risk_thresholds[key]])
        return next((key for key, listed in self.risk_tags.items() if not listed), None)

    def risk_level(self, tags: Iterable[str]) -> str:
        """HIGH, MEDIUM or LOW for an asset carrying ``tags`` (LOW without a catch-all key)."""
        key = self.risk_key(tags)
        return self.risk_thresholds[key] if key is not None else "LOW"


@dataclass(frozen=True)
class Email:
    """Who alert e-mails go to and how they are signed; SMTP itself is Django's EMAIL_*."""

    to: tuple[str, ...]
    sender: str
    subject_prefix: str


@dataclass(frozen=True)
class Monitoring:
    """Alerts: where they go, which kinds, and how often at most."""

    slack_webhook: str
    alert_on: tuple[str, ...]
    digest_kinds: tuple[str, ...]
    digest_hour: int
    rate_limit_per_hour: int
    group_seconds: int
    portal_url: str
    email: Email


@dataclass(frozen=True)
class Reports:
    """Evidence reports: whose they are, where their files are kept, when they go to a worker."""

    organisation: str
    directory: str
    background_rows: int


@dataclass(frozen=True)
class OpenLineage:
    """What one event posted to ``/api/v1/lineage`` may hold, and how a busy store answers."""

    max_future_skew_hours: int
    max_inputs: int
    max_outputs: int
    max_dataset_edges: int
    max_column_edges: int
    queue_above_bytes: int
    retry_after_seconds: int
    store_lock_timeout_seconds: int


@dataclass(frozen=True)
class Engine:
    """The whole configuration in effect."""

    telemetry: Telemetry
    graph: Graph
    compliance: Compliance
    monitoring: Monitoring
    reports: Reports
    openlineage: OpenLineage


def build_engine(config: dict[str, Any]) -> Engine:
    """Frozen dataclasses from a validated configuration mapping."""
    t, g, c, m, r = (
        config[s] for s in ("telemetry", "graph", "compliance", "monitoring", "reports")
    )
    filters = t["query_filters"]
    return Engine(
        telemetry=Telemetry(
            provider=t["provider"],
            role=t["role"],
            backfill_days=t["backfill_days"],
            scan_interval_minutes=t["scan_interval_minutes"],
            window_hours=t["window_hours"],
            batch_size=t["batch_size"],
            retry=Retry(**t["retry"]),
            lease_seconds=t["lease_seconds"],
            visibility_timeout_seconds=t["visibility_timeout_seconds"],
            query_filters=QueryFilters(
                include_types=tuple(filters["include_types"]),
                exclude_temporary=filters["exclude_temporary"],
                exclude_users=tuple(filters["exclude_users"]),
                successful_only=filters["successful_only"],
            ),
        ),
        graph=Graph(**{**g, "indexes": tuple(g["indexes"])}),
        compliance=Compliance(
            classification_db=c["classification_db"],
            review_cycle_days=c["review_cycle_days"],
            steward_enforcement=c["steward_enforcement"],
            regulated_tags=tuple(c["regulated_tags"]),
            risk_thresholds=MappingProxyType(dict(c["risk_thresholds"])),
            risk_tags=MappingProxyType({k: tuple(v) for k, v in c["risk_tags"].items()}),
        ),
        monitoring=Monitoring(
            **{k: v for k, v in m.items() if k not in {"email", "alert_on", "digest_kinds"}},
            alert_on=tuple(m["alert_on"]),
            digest_kinds=tuple(m["digest_kinds"]),
            email=Email(
                to=tuple(m["email"]["to"]),
                sender=m["email"]["from"],
                subject_prefix=m["email"]["subject_prefix"],
            ),
        ),
        reports=Reports(**r),
        openlineage=OpenLineage(**config["openlineage"]),
    )


_lock = threading.Lock()
_cached: tuple[object, Engine] | None = None


def engine() -> Engine:
    """The configuration in effect (``settings.LINEAGE_CONFIG``), typed and frozen."""
    from django.conf import settings

    global _cached
    current = settings.LINEAGE_CONFIG
    with _lock:
        if _cached is None or _cached[0] is not current:
            _cached = (current, build_engine(current))
        return _cached[1]
