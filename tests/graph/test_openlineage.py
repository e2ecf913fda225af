"""OpenLineage ingestion: the real ``openlineage-python`` client posting to a live portal.

The app's graph store is the embedded one on the test database (``get_store()``), rebuilt
for every test; the assertions read it back through the same store interface the pages use.
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    column_lineage_dataset,
    documentation_dataset,
    schema_dataset,
    source_code_location_job,
)
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpCompression,
    HttpConfig,
    HttpTransport,
)
from rest_framework.authtoken.models import Token

from graph import store as graph_store
from graph.ingestion.openlineage import openlineage_event_ingest
from graph.models import Column, Dataset
from graph.sources.openlineage.mapping import input_masking
from graph.sources.openlineage.naming import dataset_name
from graph.store.base import column_key

URL = "/api/v1/lineage"
PRODUCER = "https://github.com/acme/pipelines/tree/1.0"
RAW = "snowflake://prod.raw.customers"
SUMMARY = "snowflake://prod.analytics.customer_summary"
T0 = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def app_store(embedded_store):
    """The store the endpoint uses (``get_store()``), rebuilt on the empty test database."""
    graph_store.reset_store()
    yield graph_store.get_store()
    graph_store.reset_store()


@pytest.fixture
def token(db) -> str:
    """A DRF token made the way the docs tell users to: ``drf_create_token``."""
    get_user_model().objects.create_user("airflow", password="unused-password")
    call_command("drf_create_token", "airflow")
    return Token.objects.get(user__username="airflow").key


@pytest.fixture
def emit(live_server, token):
    """Send events with the real OpenLineage client over HTTP, as Airflow or dbt would."""

    def send(*events, compression=None):
        config = HttpConfig(
            url=live_server.url,
            endpoint="api/v1/lineage",
            auth=ApiKeyTokenProvider({"apiKey": token}),
            compression=compression,
        )
        client = OpenLineageClient(transport=HttpTransport(config))
        for event in events:
            client.emit(event)  # raises on any non-2xx answer
        client.close()

    return send


# --- events ----------------------------------------------------------------------------


def field(name, dataset="PROD.RAW.CUSTOMERS", **transformation):
    """An input field of a column lineage facet; ``transformation`` empty means none listed."""
    return column_lineage_dataset.InputField(
        namespace="snowflake://acme-prod",
        name=dataset,
        field=name,
        transformations=[column_lineage_dataset.Transformation(**transformation)]
        if transformation
        else [],
    )


def schema(*columns):
    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=n, type=t) for n, t in columns]
    )


def customers():
    return InputDataset(
        namespace="snowflake://acme-prod",
        name="PROD.RAW.CUSTOMERS",
        facets={
            "schema": schema(
                ("ID", "NUMBER"),
                ("EMAIL", "VARCHAR"),
                ("SSN", "VARCHAR"),
                ("AMOUNT", "NUMBER"),
                ("COUNTRY", "VARCHAR"),
            ),
            "documentation": documentation_dataset.DocumentationDatasetFacet(
                description="Customers as loaded from the CRM"
            ),
        },
    )


def summary():
    direct = {"type": "DIRECT"}
    lineage = {
        "ID": [
            field("ID", **direct, subtype="IDENTITY"),
            field("COUNTRY", type="INDIRECT", subtype="FILTER"),
        ],
        "EMAIL_HASH": [
            field(
                "EMAIL",
                **direct,
                subtype="TRANSFORMATION",
                masking=True,
                description="SHA2(EMAIL, 256)",
            )
        ],
        "SSN_MASKED": [
            field(
                "SSN",
                **direct,
                subtype="TRANSFORMATION",
                masking=True,
                description="'***-**-' || RIGHT(SSN, 4)",
            )
        ],
        "TOTAL": [field("AMOUNT", **direct, subtype="AGGREGATION")],
        "COUNTRY_UPPER": [field("COUNTRY", **direct, subtype="TRANSFORMATION")],
    }
    return OutputDataset(
        namespace="snowflake://acme-prod",
        name="PROD.ANALYTICS.CUSTOMER_SUMMARY",
        facets={
            "schema": schema(
                ("ID", "NUMBER"),
                ("EMAIL_HASH", "VARCHAR"),
                ("SSN_MASKED", "VARCHAR"),
                ("TOTAL", "NUMBER"),
                ("COUNTRY_UPPER", "VARCHAR"),
            ),
            "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet(
                fields={
                    name: column_lineage_dataset.Fields(inputFields=inputs)
                    for name, inputs in lineage.items()
                }
            ),
        },
    )


def run_event(state, run_id, *, at=T0, inputs=None, outputs=None):
    """A RunEvent of the ``customer_summary`` job in the ``airflow_prod`` namespace."""
    job = Job(
        namespace="airflow_prod",
        name="crm.customer_summary",
        facets={
            "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet(
                type="git", url="https://github.com/acme/pipelines", version="4f2a9c1"
            )
        },
    )
    return RunEvent(
        eventType=state,
        eventTime=at.isoformat(),
        run=Run(runId=run_id),
        job=job,
        producer=PRODUCER,
        inputs=[customers()] if inputs is None else inputs,
        outputs=[summary()] if outputs is None else outputs,
    )


def raw_event(**changes):
    """A COMPLETE RunEvent as plain JSON, for the cases the client refuses to build."""
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2026-06-30T12:00:00Z",
        "run": {"runId": "0190b5a4-5e1b-7c3e-9a51-0c6f2d3e4b5a"},
        "job": {"namespace": "dbt", "name": "analytics.orders"},
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [{"namespace": "postgres://db.internal:5432", "name": "shop.public.orders"}],
        "outputs": [{"namespace": "postgres://db.internal:5432", "name": "shop.mart.orders"}],
    }
    event.update(changes)
    return event


def post(client, body, *, token, **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        URL,
        data=data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        **extra,
    )


def edge(store, upstream, downstream):
    [found] = [e for e in store.edges_of(downstream) if e.upstream == upstream]
    return found


def column_edges(store, dataset_key):
    """{(upstream column key, downstream column name): masking} into a dataset's columns."""
    found = {}
    for column in Column.objects.filter(dataset__key=dataset_key):
        for e in store.edges_of(column.key):
            if e.downstream == column.key:
                found[(e.upstream, column.name)] = e.masking
    return found


# --- the real client against a live server --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_client_start_and_complete_build_table_and_column_lineage(emit, app_store):
    run_id = str(uuid.uuid4())

    emit(run_event(RunState.START, run_id))
    assert app_store.counts().dataset_edges == 0, "START is accepted but records nothing"

    emit(run_event(RunState.COMPLETE, run_id, at=T0 + timedelta(minutes=5)))

    table = edge(app_store, RAW, SUMMARY)
    assert (table.transformation_type, table.execution_status) == ("OPENLINEAGE_JOB", "SUCCESS")
    assert (table.job, table.query_id, table.job_version) == (
        "airflow_prod/crm.customer_summary",
        run_id,
        "4f2a9c1",
    )
    assert table.masking == "identity", "the least masked column path lands downstream"
    assert column_edges(app_store, SUMMARY) == {
        (column_key(RAW, "id"), "id"): "identity",
        (column_key(RAW, "email"), "email_hash"): "hashed",
        (column_key(RAW, "ssn"), "ssn_masked"): "redacted",
        (column_key(RAW, "amount"), "total"): "aggregated",
        (column_key(RAW, "country"), "country_upper"): "transformed",
    }, "the INDIRECT filter on COUNTRY is not column lineage"
    hashed = edge(app_store, column_key(RAW, "email"), column_key(SUMMARY, "email_hash"))
    assert (hashed.flow_type, hashed.subtype, hashed.masked) == ("DIRECT", "TRANSFORMATION", True)
    total = edge(app_store, column_key(RAW, "amount"), column_key(SUMMARY, "total"))
    assert (total.flow_type, total.subtype, total.masked) == ("DIRECT", "AGGREGATION", False)


@pytest.mark.django_db(transaction=True)
def test_client_complete_fills_the_catalog(emit, app_store):
    emit(run_event(RunState.COMPLETE, str(uuid.uuid4())))

    raw = Dataset.objects.get(key=RAW)
    assert (raw.platform, raw.database, raw.schema, raw.name, raw.kind) == (
        "snowflake",
        "prod",
        "raw",
        "customers",
        "table",
    )
    assert raw.description == "Customers as loaded from the CRM"
    assert raw.first_seen == raw.last_seen == T0
    assert list(raw.columns.values_list("name", "data_type", "ordinal")) == [
        ("id", "NUMBER", 1),
        ("email", "VARCHAR", 2),
        ("ssn", "VARCHAR", 3),
        ("amount", "NUMBER", 4),
        ("country", "VARCHAR", 5),
    ]
    assert app_store.get_dataset(SUMMARY).kind == "table"
    assert app_store.counts().columns == 10


@pytest.mark.django_db(transaction=True)
def test_client_failed_run_marks_existing_edges_and_creates_none(emit, app_store):
    emit(run_event(RunState.COMPLETE, str(uuid.uuid4())))
    before = app_store.counts()
    failed_run = str(uuid.uuid4())
    stray = OutputDataset(namespace="snowflake://acme-prod", name="PROD.SCRATCH.NEVER_BUILT")

    emit(
        run_event(RunState.FAIL, failed_run, at=T0 + timedelta(days=1), outputs=[summary(), stray])
    )

    assert app_store.counts() == before, "a failed run creates no lineage"
    table = edge(app_store, RAW, SUMMARY)
    assert (table.execution_status, table.query_id, table.run_count) == ("FAILED", failed_run, 2)
    assert table.masking == "identity"
    hashed = edge(app_store, column_key(RAW, "email"), column_key(SUMMARY, "email_hash"))
    assert (hashed.execution_status, hashed.masking) == ("FAILED", "hashed")

    emit(run_event(RunState.COMPLETE, str(uuid.uuid4()), at=T0 + timedelta(days=2)))
    table = edge(app_store, RAW, SUMMARY)
    assert (table.execution_status, table.run_count) == ("SUCCESS", 3)


@pytest.mark.django_db(transaction=True)
def test_client_abort_of_an_unknown_job_records_nothing(emit, app_store):
    emit(run_event(RunState.ABORT, str(uuid.uuid4())))

    assert app_store.counts().dataset_edges == 0
    assert not Dataset.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_client_gzip_bodies_are_accepted(emit, app_store):
    emit(run_event(RunState.COMPLETE, str(uuid.uuid4())), compression=HttpCompression.GZIP)

    assert edge(app_store, RAW, SUMMARY).execution_status == "SUCCESS"


@pytest.mark.django_db(transaction=True)
def test_client_dataset_and_job_events_record_identity_not_lineage(emit, app_store):
    dataset_event = DatasetEvent(
        eventTime=T0.isoformat(),
        producer=PRODUCER,
        dataset=StaticDataset(
            namespace="bigquery",
            name="acme-prj.sales.Orders",
            facets={"schema": schema(("order_id", "INT64"))},
        ),
    )
    job_event = JobEvent(
        eventTime=T0.isoformat(),
        producer=PRODUCER,
        job=Job(namespace="airflow_prod", name="crm.customer_summary"),
        inputs=[customers()],
        outputs=[summary()],
    )

    emit(dataset_event, job_event)

    assert Dataset.objects.get(key="bigquery://acme-prj.sales.orders").columns.count() == 1
    assert Dataset.objects.filter(key__in=[RAW, SUMMARY]).count() == 2
    assert app_store.counts().dataset_edges == app_store.counts().column_edges == 0


@pytest.mark.django_db(transaction=True)
def test_client_configured_from_the_environment_like_airflow(
    live_server, token, app_store, monkeypatch
):
    monkeypatch.setenv("OPENLINEAGE_URL", live_server.url)
    monkeypatch.setenv("OPENLINEAGE_ENDPOINT", "api/v1/lineage")
    monkeypatch.setenv("OPENLINEAGE_API_KEY", token)

    OpenLineageClient().emit(run_event(RunState.COMPLETE, str(uuid.uuid4())))

    assert edge(app_store, RAW, SUMMARY).job == "airflow_prod/crm.customer_summary"


# --- refusals and replays through the Django test client -------------------------------


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (raw_event(run={}), "run.runId", "is required"),
        (raw_event(run={"runId": "run-42"}), "run.runId", "must be a UUID"),
        (raw_event(eventTime="30/06/2026 12:00"), "eventTime", "ISO-8601"),
        (raw_event(eventTime="2026-06-30T12:00:00"), "eventTime", "time zone"),
        (raw_event(eventType="FINISHED"), "eventType", "must be one of"),
        (raw_event(inputs=[{"namespace": "postgres://db:5432"}]), "inputs[0].name", "is required"),
        (raw_event(job={"namespace": "dbt"}), "job.name", "is required"),
        (raw_event(producer=None), "producer", "is required"),
        ([raw_event()], "body", "must be a JSON object"),
        (b'{"eventType": "COMPLETE",', "body", "not valid JSON"),
    ],
)
def test_invalid_events_are_refused_with_their_fields(
    client, token, app_store, body, field, reason
):
    response = post(client, body, token=token)

    assert response.status_code == 400
    [error] = [e for e in response.json()["errors"] if e["field"] == field]
    assert reason in error["reason"]
    assert app_store.counts().datasets == 0 and not Dataset.objects.exists()


def test_every_offending_field_is_listed_and_nothing_is_written(client, token, app_store):
    outputs = [
        {
            "namespace": "postgres://db:5432",
            "name": "shop.mart.orders",
            "facets": {"schema": {"fields": [{"type": "INT"}]}},
        }
    ]
    body = raw_event(run={"runId": "nope"}, eventTime="yesterday", outputs=outputs)

    response = post(client, body, token=token)

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {
        "run.runId",
        "eventTime",
        "outputs[0].facets.schema.fields[0].name",
    }
    assert not Dataset.objects.exists()


def test_anonymous_and_bad_tokens_get_401(client, app_store):
    anonymous = client.post(URL, data=raw_event(), content_type="application/json")

    assert (anonymous.status_code, anonymous.headers["WWW-Authenticate"]) == (401, "Token")
    assert post(client, raw_event(), token="not-a-token").status_code == 401
    assert not Dataset.objects.exists()


def test_bearer_tokens_and_sessions_are_accepted(client, token, app_store):
    bearer = client.post(
        URL, data=raw_event(), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    client.force_login(get_user_model().objects.get(username="airflow"))
    session = client.post(URL, data=raw_event(), content_type="application/json")

    assert (bearer.status_code, session.status_code) == (201, 201)


def test_oversized_bodies_get_413(client, token, app_store):
    padding = "x" * (5 * 1024 * 1024)
    response = post(client, raw_event(producer=padding), token=token)

    assert response.status_code == 413
    assert "larger than" in response.json()["errors"][0]["reason"]


def test_gzip_bombs_get_413(client, token, app_store):
    body = gzip.compress(json.dumps(raw_event(producer="x" * (6 * 1024 * 1024))).encode())

    response = post(client, body, token=token, HTTP_CONTENT_ENCODING="gzip")

    assert len(body) < 100_000 and response.status_code == 413


def test_the_same_event_twice_changes_nothing(client, token, app_store):
    first = post(client, raw_event(), token=token)
    counts = app_store.counts()
    stored = edge(app_store, "postgres://shop.public.orders", "postgres://shop.mart.orders")

    second = post(client, raw_event(), token=token)

    assert (first.status_code, second.status_code) == (201, 201)
    assert (
        first.json()
        == second.json()
        == {
            "kind": "run",
            "event_type": "COMPLETE",
            "run_id": "0190b5a4-5e1b-7c3e-9a51-0c6f2d3e4b5a",
            "datasets": 2,
            "columns": 0,
            "dataset_edges": 1,
            "column_edges": 0,
        }
    )
    assert app_store.counts() == counts
    assert edge(app_store, "postgres://shop.public.orders", "postgres://shop.mart.orders") == stored
    assert stored.run_count == 1 and stored.masking == "unknown"
    assert Dataset.objects.count() == 2


# --- naming and masking rules -------------------------------------------------------------


@pytest.mark.parametrize(
    ("namespace", "name", "key"),
    [
        ("snowflake://acme-prod", "PROD.RAW.CUSTOMERS", "snowflake://prod.raw.customers"),
        ("snowflake://acme-prod", '"PROD"."RAW"."Customers"', "snowflake://prod.raw.customers"),
        ("postgres://db.internal:5432", "Shop.Public.Orders", "postgres://shop.public.orders"),
        ("postgresql://db:5432", "shop.public.orders", "postgres://shop.public.orders"),
        ("bigquery", "acme-prj.Sales.Orders", "bigquery://acme-prj.sales.orders"),
        ("mysql://db:3306", "Shop.Orders", "mysql://shop.orders"),
        ("kafka://broker:9092", "Orders-Events", "kafka://orders-events"),
        ("s3://Lake-Bucket", "raw/Orders.parquet", "s3://lake-bucket/raw/orders.parquet"),
        ("file", "/tmp/orders.csv", "file:///tmp/orders.csv"),
        ("arn:aws:glue:eu-west-1:123456789012", "table/Shop/Orders", "glue://shop.orders"),
    ],
)
def test_dataset_naming(namespace, name, key):
    platform, normalized = dataset_name(namespace, name)
    assert f"{platform}://{normalized}" == key


@pytest.mark.parametrize(
    ("transformations", "legacy", "masking"),
    [
        ([{"type": "DIRECT", "subtype": "IDENTITY"}], None, "identity"),
        ([{"type": "DIRECT", "subtype": "AGGREGATION"}], None, "aggregated"),
        (
            [
                {
                    "type": "DIRECT",
                    "subtype": "TRANSFORMATION",
                    "masking": True,
                    "description": "md5(email)",
                }
            ],
            None,
            "hashed",
        ),
        ([{"type": "DIRECT", "subtype": "TRANSFORMATION", "masking": True}], None, "redacted"),
        ([{"type": "DIRECT"}], None, "unknown"),
        ([{"type": "INDIRECT", "subtype": "JOIN"}], None, None),
        (
            [
                {"type": "DIRECT", "subtype": "AGGREGATION"},
                {"type": "DIRECT", "subtype": "IDENTITY"},
            ],
            None,
            "identity",
        ),
        ([], {"transformationType": "IDENTITY"}, "identity"),
        ([], {"transformationType": "TRANSFORMATION"}, "transformed"),
        ([], {"transformationType": "MASKED", "transformationDescription": "sha256"}, "hashed"),
        ([], {}, "unknown"),
    ],
)
def test_column_masking(transformations, legacy, masking):
    source = {
        "namespace": "bigquery",
        "name": "p.d.t",
        "field": "c",
        "transformations": transformations,
    }
    assert input_masking(source, legacy or {}) == masking


def test_service_refuses_invalid_events_before_writing(embedded_store):
    from graph.sources.openlineage.validation import InvalidEvent

    with pytest.raises(InvalidEvent) as refused:
        openlineage_event_ingest(event=raw_event(outputs=[{"name": "x"}]), store=embedded_store)

    assert [e.field for e in refused.value.errors] == ["outputs[0].namespace"]
    assert embedded_store.counts().datasets == 0


@pytest.mark.neo4j
@pytest.mark.django_db
def test_the_same_column_lineage_lands_in_neo4j(neo4j_store):
    from openlineage.client.serde import Serde

    run_id = str(uuid.uuid4())
    event = Serde.to_dict(run_event(RunState.COMPLETE, run_id))
    openlineage_event_ingest(event=event, store=neo4j_store)

    table = edge(neo4j_store, RAW, SUMMARY)
    assert (table.transformation_type, table.query_id) == ("OPENLINEAGE_JOB", run_id)
    assert column_edges(neo4j_store, SUMMARY) == {
        (column_key(RAW, "id"), "id"): "identity",
        (column_key(RAW, "email"), "email_hash"): "hashed",
        (column_key(RAW, "ssn"), "ssn_masked"): "redacted",
        (column_key(RAW, "amount"), "total"): "aggregated",
        (column_key(RAW, "country"), "country_upper"): "transformed",
    }
