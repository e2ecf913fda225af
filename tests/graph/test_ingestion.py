"""The ingestion pipeline, end to end: the demo emulator → the connector → both graph stores."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from graph import keys as catalog
from graph.demo import demo_ingest, demo_source
from graph.ingestion import QueryFilter, backfill, ingest_window, sync_windows
from graph.models import Column, Dataset, IngestionRun, ParseFailure, Source
from graph.sources.base import QueryRecord

from .conftest import DEMO_DAYS, EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

SF = "snowflake://prod_db"
RAW_EMAIL = f"{SF}.raw.customers#email"
STG_EMAIL = f"{SF}.staging.stg_customers#email"
EXPORT_EMAIL = f"{SF}.marts.marketing_export#email"
LTV = f"{SF}.analytics.customer_lifetime_value"


def _edge(store, upstream, downstream):
    return next(e for e in store.edges_of(downstream) if e.upstream == upstream)


def _snapshot(store):
    """Everything a user could see of the graph: counts, every edge, every reader."""
    keys = list(Dataset.objects.values_list("key", flat=True))
    keys += list(Column.objects.values_list("key", flat=True))
    edges = {e for key in keys for e in store.edges_of(key)}
    readers = {
        r for key in Dataset.objects.values_list("key", flat=True) for r in store.readers(key)
    }
    return store.counts(), edges, readers


def _assert_demo_lineage(store, job, history):
    # Unmasked PII: raw e-mail reaches the marketing export, copied as is on every hop.
    reached = {r.key for r in store.downstream(RAW_EMAIL, depth=5)}
    assert EXPORT_EMAIL in reached
    assert _edge(store, RAW_EMAIL, STG_EMAIL).masking == "identity"
    into_export = _edge(store, STG_EMAIL, EXPORT_EMAIL)
    assert into_export.masking == "identity" and into_export.transformation_type == "CTAS"
    assert into_export.job == "model.prod.marketing_export" and into_export.run_count == DEMO_DAYS
    assert f"{SF}.marts.marketing_export#phone" in {
        r.key for r in store.downstream(f"{SF}.raw.customers#phone", depth=5)
    }
    # Hashed PII: SHA2(email) into the analytics dimension.
    hashed = _edge(store, STG_EMAIL, f"{SF}.analytics.dim_customers#email_hash")
    assert hashed.masking == "hashed"
    # OpenLineage's vocabulary rides on every column edge: the copy is a direct identity
    # that masks nothing, the hash a direct transformation that masks.
    copied = _edge(store, RAW_EMAIL, STG_EMAIL)
    assert (copied.flow_type, copied.subtype, copied.masked) == ("DIRECT", "IDENTITY", False)
    assert (hashed.flow_type, hashed.masked) == ("DIRECT", True)
    # Who read the leaky export.
    readers = {
        (r.principal, r.principal_kind) for r in store.readers(f"{SF}.marts.marketing_export")
    }
    assert {("MARY_MARKETING", "user"), ("MARKETING", "role")} <= readers
    # The renamed table keeps its lineage under its new name, and the old name leads there.
    assert store.get_dataset(f"{SF}.analytics.cust_ltv").key == LTV
    assert f"{SF}.analytics.fct_orders" in {r.key for r in store.upstream(LTV, depth=1)}
    assert f"{SF}.marts.marketing_export" in {r.key for r in store.downstream(LTV, depth=1)}
    before_rename = _edge(store, f"{SF}.analytics.fct_orders", LTV)
    assert before_rename.first_seen < history.rename_at < before_rename.last_seen
    assert all(e.upstream != e.downstream for e in store.edges_of(LTV))  # a rename is no flow
    assert Dataset.objects.get(key=LTV).object_id == "1029"
    # Last night's build of the finance KPIs failed: its edges say so.
    kpis = store.edges_of(f"{SF}.marts.finance_kpis")
    assert kpis and {e.execution_status for e in kpis} == {"FAILED"}
    assert {e.run_count for e in kpis} == {DEMO_DAYS}
    assert not Dataset.objects.filter(key=f"{SF}.analytics.cust_ltv").exists()
    # Filtered: analysts' SELECTs and temporary tables; a job that never ran leaves nothing.
    for name in (
        "analytics.tmp_churn_risk",
        "analytics.order_check",
        "marts.vip_customer_contacts",
    ):
        assert store.get_dataset(f"{SF}.{name}") is None
        assert not Dataset.objects.filter(key=f"{SF}.{name}").exists()
    # The runs say what happened.
    runs = list(job.runs.all())
    assert len(runs) == job.windows_total == DEMO_DAYS
    assert {r.status for r in runs} == {IngestionRun.Status.SUCCEEDED}
    selects = sum(r["QUERY_TYPE"] == "SELECT" for r in history.query_history)
    assert sum(r.rows_read for r in runs) == len(history.query_history)
    assert sum(r.statements_filtered for r in runs) > selects
    assert (
        sum(r.statements_kept + r.statements_filtered for r in runs)
        == len(history.query_history) - 1
    )
    assert sum(r.cache_hits for r in runs) > sum(r.statements_kept for r in runs) // 2
    assert all(
        r.edges_written > 0 and r.datasets_written > 0 and r.duration_seconds > 0 for r in runs
    )
    failures = ParseFailure.objects.filter(run__backfill=job)
    assert {f.query_id: f.reason.split(":")[0] for f in failures} == {
        qid: ("missing QUERY_TEXT" if "missing" in why else "ACCESS_HISTORY.OBJECTS_MODIFIED")
        for qid, why in history.bad_query_ids.items()
    }
    assert Source.objects.get(pk=job.source_id).watermark == history.end
    # The catalog knows the columns, with the warehouse's types.
    assert Column.objects.get(key=RAW_EMAIL).data_type == "TEXT"


def _replay(store, demo, history):
    """Ingest two windows again (the rename's and the last) through a fresh run each."""
    source = demo_source(demo)
    for start in (history.rename_at.replace(hour=5), history.end - timedelta(days=1)):
        run = ingest_window(
            source=source, window_start=start, window_end=start + timedelta(days=1), store=store
        )
        assert run.status == IngestionRun.Status.SUCCEEDED


def test_demo_ingest_into_the_embedded_store(embedded_store, demo, demo_end):
    job = demo_ingest(store=embedded_store, days=DEMO_DAYS, end=demo_end)
    _assert_demo_lineage(embedded_store, job, demo.history)

    before = _snapshot(embedded_store)
    _replay(embedded_store, demo, demo.history)
    assert _snapshot(embedded_store) == before


@pytest.mark.neo4j
def test_demo_ingest_into_neo4j(neo4j_store, db, demo, demo_end):
    job = demo_ingest(store=neo4j_store, days=DEMO_DAYS, end=demo_end)
    _assert_demo_lineage(neo4j_store, job, demo.history)

    before = _snapshot(neo4j_store)
    _replay(neo4j_store, demo, demo.history)
    assert _snapshot(neo4j_store) == before


def test_failed_runs_mark_known_edges_but_create_none(
    embedded_store, demo_source_row, demo, extra_history
):
    at = demo.history.end + timedelta(days=3)
    sql = "CREATE OR REPLACE TABLE MARTS.T_KPIS AS SELECT KPI_DATE FROM MARTS.FINANCE_KPIS"
    extra_history("test-ok", sql, at + timedelta(hours=1))
    extra_history(
        "test-fail", sql, at + timedelta(hours=2), status="FAIL", error="Warehouse suspended"
    )
    extra_history(
        "test-never",
        "CREATE TABLE MARTS.T_NEW AS SELECT KPI_DATE FROM MARTS.FINANCE_KPIS",
        at + timedelta(hours=3),
        status="FAIL",
        error="Insufficient privileges",
    )
    run = ingest_window(
        source=demo_source_row,
        window_start=at,
        window_end=at + timedelta(hours=4),
        store=embedded_store,
    )

    edge = _edge(embedded_store, f"{SF}.marts.finance_kpis#kpi_date", f"{SF}.marts.t_kpis#kpi_date")
    assert (edge.execution_status, edge.query_id, edge.run_count) == ("FAILED", "test-fail", 2)
    assert embedded_store.get_dataset(f"{SF}.marts.t_new") is None
    assert (run.rows_read, run.statements_kept, run.statements_filtered) == (3, 3, 0)


def _record(text, query_type, **fields):
    from datetime import UTC, datetime

    return QueryRecord(
        query_id="q",
        text=text,
        query_type=query_type,
        start_time=datetime.now(UTC),
        execution_status=fields.pop("status", "SUCCESS"),
        **fields,
    )


def test_the_filter_keeps_materializing_statements_only():
    keep = QueryFilter.from_config()
    assert keep.skip_reason(_record("SELECT 1", "SELECT")) == "type SELECT"
    assert keep.skip_reason(_record("SHOW TABLES", "SHOW")) == "type SHOW"
    for text, kind in [
        ("INSERT INTO a SELECT 1", "INSERT"),
        ("ALTER TABLE a RENAME TO b", "RENAME_TABLE"),
        ("ALTER TABLE a ADD COLUMN c INT", "ALTER_TABLE_ADD_COLUMN"),
        ("CREATE VIEW v AS SELECT 1", "CREATE_VIEW"),
    ]:
        assert keep.skip_reason(_record(text, kind)) is None
    temp = "create or replace temp table t as select 1"
    assert keep.skip_reason(_record(temp, "CREATE_TABLE_AS_SELECT")) == "temporary table"
    strict = QueryFilter(
        include_types=("INSERT",), exclude_users=frozenset({"BOT"}), successful_only=True
    )
    assert (
        strict.skip_reason(_record("INSERT INTO a SELECT 1", "INSERT", user="bot"))
        == "excluded user"
    )
    assert (
        strict.skip_reason(_record("INSERT INTO a SELECT 1", "INSERT", status="FAILED")) == "failed"
    )


def test_names_are_normalized_to_keys():
    key = catalog.dataset_key
    assert key("snowflake", '"PROD_DB"."RAW".Customers') == f"{SF}.raw.customers"
    assert (
        key("snowflake", "customers", default_db="PROD_DB", default_schema="RAW")
        == f"{SF}.raw.customers"
    )
    assert key("snowflake", "raw.customers", default_db="PROD_DB") == f"{SF}.raw.customers"
    assert key("snowflake", "@prod_db.raw.landing_stage") is None


def test_backfill_queues_one_run_per_window(demo_source_row, demo):
    job = backfill(source=demo_source_row, days=2, window_hours=12, end=demo.history.end)
    runs = list(job.runs.order_by("window_start"))
    assert job.windows_total == len(runs) == 4
    assert runs[0].window_start == demo.history.end - timedelta(days=2)
    assert all(a.window_end == b.window_start for a, b in zip(runs, runs[1:], strict=False))
    assert {r.status for r in runs} == {IngestionRun.Status.QUEUED}


def test_sync_continues_from_the_watermark(demo_source_row, demo):
    now = demo.history.end + timedelta(hours=30)
    demo_source_row.watermark = demo.history.end
    runs = sync_windows(source=demo_source_row, now=now)
    assert [(r.window_start, r.window_end) for r in runs] == [
        (demo.history.end, demo.history.end + timedelta(hours=24)),
        (demo.history.end + timedelta(hours=24), now),
    ]
    # Queued windows count as covered: the next sync starts where they end.
    assert sync_windows(source=demo_source_row, now=now) == []


def test_the_ingest_command_shows_progress_without_a_terminal(embedded_store, demo_source_row):
    out = io.StringIO()
    call_command(
        "ingest", demo_source_row.name, "--backfill-days", "1", "--window-hours", "12", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Ingesting 2 window(s) of demo-snowflake")
    assert lines[1].startswith("  window 1/2 (50%)") and "rows/s, ETA" in lines[1]
    assert lines[2].startswith("  window 2/2 (100%)")
    assert lines[3].startswith("2/2 windows ingested")
