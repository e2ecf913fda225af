"""What differs between the graph store backends: connecting, failing, and creating schema."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from neo4j import GraphDatabase

from graph.store import reset_store
from graph.store.base import DatasetNode, EdgeObservation, StoreError
from graph.store.neo4j import Neo4jStore, parse_auth


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_neo4j_is_a_store_error_naming_the_server():
    uri = f"bolt://127.0.0.1:{closed_port()}"
    store = Neo4jStore(uri=uri, retry_seconds=0)
    try:
        with pytest.raises(StoreError, match=f"Neo4j at {uri} is unreachable"):
            store.counts()
        assert store.merge_datasets([]) == 0  # nothing to write: no transaction at all
        with pytest.raises(StoreError, match="unreachable"):
            store.rename_dataset("snowflake://a.b.c", "snowflake://a.b.d")
    finally:
        store.close()


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "127.0.0.1:7687", ""])
def test_a_uri_that_is_not_bolt_is_refused(uri):
    with pytest.raises(StoreError, match="bolt://"):
        Neo4jStore(uri=uri)


def test_neo4j_auth_is_none_or_user_slash_password():
    assert parse_auth("none") is None
    assert parse_auth("neo4j/s3cret/with/slashes") == ("neo4j", "s3cret/with/slashes")
    for bad in ("neo4j", "/password", ""):
        with pytest.raises(StoreError, match="NEO4J_AUTH"):
            parse_auth(bad)


@pytest.mark.django_db
def test_graph_schema_on_the_embedded_store_checks_its_tables():
    reset_store()
    out = StringIO()
    call_command("graph_schema", stdout=out)
    reset_store()
    assert "embedded: exists  table graph_store_edge" in out.getvalue()
    assert "embedded graph store schema is ready" in out.getvalue()


def test_graph_schema_on_neo4j_creates_constraints_and_indexes(neo4j_store, settings):
    settings.NEO4J_URI = settings.TEST_NEO4J_URI
    settings.NEO4J_AUTH = settings.TEST_NEO4J_AUTH
    reset_store()
    try:
        out = StringIO()
        call_command("graph_schema", stdout=out)
    finally:
        reset_store()
    lines = out.getvalue().splitlines()
    for name in (
        "lineage_dataset_key",
        "lineage_column_key",
        "lineage_principal_name",
        "lineage_dataset_object_id",
    ):
        assert any(line.startswith("neo4j: ") and line.endswith(name) for line in lines), lines
    with GraphDatabase.driver(settings.TEST_NEO4J_URI, auth=None) as driver:
        records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name", database_="neo4j")
    names = {r["name"] for r in records}
    assert {"lineage_dataset_key", "lineage_column_key", "lineage_principal_name"} <= names


def test_neo4j_keeps_times_as_zoned_datetimes(neo4j_store, settings):
    when = datetime(2026, 6, 1, 12, 30, 15, 250_000, tzinfo=UTC)
    neo4j_store.merge_edges(
        [EdgeObservation("pg://d.s.a", "pg://d.s.b", "dataset", "CTAS", when, when)]
    )
    neo4j_store.merge_datasets([DatasetNode("pg://d.s.a", "pg", "d.s.a", first_seen=when)])
    with GraphDatabase.driver(settings.TEST_NEO4J_URI, auth=None) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (a:Dataset)-[e:FEEDS]->() RETURN valueType(e.first_seen) AS edge, "
            "valueType(a.first_seen) AS node",
            database_="neo4j",
        )
    assert records[0].data() == {
        "edge": "ZONED DATETIME NOT NULL",
        "node": "ZONED DATETIME NOT NULL",
    }
    [edge] = neo4j_store.edges_of("pg://d.s.a")
    assert edge.first_seen == when and edge.first_seen.tzinfo == UTC
