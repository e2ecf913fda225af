"""Grants, tags and policies from the demo account (through the real connector) into the store."""

from __future__ import annotations

from datetime import timedelta

import pytest
import snowflake.connector

from graph.ingestion import backfill, ingest_window
from graph.ingestion.grants import grant_snapshot, grants_due, grants_sync
from graph.sources.base import FetchIssue
from graph.sources.snowflake import SnowflakeSource
from graph.store.base import GrantObservation

from .conftest import EMULATOR_NOISE

pytestmark = [pytest.mark.filterwarnings(EMULATOR_NOISE), pytest.mark.django_db]

SF = "snowflake://prod_db"
EXPORT = f"{SF}.marts.marketing_export"
CUSTOMERS = f"{SF}.raw.customers"


def _source(demo) -> SnowflakeSource:
    return SnowflakeSource(connect_kwargs=demo.connect_kwargs(), latency=timedelta(0))


@pytest.fixture
def bad_rows(demo):
    """One unusable row in each view, added through the connector and removed afterwards."""
    conn = snowflake.connector.connect(**demo.connect_kwargs())
    statements = [
        (
            "GRANTS_TO_ROLES",
            "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.GRANTS_TO_ROLES (PRIVILEGE, GRANTED_ON, NAME, "
            "TABLE_CATALOG, TABLE_SCHEMA, GRANTED_TO, GRANTEE_NAME) "
            "VALUES ('SELECT', 'TABLE', 'BROKEN_GRANT', 'PROD_DB', NULL, 'ROLE', 'ANALYST')",
            "NAME = 'BROKEN_GRANT'",
        ),
        (
            "TAG_REFERENCES",
            "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TAG_REFERENCES (TAG_DATABASE, TAG_SCHEMA, "
            "TAG_NAME, TAG_VALUE, OBJECT_DATABASE, OBJECT_SCHEMA, OBJECT_NAME, DOMAIN) "
            "VALUES ('PROD_DB', 'GOVERNANCE', 'PII', 'EMAIL', 'PROD_DB', 'RAW', 'BROKEN_TAG', "
            "'COLUMN')",
            "OBJECT_NAME = 'BROKEN_TAG'",
        ),
        (
            "POLICY_REFERENCES",
            "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES (POLICY_DB, POLICY_SCHEMA, "
            "POLICY_NAME, POLICY_KIND, REF_DATABASE_NAME, REF_SCHEMA_NAME, REF_ENTITY_NAME, "
            "POLICY_STATUS) VALUES ('PROD_DB', 'POLICIES', 'EMAIL_MASK', 'MASKING_POLICY', "
            "'PROD_DB', 'RAW', 'BROKEN_POLICY', 'ACTIVE')",
            "REF_ENTITY_NAME = 'BROKEN_POLICY'",
        ),
    ]
    with conn.cursor() as cur:
        for _, insert, _ in statements:
            cur.execute(insert)
    yield
    with conn.cursor() as cur:
        for view, _, where in statements:
            cur.execute(f"DELETE FROM SNOWFLAKE.ACCOUNT_USAGE.{view} WHERE {where}")
    conn.close()


# --- the fetchers -----------------------------------------------------------------------


def test_fetch_grants_lists_live_table_and_role_grants(demo):
    with _source(demo) as source:
        grants = source.fetch_grants()
        everything = source.fetch_grants(include_deleted=True)

    on_export = {
        (g.grantee, g.privilege)
        for g in grants
        if g.object_name == "PROD_DB.MARTS.MARKETING_EXPORT"
    }
    assert on_export == {("MARKETING", "SELECT"), ("TRANSFORMER", "OWNERSHIP")}
    roles = {(g.grantee, g.name) for g in grants if g.is_role_grant}
    assert ("ANALYST", "MARKETING") in roles and ("SYSADMIN", "ETL") in roles
    assert {g.granted_on for g in grants} == {"TABLE", "VIEW", "ROLE"}  # no DATABASE, WAREHOUSE
    assert not any(g.revoked for g in grants)
    [revoked] = [g for g in everything if g.revoked]
    assert (revoked.grantee, revoked.object_name) == ("MARKETING", "PROD_DB.RAW.CUSTOMERS")
    assert revoked.deleted_on > demo.history.start
    renamed = next(
        g for g in grants if g.name == "CUSTOMER_LIFETIME_VALUE" and g.grantee == "ANALYST"
    )
    assert renamed.modified_on == demo.history.rename_at and renamed.created_on < demo.history.start


def test_fetch_tag_references_lists_tags_on_live_tables_and_columns(demo):
    with _source(demo) as source:
        tags = source.fetch_tag_references()

    found = {(t.tag, t.tag_value, t.object_name, t.column) for t in tags}
    assert ("PROD_DB.GOVERNANCE.PII", "EMAIL", "PROD_DB.RAW.CUSTOMERS", "EMAIL") in found
    assert ("PROD_DB.GOVERNANCE.PII", "PHONE", "PROD_DB.RAW.CUSTOMERS", "PHONE") in found
    assert ("PROD_DB.GOVERNANCE.GDPR", "PERSONAL_DATA", "PROD_DB.RAW.CUSTOMERS", None) in found
    assert not any(t.table == "CUSTOMERS_BACKUP" for t in tags)  # dropped since
    assert {t.domain for t in tags} == {"TABLE", "COLUMN"}


def test_fetch_policy_references_lists_masking_and_row_access_policies(demo):
    with _source(demo) as source:
        policies = source.fetch_policy_references()

    found = {(p.policy, p.policy_kind, p.object_name, p.column) for p in policies}
    assert (
        "PROD_DB.POLICIES.EMAIL_MASK",
        "MASKING_POLICY",
        "PROD_DB.RAW.CUSTOMERS",
        "EMAIL",
    ) in found
    assert (
        "PROD_DB.POLICIES.CUSTOMER_REGION",
        "ROW_ACCESS_POLICY",
        "PROD_DB.RAW.CUSTOMERS",
        None,
    ) in found
    assert {p.status for p in policies} == {"ACTIVE"}


def test_bad_rows_are_reported_and_skipped(demo, bad_rows):
    issues: list[FetchIssue] = []
    with _source(demo) as source:
        grants = source.fetch_grants(on_issue=issues.append)
        tags = source.fetch_tag_references(on_issue=issues.append)
        policies = source.fetch_policy_references(on_issue=issues.append)

    assert [i.reason for i in issues] == [
        "GRANTS_TO_ROLES: missing TABLE_SCHEMA",
        "TAG_REFERENCES: missing COLUMN_NAME",
        "POLICY_REFERENCES: missing REF_COLUMN_NAME",
    ]
    assert all(i.skipped for i in issues) and "BROKEN_GRANT" in issues[0].query_id
    assert not any("BROKEN" in g.name for g in grants)
    assert not any("BROKEN" in t.table for t in tags)
    assert not any("BROKEN" in p.table for p in policies)


# --- into the store -------------------------------------------------------------------------


def _readers(store, key):
    return {(g.principal, g.privilege, g.via) for g in store.who_can_read(key)}


def test_grants_sync_lands_the_snapshot_in_the_store(store, demo_source_row):
    stale = GrantObservation("MARKETING", "role", CUSTOMERS, "SELECT")  # revoked since
    elsewhere = GrantObservation("REPORTING", "role", "postgres://shop.public.orders", "SELECT")
    store.merge_grants([stale, elsewhere])

    synced = grants_sync(source=demo_source_row, store=store)

    assert synced.grants.removed == 1 and synced.memberships.merged == 5 and not synced.issues
    assert {
        ("MARKETING", "SELECT", ()),
        ("ANALYST", "SELECT", ("MARKETING",)),
        ("FINANCE", "SELECT", ("ANALYST", "MARKETING")),
        ("TRANSFORMER", "OWNERSHIP", ()),
        ("ETL", "OWNERSHIP", ("TRANSFORMER",)),
        ("SYSADMIN", "OWNERSHIP", ("ETL", "TRANSFORMER")),
    } == _readers(store, EXPORT)
    assert "MARKETING" not in {g.principal for g in store.who_can_read(CUSTOMERS)}
    assert store.grants("postgres://shop.public.orders")  # another platform: left alone
    [ltv] = [
        g
        for g in store.grants(f"{SF}.analytics.customer_lifetime_value")
        if g.principal == "ANALYST"
    ]
    assert ltv.granted_by == "TRANSFORMER" and ltv.granted_on == "TABLE"
    again = grants_sync(source=demo_source_row, store=store)
    assert (again.grants.removed, again.memberships.removed) == (0, 0)


def test_grants_come_with_the_last_window_of_a_run(embedded_store, demo_source_row, demo):
    end = demo.history.end
    job = backfill(source=demo_source_row, days=2, end=end)
    first, last = job.runs.order_by("window_start")
    assert (grants_due(first), grants_due(last)) == (False, True)

    run = ingest_window(
        source=demo_source_row,
        window_start=end - timedelta(hours=1),
        window_end=end,
        store=embedded_store,
    )
    assert run.status == "succeeded"
    assert ("MARKETING", "SELECT", ()) in _readers(embedded_store, EXPORT)
    with _source(demo) as source:
        live, _ = grant_snapshot(source.fetch_grants(), "snowflake")
    assert embedded_store.counts().grants == len(live)
