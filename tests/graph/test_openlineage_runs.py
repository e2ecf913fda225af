"""OpenLineage runs as one thing: events merged by runId, in any order, from real clients.

Events are built with the real ``openlineage-python`` client's classes and posted over HTTP
to a live portal (``emit``) or through the Django test client (``post``) for the cases the
client refuses to build. The graph is read back through the store interface.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import column_lineage_dataset, ownership_dataset, schema_dataset
from openlineage.client.serde import Serde
from rest_framework.authtoken.models import Token

from graph.models import Column, Dataset, OpenLineageEvent, OpenLineageRun, Source
from graph.store.base import column_key
from lineage_portal.access import AUDITOR, COMPLIANCE_ADMIN, STEWARD

from .test_openlineage import PRODUCER, T0, edge, post, raw_event

NS = "snowflake://acme-prod"
ORDERS = "snowflake://shop.raw.orders"
DAILY = "snowflake://shop.marts.daily_revenue"


def orders_in():
    return InputDataset(
        namespace=NS,
        name="SHOP.RAW.ORDERS",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(
                fields=[
                    schema_dataset.SchemaDatasetFacetFields(name="ORDER_DAY", type="DATE"),
                    schema_dataset.SchemaDatasetFacetFields(name="AMOUNT", type="NUMBER"),
                ]
            )
        },
    )


def daily_out(*, with_lineage=True):
    facets = {}
    if with_lineage:
        fields = {
            "DAY": [("ORDER_DAY", "IDENTITY")],
            "REVENUE": [("AMOUNT", "AGGREGATION")],
        }
        facets["columnLineage"] = column_lineage_dataset.ColumnLineageDatasetFacet(
            fields={
                name: column_lineage_dataset.Fields(
                    inputFields=[
                        column_lineage_dataset.InputField(
                            namespace=NS,
                            name="SHOP.RAW.ORDERS",
                            field=source,
                            transformations=[
                                column_lineage_dataset.Transformation(
                                    type="DIRECT", subtype=subtype
                                )
                            ],
                        )
                        for source, subtype in sources
                    ]
                )
                for name, sources in fields.items()
            }
        )
    return OutputDataset(namespace=NS, name="SHOP.MARTS.DAILY_REVENUE", facets=facets)


def event(state, run_id, minutes, *, inputs=(), outputs=(), namespace="airflow_prod"):
    return RunEvent(
        eventType=state,
        eventTime=(T0 + timedelta(minutes=minutes)).isoformat(),
        run=Run(runId=run_id),
        job=Job(namespace=namespace, name="shop.daily_revenue"),
        producer=PRODUCER,
        inputs=list(inputs),
        outputs=list(outputs),
    )


def graph_state(store):
    """Everything a page could show of the run's lineage, for comparing orders."""
    keys = (ORDERS, DAILY, column_key(DAILY, "day"), column_key(DAILY, "revenue"))
    return (
        store.counts(),
        [store.edges_of(k) for k in keys],
        sorted(Column.objects.values_list("key", "data_type", "ordinal")),
        sorted(Dataset.objects.values_list("key", "first_seen", "last_seen")),
    )


# --- runs told over several events ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_inputs_and_outputs_only_on_start_give_lineage_on_complete(emit, app_store):
    run_id = str(uuid.uuid4())
    emit(event(RunState.START, run_id, 0, inputs=[orders_in()], outputs=[daily_out()]))
    assert app_store.counts().dataset_edges == 0, "a run that only started has moved nothing"

    emit(event(RunState.COMPLETE, run_id, 30))

    table = edge(app_store, ORDERS, DAILY)
    assert (table.execution_status, table.query_id, table.run_count) == ("SUCCESS", run_id, 1)
    assert (table.first_seen, table.last_seen) == (T0, T0 + timedelta(minutes=30))
    revenue = edge(app_store, column_key(ORDERS, "amount"), column_key(DAILY, "revenue"))
    assert (revenue.masking, revenue.subtype, revenue.origin) == (
        "aggregated",
        "AGGREGATION",
        "openlineage",
    )
    recorded = OpenLineageRun.objects.get(run_id=run_id)
    assert (recorded.state, recorded.events, recorded.job) == (
        "COMPLETE",
        2,
        "airflow_prod/shop.daily_revenue",
    )


@pytest.mark.django_db(transaction=True)
def test_a_streaming_run_that_never_completes_has_running_lineage(emit, app_store):
    run_id = str(uuid.uuid4())
    emit(event(RunState.START, run_id, 0, inputs=[orders_in()]))
    emit(event(RunState.RUNNING, run_id, 60, outputs=[daily_out()]))

    streaming = edge(app_store, ORDERS, DAILY)
    assert (streaming.execution_status, streaming.run_count) == ("RUNNING", 1)

    emit(event(RunState.RUNNING, run_id, 60 * 24 * 3))  # three days on, still running

    streaming = edge(app_store, ORDERS, DAILY)
    assert (streaming.execution_status, streaming.run_count) == ("RUNNING", 1)
    assert (streaming.first_seen, streaming.last_seen) == (T0, T0 + timedelta(days=3))

    emit(event(RunState.FAIL, run_id, 60 * 24 * 4))

    failed = edge(app_store, ORDERS, DAILY)
    assert (failed.execution_status, failed.run_count) == ("FAILED", 1)


def test_the_same_graph_whatever_order_the_events_arrive_in(client, token, app_store):
    run_id = "0190b5a4-5e1b-7c3e-9a51-0c6f2d3e4b5a"
    events = [
        Serde.to_dict(event(RunState.START, run_id, 0, inputs=[orders_in()])),
        Serde.to_dict(event(RunState.RUNNING, run_id, 10, outputs=[daily_out()])),
        Serde.to_dict(event(RunState.COMPLETE, run_id, 20)),
    ]
    seen = []
    for order in itertools.permutations(events):
        app_store.clear()
        Dataset.objects.all().delete()
        OpenLineageRun.objects.all().delete()
        for body in order:
            assert post(client, body, token=token).status_code == 201
        seen.append(graph_state(app_store))

    assert all(state == seen[0] for state in seen), "every order ends in the same graph"
    table = edge(app_store, ORDERS, DAILY)
    assert (table.execution_status, table.run_count, table.last_seen) == (
        "SUCCESS",
        1,
        T0 + timedelta(minutes=20),
    )


def test_a_failure_of_a_run_that_never_ran_creates_nothing(client, token, app_store):
    run_id = str(uuid.uuid4())
    start = Serde.to_dict(
        event(RunState.START, run_id, 0, inputs=[orders_in()], outputs=[daily_out()])
    )
    fail = Serde.to_dict(event(RunState.FAIL, run_id, 5))

    for body in (start, fail):
        assert post(client, body, token=token).status_code == 201

    assert app_store.counts().dataset_edges == 0 and not Dataset.objects.exists()
    assert OpenLineageRun.objects.get(run_id=run_id).state == "FAIL"


# --- namespaces, static lineage, time --------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "key"),
    [
        ("food_delivery", "food_delivery://public.orders"),
        ("my_ns", "my_ns://public.orders"),
        ("2020db", "2020db://public.orders"),
        ("Sales Team", "sales%20team://public.orders"),
    ],
)
def test_namespaces_that_follow_no_convention_are_their_own(
    client, token, app_store, namespace, key
):
    body = raw_event(
        inputs=[{"namespace": namespace, "name": "public.orders"}],
        outputs=[{"namespace": "postgres://db:5432", "name": "shop.mart.orders"}],
    )

    assert post(client, body, token=token).status_code == 201
    assert edge(app_store, key, "postgres://shop.mart.orders").origin == "openlineage"
    assert Dataset.objects.get(key=key).name == "orders"


@pytest.mark.django_db(transaction=True)
def test_a_dataset_event_brings_its_schema_and_owners(emit, app_store):
    emit(
        DatasetEvent(
            eventTime=T0.isoformat(),
            producer=PRODUCER,
            dataset=StaticDataset(
                namespace="food_delivery",
                name="public.couriers",
                facets={
                    "schema": schema_dataset.SchemaDatasetFacet(
                        fields=[schema_dataset.SchemaDatasetFacetFields(name="phone", type="TEXT")]
                    ),
                    "ownership": ownership_dataset.OwnershipDatasetFacet(
                        owners=[ownership_dataset.Owner(name="team:logistics", type="MAINTAINER")]
                    ),
                },
            ),
        )
    )

    couriers = Dataset.objects.get(key="food_delivery://public.couriers")
    assert couriers.owners == [{"name": "team:logistics", "type": "MAINTAINER"}]
    assert list(couriers.columns.values_list("name", "data_type")) == [("phone", "TEXT")]


def test_a_time_without_offset_is_utc_and_the_far_past_is_history(client, token, app_store):
    naive = post(client, raw_event(eventTime="2026-06-30T12:00:00"), token=token)
    old = post(
        client,
        raw_event(eventTime="1999-01-01T00:00:00Z", run={"runId": str(uuid.uuid4())}),
        token=token,
    )

    assert (naive.status_code, old.status_code) == (201, 201)
    assert (
        edge(app_store, "postgres://shop.public.orders", "postgres://shop.mart.orders").last_seen
        == T0
    )


def test_future_times_beyond_the_configured_skew_are_refused(client, token, app_store, settings):
    ahead = (timezone.now() + timedelta(hours=3)).isoformat()
    assert post(client, raw_event(eventTime=ahead), token=token).status_code == 201

    settings.LINEAGE_CONFIG = {
        **settings.LINEAGE_CONFIG,
        "openlineage": {**settings.LINEAGE_CONFIG["openlineage"], "max_future_skew_hours": 1},
    }
    refused = post(
        client, raw_event(eventTime=ahead, run={"runId": str(uuid.uuid4())}), token=token
    )

    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert error["field"] == "eventTime" and "more than 1 hours ahead" in error["reason"]


def test_a_masking_transformation_keeps_the_producers_words(client, token, app_store):
    output = {
        "namespace": "postgres://db:5432",
        "name": "shop.mart.contacts",
        "facets": {
            "columnLineage": {
                "fields": {
                    "email_token": {
                        "inputFields": [
                            {
                                "namespace": "postgres://db:5432",
                                "name": "shop.public.customers",
                                "field": "email",
                                "transformations": [
                                    {
                                        "type": "DIRECT",
                                        "subtype": "TRANSFORMATION",
                                        "masking": True,
                                        "description": "vault tokenization, format preserving",
                                    }
                                ],
                            }
                        ]
                    }
                }
            }
        },
    }
    assert post(client, raw_event(outputs=[output]), token=token).status_code == 201

    token_edge = edge(
        app_store,
        "postgres://shop.public.customers#email",
        "postgres://shop.mart.contacts#email_token",
    )
    assert (token_edge.subtype, token_edge.masked, token_edge.description) == (
        "TRANSFORMATION",
        True,
        "vault tokenization, format preserving",
    )
    assert token_edge.masking == "transformed", "not silently called redacted"


# --- who may post, and who did --------------------------------------------------------


@pytest.mark.parametrize("role", [AUDITOR, STEWARD, COMPLIANCE_ADMIN, None])
def test_only_lineage_producers_may_post(client, app_store, role):
    user = get_user_model().objects.create_user(f"user-{role}".replace(" ", "-"))
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    key = Token.objects.create(user=user).key

    response = post(client, raw_event(), token=key)

    assert response.status_code == 403
    assert app_store.counts().datasets == 0 and not Dataset.objects.exists()
    refused = OpenLineageEvent.objects.get()
    assert (refused.status, refused.posted_by, refused.job) == (
        "refused",
        user,
        "dbt/analytics.orders",
    )
    assert "not a lineage producer" in refused.reason


def test_every_accepted_event_names_who_posted_it(client, token, app_store):
    post(client, raw_event(), token=token)
    post(client, raw_event(run={"runId": "nope"}), token=token)

    accepted, refused = (OpenLineageEvent.objects.get(status=s) for s in ("accepted", "refused"))
    assert (accepted.posted_by.username, accepted.auth, accepted.producer) == (
        "airflow",
        "token",
        PRODUCER,
    )
    assert (accepted.dataset_edges, accepted.run_id) == (1, "0190b5a4-5e1b-7c3e-9a51-0c6f2d3e4b5a")
    assert refused.reason.startswith("run.runId: must be a UUID")
    source = Source.objects.get(name="openlineage:dbt")
    assert (source.kind, source.openlineage_events.count()) == ("openlineage", 2)
    run = OpenLineageRun.objects.get(run_id=accepted.run_id)
    assert (run.posted_by.username, run.producer) == ("airflow", PRODUCER)


def test_a_producer_user_made_by_the_command_gets_a_token_the_usual_way(db):
    call_command("lineage_producer", "spark-prod")
    call_command("drf_create_token", "spark-prod")

    user = get_user_model().objects.get(username="spark-prod")
    assert Token.objects.filter(user=user).exists() and not user.has_usable_password()
