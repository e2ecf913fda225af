"""The Snowflake source, read through the real connector from the demo emulator."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from graph.demo.adhoc import BROKEN_JOB
from graph.sources.base import FetchIssue
from graph.sources.snowflake import SnowflakeSource, connection_kwargs, parse_objects

from .conftest import EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)


def _source(demo) -> SnowflakeSource:
    return SnowflakeSource(connect_kwargs=demo.connect_kwargs(), latency=timedelta(0))


def test_fetch_returns_the_statements_of_the_window(demo):
    history = demo.history
    start, end = history.end - timedelta(days=1), history.end
    expected = [
        r for r in history.query_history if start <= r["START_TIME"] < end and r["QUERY_TEXT"]
    ]
    with _source(demo) as source:
        records = list(source.fetch(start, end))

    assert [r.query_id for r in records] == [r["QUERY_ID"] for r in expected]
    assert all(start <= r.start_time < end for r in records)
    types = {r.query_type for r in records}
    assert {"SELECT", "CREATE_TABLE_AS_SELECT", "INSERT", "MERGE", "COPY"} <= types

    export = next(
        r for r in records if r.text.startswith("CREATE OR REPLACE TABLE MARTS.MARKETING_EXPORT")
    )
    assert (export.user, export.role, export.database, export.schema) == (
        "DBT_CLOUD",
        "TRANSFORMER",
        "PROD_DB",
        "MARTS",
    )
    assert export.execution_status == "SUCCESS" and export.has_access_history
    assert json.loads(export.query_tag)["node_id"] == "model.prod.marketing_export"
    (modified,) = export.objects_modified
    assert modified.name == "PROD_DB.MARTS.MARKETING_EXPORT" and modified.object_id == "1030"
    email = next(c for c in modified.columns if c.name == "EMAIL")
    assert [(s.object_name, s.column_name) for s in email.direct_sources] == [
        ("PROD_DB.STAGING.STG_CUSTOMERS", "EMAIL")
    ]
    assert {o.name for o in export.direct_objects_accessed} == {
        "PROD_DB.STAGING.STG_CUSTOMERS",
        "PROD_DB.ANALYTICS.CUSTOMER_LIFETIME_VALUE",
    }


def test_reads_by_analysts_come_with_base_objects(demo):
    history = demo.history
    with _source(demo) as source:
        records = list(source.fetch(history.start, history.end))
    reads = {
        (r.user, o.name)
        for r in records
        if r.query_type == "SELECT"
        for o in r.base_objects_accessed
    }
    assert ("MARY_MARKETING", "PROD_DB.MARTS.MARKETING_EXPORT") in reads
    assert ("LOOKER_SVC", "PROD_DB.MARTS.FINANCE_KPIS") in reads


def test_failed_statements_keep_their_error(demo):
    with _source(demo) as source:
        records = list(source.fetch(demo.history.start, demo.history.end))
    broken = [r for r in records if r.text == BROKEN_JOB.sql]
    assert len(broken) == 3
    assert all(r.execution_status == "FAILED" and not r.has_access_history for r in broken)
    assert "does not exist or not authorized" in broken[0].error


def test_bad_rows_are_reported_and_skipped_past(demo):
    issues: list[FetchIssue] = []
    with _source(demo) as source:
        records = list(source.fetch(demo.history.start, demo.history.end, on_issue=issues.append))

    reported = {issue.query_id: issue for issue in issues}
    assert set(reported) == set(demo.history.bad_query_ids)
    missing_text, truncated = sorted(reported.values(), key=lambda i: not i.skipped)
    assert missing_text.skipped and missing_text.reason == "missing QUERY_TEXT"
    assert not truncated.skipped and truncated.reason.startswith(
        "ACCESS_HISTORY.OBJECTS_MODIFIED: truncated"
    )
    by_id = {r.query_id: r for r in records}
    assert missing_text.query_id not in by_id
    # The statement itself is still there: the parser can stand in for the lost lineage.
    damaged = by_id[truncated.query_id]
    assert damaged.objects_modified == () and "STG_INVOICES" in damaged.text
    assert len(records) == len(demo.history.query_history) - 1


def test_damaged_access_history_entries_are_dropped_one_by_one(demo, extra_history):
    at = demo.history.end + timedelta(days=2, hours=1)
    good = {
        "objectDomain": "Table",
        "objectName": "PROD_DB.RAW.ORDERS",
        "objectId": 1002,
        "columns": [],
    }
    unresolved = {"objectDomain": "Table", "objectName": "PROD_DB.RAW.GONE", "objectId": -1}
    extra_history(
        "test-damaged-1",
        "INSERT INTO MARTS.T SELECT * FROM RAW.ORDERS",
        at,
        query_type="INSERT",
        access=([good, unresolved], '{"not": "an array"}', [good]),
    )
    extra_history("test-damaged-2", "SELECT 1", at + timedelta(minutes=1), query_type=None)
    issues: list[FetchIssue] = []
    with _source(demo) as source:
        records = list(source.fetch(at, at + timedelta(hours=1), on_issue=issues.append))

    first, second = records
    assert [o.name for o in first.direct_objects_accessed] == ["PROD_DB.RAW.ORDERS"]
    assert first.base_objects_accessed == ()
    assert [i.reason.split(":")[0] for i in issues] == [
        "ACCESS_HISTORY.DIRECT_OBJECTS_ACCESSED",
        "ACCESS_HISTORY.BASE_OBJECTS_ACCESSED",
    ]
    assert "expected an array" in issues[1].reason
    assert second.query_type == "UNKNOWN" and not second.has_access_history


def test_parse_objects_reads_a_variant_holding_a_json_string():
    issues = []
    text = json.dumps(json.dumps([{"objectName": "PROD_DB.RAW.ORDERS", "objectDomain": "Table"}]))
    objects = parse_objects(
        text, field="OBJECTS_MODIFIED", query_id="q", text="", on_issue=issues.append
    )
    assert [o.name for o in objects] == ["PROD_DB.RAW.ORDERS"] and issues == []


def test_fetch_columns_lists_the_live_catalog(demo):
    with _source(demo) as source:
        columns = source.fetch_columns()
    email = next(c for c in columns if (c.table, c.column) == ("PROD_DB.RAW.CUSTOMERS", "EMAIL"))
    assert (email.data_type, email.ordinal, email.table_id) == ("TEXT", 4, "1001")
    tables = {c.table for c in columns}
    assert "PROD_DB.ANALYTICS.CUSTOMER_LIFETIME_VALUE" in tables
    assert "PROD_DB.ANALYTICS.CUST_LTV" not in tables  # renamed: only the current name is live


def test_connection_settings_come_from_settings_and_the_source(settings):
    settings.SNOWFLAKE = {
        **settings.SNOWFLAKE,
        "account": "acme-prod",
        "user": "OBSERVER",
        "password": "s3cret",
        "host": "",
        "port": 443,
        "protocol": "https",
    }
    real = connection_kwargs({"warehouse": "LINEAGE_WH"})
    assert real["account"] == "acme-prod" and real["password"] == "s3cret"
    assert real["warehouse"] == "LINEAGE_WH" and real["role"] == "LINEAGE_OBSERVER"
    assert "host" not in real and "port" not in real  # the connector derives them

    local = connection_kwargs(
        {"host": "127.0.0.1", "port": 8765, "protocol": "http", "password": "x"}
    )
    assert (local["host"], local["port"], local["protocol"]) == ("127.0.0.1", 8765, "http")
    assert local["password"] == "s3cret"  # never from the Source's options

    settings.SNOWFLAKE = {**settings.SNOWFLAKE, "password": ""}
    assert connection_kwargs({"emulator": True})["password"] == "emulator"
