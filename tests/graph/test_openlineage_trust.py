"""OpenLineage never overrides the warehouse; big events are capped or queued; a busy store
is a 503 with Retry-After. Real services throughout: the demo warehouse through the real
Snowflake connector, Postgres row locks, a Neo4j address nobody answers on.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from graph import store as graph_store
from graph.demo import demo_ingest
from graph.elements import subgraph_to_elements
from graph.models import OpenLineageEvent
from graph.store.base import column_key

from .conftest import DEMO_DAYS, EMULATOR_NOISE
from .test_openlineage import PRODUCER, edge, post, raw_event

SF = "snowflake://prod_db"
STG = f"{SF}.staging.stg_customers"
EXPORT = f"{SF}.marts.marketing_export"


def relabel_as_hashed(at):
    """An event claiming the demo's unmasked e-mail copy is hashed, and that its job failed."""
    fields = {
        "EMAIL": {
            "inputFields": [
                {
                    "namespace": "snowflake://acme-prod",
                    "name": "PROD_DB.STAGING.STG_CUSTOMERS",
                    "field": "EMAIL",
                    "transformations": [
                        {
                            "type": "DIRECT",
                            "subtype": "TRANSFORMATION",
                            "masking": True,
                            "description": "SHA2(EMAIL, 256)",
                        }
                    ],
                }
            ]
        }
    }
    return raw_event(
        eventType="COMPLETE",
        eventTime=at.isoformat(),
        run={"runId": str(uuid.uuid4())},
        job={"namespace": "forger", "name": "marketing_export"},
        inputs=[{"namespace": "snowflake://acme-prod", "name": "PROD_DB.STAGING.STG_CUSTOMERS"}],
        outputs=[
            {
                "namespace": "snowflake://acme-prod",
                "name": "PROD_DB.MARTS.MARKETING_EXPORT",
                "facets": {"columnLineage": {"fields": fields}},
            }
        ],
    )


def walked(store, source, target):
    """What an exposure walk reads on every path: the hops and how each carries the value."""
    return [
        [
            (e.upstream, e.downstream, e.masking, e.masked, e.flow_type, e.execution_status)
            for e in path.edges
        ]
        for path in store.paths(source, target, depth=2)
    ]


@pytest.mark.filterwarnings(EMULATOR_NOISE)
def test_an_openlineage_claim_never_relabels_what_the_warehouse_saw(
    client, token, app_store, demo, demo_end
):
    demo_ingest(store=app_store, days=DEMO_DAYS, end=demo_end)
    email = (column_key(STG, "email"), column_key(EXPORT, "email"))
    seen = edge(app_store, *email)
    assert (seen.origin, seen.masking) == ("warehouse", "identity")
    before = walked(app_store, *email)

    response = post(client, relabel_as_hashed(timezone.now()), token=token)

    assert response.status_code == 201
    after = edge(app_store, *email)
    assert (after.origin, after.masking, after.masked, after.last_seen, after.run_count) == (
        "warehouse",
        "identity",
        seen.masked,
        seen.last_seen,
        seen.run_count,
    )
    assert walked(app_store, *email) == before, "what the exposure engine walks is unchanged"
    assert after.conflict and (after.other_claim.origin, after.other_claim.masking) == (
        "openlineage",
        "hashed",
    )
    # The page shows both words, and who posted the other one.
    subgraph = app_store.neighbourhood(EXPORT, depth=1, level="column", direction="upstream")
    [drawn] = [
        e["data"]
        for e in subgraph_to_elements(subgraph)
        if e["group"] == "edges" and (e["data"]["source"], e["data"]["target"]) == email
    ]
    assert (drawn["origin"], drawn["conflict"]) == ("warehouse", True)
    assert (drawn["other_claim"]["masking"], drawn["other_claim"]["posted_by"]) == (
        "hashed",
        "airflow",
    )
    assert drawn["other_claim"]["producer"] == PRODUCER


def test_an_edge_an_openlineage_producer_wrote_names_it(client, token, app_store):
    post(client, raw_event(), token=token)
    subgraph = app_store.neighbourhood("postgres://shop.mart.orders", depth=1)

    [drawn] = [e["data"] for e in subgraph_to_elements(subgraph) if e["group"] == "edges"]

    assert (drawn["origin"], drawn["producer"], drawn["posted_by"]) == (
        "openlineage",
        PRODUCER,
        "airflow",
    )


# --- caps and load ------------------------------------------------------------------------


def many(side, count):
    return [{"namespace": "postgres://db:5432", "name": f"shop.{side}.t{i}"} for i in range(count)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (dict(inputs=many("raw", 501)), "inputs"),
        (dict(outputs=many("mart", 501)), "outputs"),
        (dict(inputs=many("raw", 200), outputs=many("mart", 51)), "inputs, outputs"),
    ],
)
def test_events_over_a_limit_get_413_naming_the_field(client, token, app_store, changes, field):
    response = post(client, raw_event(**changes), token=token)

    assert response.status_code == 413
    assert field in [e["field"] for e in response.json()["errors"]]
    assert app_store.counts().datasets == 0
    assert OpenLineageEvent.objects.get().status == "refused"


def test_column_edges_over_the_limit_get_413(client, token, app_store, settings):
    settings.LINEAGE_CONFIG = {
        **settings.LINEAGE_CONFIG,
        "openlineage": {**settings.LINEAGE_CONFIG["openlineage"], "max_column_edges": 3},
    }
    source = {"namespace": "postgres://db:5432", "name": "shop.public.orders"}
    fields = {f"c{i}": {"inputFields": [{**source, "field": f"c{i}"}]} for i in range(4)}
    output = {
        "namespace": "postgres://db:5432",
        "name": "shop.mart.orders",
        "facets": {"columnLineage": {"fields": fields}},
    }

    response = post(client, raw_event(outputs=[output]), token=token)

    assert response.status_code == 413
    assert "4 column edges; at most 3" in response.json()["errors"][0]["reason"]


def test_large_events_are_queued_and_recorded_by_a_worker(
    client, token, app_store, settings, django_capture_on_commit_callbacks
):
    settings.LINEAGE_CONFIG = {
        **settings.LINEAGE_CONFIG,
        "openlineage": {**settings.LINEAGE_CONFIG["openlineage"], "queue_above_bytes": 1024},
    }
    body = raw_event(inputs=many("raw", 40))

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = post(client, body, token=token)

    assert response.status_code == 202 and len(queued) == 1
    follow = client.get(response.json()["url"], HTTP_AUTHORIZATION=f"Token {token}")
    assert follow.status_code == 200
    assert (follow.json()["status"], follow.json()["dataset_edges"]) == ("accepted", 40)
    assert edge(app_store, "postgres://shop.raw.t7", "postgres://shop.mart.orders")
    assert OpenLineageEvent.objects.get().body is None, "the body is not kept once recorded"


@pytest.mark.django_db(transaction=True)
def test_a_store_locked_by_another_writer_answers_503_with_retry_after(
    client, token, app_store, settings
):
    settings.LINEAGE_CONFIG = {
        **settings.LINEAGE_CONFIG,
        "openlineage": {**settings.LINEAGE_CONFIG["openlineage"], "store_lock_timeout_seconds": 1},
    }
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params) as other, other.transaction():
        other.execute("LOCK TABLE graph_openlineagerun IN ACCESS EXCLUSIVE MODE")
        response = post(client, raw_event(), token=token)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["errors"][0]["field"] == "store"
    assert post(client, raw_event(), token=token).status_code == 201, "the retry goes through"


def test_an_unreachable_neo4j_answers_503_with_retry_after(client, token, settings):
    settings.NEO4J_URI = "bolt://127.0.0.1:9"  # nothing listens on the discard port
    settings.LINEAGE_CONFIG = {
        **settings.LINEAGE_CONFIG,
        "graph": {**settings.LINEAGE_CONFIG["graph"], "type": "neo4j"},
    }
    graph_store.reset_store()
    try:
        response = post(client, raw_event(), token=token)
    finally:
        graph_store.reset_store()

    assert (response.status_code, response.headers["Retry-After"]) == (503, "5")
    refused = OpenLineageEvent.objects.get()
    assert (refused.status, refused.posted_by.username) == ("refused", "airflow")


def test_far_future_times_are_a_clean_400_never_a_500(client, token, app_store):
    response = post(client, raw_event(eventTime="9999-12-31T23:59:59-14:00"), token=token)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "eventTime", "reason": "is out of range (after the year 9999 in UTC)"}
    ]


def test_a_future_time_within_the_skew_is_accepted(client, token, app_store):
    soon = timezone.now() + timedelta(hours=20)
    assert post(client, raw_event(eventTime=soon.isoformat()), token=token).status_code == 201


# --- what an admin sees ---------------------------------------------------------------


def test_admins_see_each_producers_events_and_refusals(client, token, app_store):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from lineage_portal.access import AUDITOR, COMPLIANCE_ADMIN

    post(client, raw_event(), token=token)
    post(client, raw_event(run={"runId": "run-42"}), token=token)
    users = get_user_model().objects
    admin, auditor = users.create_user("ada"), users.create_user("avery")
    admin.groups.add(Group.objects.get_or_create(name=COMPLIANCE_ADMIN)[0])
    auditor.groups.add(Group.objects.get_or_create(name=AUDITOR)[0])

    client.force_login(auditor)
    assert client.get("/ingestion/openlineage/").status_code == 403
    client.force_login(admin)
    page = client.get("/ingestion/openlineage/").content.decode()

    assert "openlineage:dbt" in page and "run.runId: must be a UUID" in page
    assert "airflow" in page
