"""Generates the demo account's query and access history, deterministically from a seed.

The history ends at ``end`` (by default the current hour) and covers ``days`` days: the
scheduled jobs of ``jobs``/``jobs_models`` hourly or daily, analysts' ad-hoc queries and
temporary tables, a table rename half-way through, a few failed runs (among them the
latest build of MARTS.FINANCE_KPIS), and a couple of damaged rows of the kind a real
account produces (a missing query text, an access history record cut short), which the
source must report and skip past.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import access
from .adhoc import (
    ANALYST_QUERIES,
    BROKEN_JOB,
    BROKEN_JOB_ERROR,
    ONE_OFFS,
    TEMP_SESSIONS,
    TRANSIENT_ERRORS,
    AdHoc,
)
from .jobs import LOAD_JOBS, STAGING_JOBS, Job
from .jobs_models import ANALYTICS_JOBS, MARTS_JOBS
from .warehouse import DATABASE, demo_tables

DEMO_SEED = 20260630
SCHEDULED_JOBS: list[Job] = LOAD_JOBS + STAGING_JOBS + ANALYTICS_JOBS + MARTS_JOBS
FAILURE_RATE = 0.0006
LAST_RUN_FAILS = "finance_kpis"  # its latest run failed: the edges show it
SCHEMA_IDS = {"RAW": 11, "STAGING": 12, "ANALYTICS": 13, "MARTS": 14}


def current_hour() -> datetime:
    """Now, truncated to the hour: the demo history is stable within an hour."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class DemoHistory:
    """Rows for SNOWFLAKE.ACCOUNT_USAGE.{QUERY_HISTORY, ACCESS_HISTORY}, and landmarks."""

    start: datetime
    end: datetime
    rename_at: datetime
    query_history: list[dict] = field(default_factory=list)
    access_history: list[dict] = field(default_factory=list)
    bad_query_ids: dict[str, str] = field(default_factory=dict)  # query id -> what is wrong


class _Generator:
    def __init__(self, *, start: datetime, end: datetime, seed: int):
        self.rng = random.Random(seed)
        self.catalog = access.Catalog(demo_tables())
        day0 = start.replace(hour=0, minute=0, second=0, microsecond=0)
        rename_day = day0 + timedelta(days=int((end - start).days * 0.5))
        self.history = DemoHistory(
            start, end, rename_at=rename_day + timedelta(minutes=9 * 60 + 12)
        )
        self.session = 7_000_000

    # --- rows ---------------------------------------------------------------
    def query_id(self) -> str:
        bits = f"{self.rng.getrandbits(128):032x}"
        return f"01b{bits[:5]}-{bits[5:9]}-{bits[9:13]}-0000-{bits[13:25]}"

    def add(
        self,
        stmt: AdHoc,
        at: datetime,
        *,
        tag: str = "",
        lineage: dict | None = None,
        error: tuple[str, str] | None = None,
    ) -> str:
        """One QUERY_HISTORY row (and its ACCESS_HISTORY row when it succeeded)."""
        query_id = self.query_id()
        sql = self.era(stmt.sql, at)
        elapsed = self.rng.randint(150, 90_000)
        self.history.query_history.append(
            {
                "QUERY_ID": query_id,
                "QUERY_TEXT": sql,
                "DATABASE_ID": 1,
                "DATABASE_NAME": DATABASE,
                "SCHEMA_ID": SCHEMA_IDS.get(stmt.schema),
                "SCHEMA_NAME": stmt.schema,
                "QUERY_TYPE": stmt.query_type,
                "SESSION_ID": self.session_id(stmt.user),
                "USER_NAME": stmt.user,
                "ROLE_NAME": stmt.role,
                "WAREHOUSE_NAME": stmt.warehouse,
                "WAREHOUSE_SIZE": "Small",
                "QUERY_TAG": tag,
                "EXECUTION_STATUS": "FAIL" if error else "SUCCESS",
                "ERROR_CODE": error[0] if error else None,
                "ERROR_MESSAGE": error[1] if error else None,
                "START_TIME": at,
                "END_TIME": at + timedelta(milliseconds=elapsed),
                "TOTAL_ELAPSED_TIME": elapsed,
                "BYTES_SCANNED": self.rng.randint(0, 5 * 10**9),
                "ROWS_PRODUCED": 0 if error else self.rng.randint(0, 250_000),
            }
        )
        if not error and stmt.query_type not in {"SHOW", "USE", "DESCRIBE"}:
            self.access_row(query_id, stmt, sql, at, lineage or {})
        return query_id

    def access_row(self, query_id: str, stmt: AdHoc, sql: str, at: datetime, lineage: dict) -> None:
        reads = [self.era(name, at) for name in stmt.reads]
        direct, base = access.accessed(self.catalog, sql, reads)
        if stmt.query_type == "COPY":
            direct, base = [access.STAGE], [access.STAGE]
        target = self.era(stmt.target, at) if stmt.target else None
        lineage = {col: tuple(self.era(ref, at) for ref in refs) for col, refs in lineage.items()}
        ddl = None
        if stmt.query_type == "RENAME_TABLE":
            ddl = access.ddl_change(self.catalog, target, "ALTER", name=f"{DATABASE}.{target}")
        elif stmt.query_type in {"CREATE_TABLE_AS_SELECT", "CREATE_VIEW"}:
            ddl = access.ddl_change(self.catalog, target, "REPLACE")
        modified = []
        if target and stmt.query_type not in {"RENAME_TABLE", "ALTER_TABLE_ADD_COLUMN"}:
            modified = access.modified(self.catalog, target, sql, lineage)
        self.history.access_history.append(
            {
                "QUERY_ID": query_id,
                "QUERY_START_TIME": at,
                "USER_NAME": stmt.user,
                "DIRECT_OBJECTS_ACCESSED": json.dumps(direct),
                "BASE_OBJECTS_ACCESSED": json.dumps(base),
                "OBJECTS_MODIFIED": json.dumps(modified),
                "OBJECT_MODIFIED_BY_DDL": json.dumps(ddl) if ddl else None,
            }
        )

    def session_id(self, user: str) -> int:
        return self.session + sum(map(ord, user))

    def era(self, text: str, at: datetime) -> str:
        """Fill ``{ltv}`` with the lifetime-value table's name at that time."""
        name = "CUSTOMER_LIFETIME_VALUE" if at >= self.history.rename_at else "CUST_LTV"
        return text.replace("{ltv}", name)

    # --- schedule -------------------------------------------------------------
    def run(self) -> DemoHistory:
        start, end = self.history.start, self.history.end
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            self.scheduled_day(day)
            self.analysts_day(day)
            day += timedelta(days=1)
        self.one_offs()
        self.damage()
        rows = [r for r in self.history.query_history if start <= r["START_TIME"] < end]
        kept = {row["QUERY_ID"] for row in rows}
        self.history.query_history = sorted(rows, key=lambda r: (r["START_TIME"], r["QUERY_ID"]))
        self.history.access_history = [
            a for a in self.history.access_history if a["QUERY_ID"] in kept
        ]
        return self.history

    def scheduled_day(self, day: datetime) -> None:
        for job in SCHEDULED_JOBS:
            times = (
                [day + timedelta(hours=h, minutes=job.minute) for h in range(24)]
                if job.schedule == "hourly"
                else [day + timedelta(minutes=job.minute)]
            )
            for at in times:
                at += timedelta(
                    seconds=self.rng.randint(0, 50), milliseconds=self.rng.randint(0, 999)
                )
                error = (
                    self.rng.choice(TRANSIENT_ERRORS) if self.rng.random() < FAILURE_RATE else None
                )
                if job.name == LAST_RUN_FAILS and at < self.history.end <= at + timedelta(days=1):
                    error = TRANSIENT_ERRORS[0]  # last night's build timed out
                stmt = AdHoc(
                    job.sql,
                    job.query_type,
                    job.user,
                    job.role,
                    schema=job.schema,
                    reads=job.sources,
                    target=job.target,
                    warehouse="TRANSFORM_WH",
                )
                self.add(stmt, at, tag=_query_tag(job), lineage=job.lineage, error=error)

    def analysts_day(self, day: datetime) -> None:
        weekday = day.weekday() < 5
        for _ in range(self.rng.randint(20, 35) if weekday else self.rng.randint(2, 6)):
            at = day + timedelta(seconds=self.rng.randint(8 * 3600, 18 * 3600))
            choices = [q for q in ANALYST_QUERIES if _in_era(q, at >= self.history.rename_at)]
            self.add(self.rng.choice(choices), at)
        if weekday and self.rng.random() < 0.4:
            at = day + timedelta(seconds=self.rng.randint(9 * 3600, 17 * 3600))
            for stmt in self.rng.choice(TEMP_SESSIONS):
                self.add(stmt, at)
                at += timedelta(seconds=self.rng.randint(20, 240))

    def one_offs(self) -> None:
        h = self.history
        span = h.end - h.start
        for fraction, minute, stmt in ONE_OFFS:
            day = (h.start + span * fraction).replace(hour=0, minute=0, second=0, microsecond=0)
            at = (
                h.rename_at
                if stmt.query_type == "RENAME_TABLE"
                else day + timedelta(minutes=minute)
            )
            self.add(stmt, at)
        broken = (h.start + span * 0.8).replace(hour=14, minute=3, second=0, microsecond=0)
        for attempt in range(3):
            self.add(BROKEN_JOB, broken + timedelta(minutes=7 * attempt), error=BROKEN_JOB_ERROR)

    def damage(self) -> None:
        """Rows a real account also produces: text missing, access history truncated."""
        h = self.history
        at = (h.start + (h.end - h.start) * 0.3).replace(minute=47, second=13, microsecond=0)
        system = AdHoc("", "UNKNOWN", "SYSTEM", "ACCOUNTADMIN", schema="RAW")
        query_id = self.add(system, at)
        h.query_history[-1]["QUERY_TEXT"] = None
        h.bad_query_ids[query_id] = "missing QUERY_TEXT"
        # Snowflake stores an over-long access record as a string cut short.
        victim = next(
            (
                a
                for a in h.access_history
                if a["QUERY_START_TIME"] >= at
                and f"{DATABASE}.STAGING.STG_INVOICES" in a["OBJECTS_MODIFIED"]
            ),
            None,
        )
        if victim is not None:
            victim["OBJECTS_MODIFIED"] = json.dumps(
                victim["OBJECTS_MODIFIED"][:60] + "...TRUNCATED"
            )
            h.bad_query_ids[victim["QUERY_ID"]] = "OBJECTS_MODIFIED truncated"


def _query_tag(job: Job) -> str:
    if job.user == "DBT_CLOUD":
        return json.dumps({"app": "dbt", "node_id": f"model.prod.{job.name}"})
    dag = "raw_loads" if job.user == "LOADER_SVC" else "staging"
    return json.dumps({"app": "airflow", "dag_id": dag, "task_id": job.name})


def _in_era(stmt: AdHoc, after_rename: bool) -> bool:
    return stmt.after_rename is None or stmt.after_rename == after_rename


def generate_history(
    *, days: int = 90, end: datetime | None = None, seed: int = DEMO_SEED
) -> DemoHistory:
    """The demo account's history for the ``days`` days before ``end``."""
    end = end or current_hour()
    return _Generator(start=end - timedelta(days=days), end=end, seed=seed).run()
