"""The Postgres source against the real server: pg_stat_statements, the catalog, both stores.

pg_stat_statements is cluster-wide and cannot be reset without superuser rights, so the
tests run their statements in a scratch database of their own and read only its rows.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from graph.ingestion import ingest_window
from graph.models import Column, IngestionRun, Source
from graph.sources.postgres import (
    SNAPSHOT_OPTION,
    PostgresSource,
    calls_delta,
    query_type_of,
)
from graph.sql import LineageParser

TOTALS_INSERT = (
    "INSERT INTO marts.order_totals SELECT customer_id, sum(amount) FROM raw.orders "
    "WHERE amount > %s GROUP BY customer_id"
)
WORKLOAD = [
    "CREATE SCHEMA raw",
    "CREATE SCHEMA marts",
    "CREATE TABLE raw.customers (id int PRIMARY KEY, name text, email text, phone text)",
    "INSERT INTO raw.customers VALUES (1, 'Ada', 'ada@example.com', '+44 20 7946 0001'), "
    "(2, 'Grace', 'grace@example.com', '+1 202 555 0102')",
    "CREATE TABLE raw.orders (id int, customer_id int, amount numeric)",
    "INSERT INTO raw.orders VALUES (10, 1, 12.5), (11, 1, 7.5), (12, 2, 30)",
    "CREATE TABLE marts.customer_contacts AS "
    "SELECT id AS customer_id, name, email, phone FROM raw.customers",
    "CREATE TABLE marts.email_digests AS "
    "SELECT id AS customer_id, md5(email) AS email_hash FROM raw.customers",
    "CREATE VIEW marts.contacts_view AS SELECT * FROM marts.customer_contacts",
    "CREATE TABLE marts.order_totals (customer_id int, total numeric)",
    "CREATE TABLE marts.phone_export AS SELECT phone FROM raw.customers",
    "DROP TABLE marts.phone_export",
    "CREATE TEMP TABLE session_scratch AS SELECT * FROM raw.customers",
    "SELECT email FROM raw.customers WHERE id = 1",
]


def _server() -> dict:
    conf = settings.DATABASES["default"]
    return {
        "host": conf["HOST"],
        "port": int(conf["PORT"]),
        "user": conf["USER"],
        "password": conf["PASSWORD"],
    }


@pytest.fixture(scope="module")
def scratch():
    """A database of our own holding the workload's statements; dropped afterwards."""
    name = f"lineage_pgsrc_{secrets.token_hex(4)}"
    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(**_server(), dbname=name, autocommit=True) as conn:
            for statement in WORKLOAD:
                conn.execute(statement)
            for _ in range(3):  # server-side binding: the text keeps $1
                conn.execute(TOTALS_INSERT, (0,))
        yield name
    finally:
        with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_row(db, scratch, monkeypatch) -> Source:
    """A postgres Source for the scratch database; the password comes from libpq's env."""
    server = _server()
    monkeypatch.setenv("PGPASSWORD", server.pop("password"))
    return Source.objects.create(
        name="scratch-pg", kind=Source.Kind.POSTGRES, options={**server, "dbname": scratch}
    )


def _source(scratch) -> PostgresSource:
    return PostgresSource(connect_kwargs={**_server(), "dbname": scratch})


def _oid(scratch, table: str) -> str:
    with psycopg.connect(**_server(), dbname=scratch) as conn:
        return str(conn.execute("SELECT %s::regclass::oid", (table,)).fetchone()[0])


def _ingest(row: Source, store) -> IngestionRun:
    """One window through the pipeline, which finds the source by the row's kind."""
    now = timezone.now()
    return ingest_window(
        source=row, window_start=now - timedelta(minutes=15), window_end=now, store=store
    )


def _edge(store, upstream, downstream):
    return next(e for e in store.edges_of(downstream) if e.upstream == upstream)


def test_fetch_returns_the_materializing_statements_with_object_ids(scratch):
    now = timezone.now()
    with _source(scratch) as source:
        records = list(source.fetch(now - timedelta(hours=1), now))

    by_text = {r.text: r for r in records}
    assert not any(
        t.lstrip().upper().startswith(("SELECT", "CREATE SCHEMA", "DROP")) for t in by_text
    )
    assert (
        "CREATE TABLE raw.customers (id int PRIMARY KEY, name text, email text, phone text)"
        not in by_text
    )
    contacts = next(r for r in records if r.text.startswith("CREATE TABLE marts.customer_contacts"))
    assert (contacts.query_type, contacts.execution_status) == ("CREATE_TABLE_AS_SELECT", "SUCCESS")
    assert (contacts.user, contacts.database, contacts.schema) == (
        settings.DATABASES["default"]["USER"],
        scratch,
        "public",
    )
    (written,) = contacts.objects_modified
    assert written.name == f"{scratch}.marts.customer_contacts"
    assert written.object_id == _oid(scratch, "marts.customer_contacts")
    assert [o.object_id for o in contacts.direct_objects_accessed] == [
        _oid(scratch, "raw.customers")
    ]
    view = next(r for r in records if r.text.startswith("CREATE VIEW"))
    assert view.query_type == "CREATE_VIEW" and view.objects_modified[0].domain == "View"
    dropped = next(r for r in records if "phone_export" in r.text)
    assert dropped.objects_modified[0].object_id is None  # gone, but its lineage is not
    totals = next(r for r in records if r.text == TOTALS_INSERT.replace("%s", "$1"))
    assert "$1" in totals.text and totals.query_type == "INSERT" and totals.executions == 3


def test_ctas_insert_and_view_lineage_in_the_embedded_store(pg_row, scratch, embedded_store):
    run = _ingest(pg_row, embedded_store)

    assert run.status == IngestionRun.Status.SUCCEEDED and run.parse_failures == 0
    pg = f"postgres://{scratch}"
    leak = _edge(embedded_store, f"{pg}.raw.customers#email", f"{pg}.marts.customer_contacts#email")
    assert (leak.masking, leak.transformation_type, leak.execution_status) == (
        "identity",
        "CTAS",
        "SUCCESS",
    )
    assert (
        _edge(
            embedded_store, f"{pg}.raw.customers#email", f"{pg}.marts.email_digests#email_hash"
        ).masking
        == "hashed"
    )
    totals = _edge(embedded_store, f"{pg}.raw.orders#amount", f"{pg}.marts.order_totals#total")
    assert (totals.masking, totals.transformation_type) == ("aggregated", "INSERT")
    # The insert ran three times: one pg_stat_statements row counts as three runs.
    assert totals.run_count == 3
    # SELECT * of the view expanded from information_schema.columns.
    viewed = _edge(
        embedded_store, f"{pg}.marts.customer_contacts#email", f"{pg}.marts.contacts_view#email"
    )
    assert viewed.transformation_type == "VIEW"
    view = embedded_store.get_dataset(f"{pg}.marts.contacts_view")
    assert (view.kind, view.object_id) == ("view", _oid(scratch, "marts.contacts_view"))
    assert embedded_store.get_dataset(f"{pg}.public.session_scratch") is None  # a temp table
    assert Column.objects.get(key=f"{pg}.raw.customers#email").data_type == "text"
    readers = {
        (r.principal, r.principal_kind) for r in embedded_store.readers(f"{pg}.raw.customers")
    }
    assert (settings.DATABASES["default"]["USER"], "user") in readers


def test_calls_deltas_against_the_previous_snapshot(pg_row, scratch):
    now = timezone.now()
    with PostgresSource.from_model(pg_row) as source:
        assert list(source.fetch(now, now))  # the first snapshot: everything so far
    pg_row.refresh_from_db()
    snapshot = pg_row.options[SNAPSHOT_OPTION]
    assert snapshot["stats_reset"] and snapshot["calls"]

    statement = (
        "INSERT INTO marts.order_totals SELECT customer_id, amount FROM raw.orders WHERE id = %s"
    )
    with psycopg.connect(**_server(), dbname=scratch, autocommit=True) as conn:
        for order in (10, 11):
            conn.execute(statement, (order,))
    with PostgresSource.from_model(pg_row) as source:
        assert [(r.text, r.executions) for r in source.fetch(now, now)] == [
            (statement.replace("%s", "$1"), 2)
        ]
    pg_row.refresh_from_db()
    with PostgresSource.from_model(pg_row) as source:
        assert list(source.fetch(now, now)) == []


@pytest.mark.neo4j
def test_the_same_lineage_in_neo4j(pg_row, scratch, neo4j_store):
    _ingest(pg_row, neo4j_store)

    pg = f"postgres://{scratch}"
    reached = {r.key for r in neo4j_store.downstream(f"{pg}.raw.customers#email", depth=3)}
    assert {f"{pg}.marts.customer_contacts#email", f"{pg}.marts.contacts_view#email"} <= reached
    assert (
        _edge(
            neo4j_store, f"{pg}.raw.customers#email", f"{pg}.marts.email_digests#email_hash"
        ).masking
        == "hashed"
    )
    assert neo4j_store.get_dataset(f"{pg}.marts.customer_contacts").object_id == _oid(
        scratch, "marts.customer_contacts"
    )


@pytest.mark.parametrize(
    ("text", "query_type"),
    [
        ("create table a.b as select 1 as x", "CREATE_TABLE_AS_SELECT"),
        ("/* job 7 */ insert into a.b select * from a.c", "INSERT"),
        ("select x into a.new from a.c", "CREATE_TABLE_AS_SELECT"),
        ("create or replace view a.v as select x from a.c", "CREATE_VIEW"),
        ("alter table a.b rename to c", "RENAME_TABLE"),
        ("update a.b set x = c.x from a.c where a.b.id = c.id", "UPDATE"),
        ("create table a.b (id int)", None),
        ("select * from a.b where id = $1", None),
        ("insert into a.b select from where", "INSERT"),  # unparseable, still reported
        ("create function f() returns int as $$ select 1 $$ language sql", None),
        ("with n as (select 1 as x) insert into a.b select x from n", "INSERT"),
    ],
)
def test_only_statements_that_write_data_are_kept(text, query_type):
    result = LineageParser().parse(
        text, dialect="postgres", default_db="db", default_schema="public"
    )
    assert query_type_of(text, result) == query_type


def test_calls_deltas_restart_when_a_count_goes_down():
    assert calls_delta(10, None) == 10
    assert calls_delta(10, 7) == 3
    assert calls_delta(2, 7) == 2  # evicted and counted again
