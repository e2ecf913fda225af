"""The dbt source, on artifacts that real dbt (dbt-core 1.10 + dbt-duckdb) builds for each run.

The fixture project (tests/fixtures/dbt_project) has raw customers (e-mail, phone) and
orders, staging views, marts that copy the e-mail as is, hash it or aggregate orders, one
model that fails at run time and one downstream of it that dbt skips.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.ingestion import ingest_window
from graph.ingestion.dbt import dbt_artifacts_ingest
from graph.models import Column, Dataset, IngestionRun, Source
from graph.sources.dbt import DbtSource, load_artifacts

ROOT = Path(__file__).resolve().parents[2]
DUCK = "duckdb://shop"
RAW_EMAIL = f"{DUCK}.raw.customers#email"
STG_EMAIL = f"{DUCK}.staging.stg_customers#email"
CONTACTS_EMAIL = f"{DUCK}.marts.customer_contacts#email"
HASHED = f"{DUCK}.marts.customer_emails_hashed#email_hash"
SCORES = f"{DUCK}.marts.customer_scores"


def _ingest(source, target: Path, store, *, run_results=True) -> IngestionRun:
    return dbt_artifacts_ingest(
        source=source,
        manifest_path=target / "manifest.json",
        run_results_path=target / "run_results.json" if run_results else None,
        store=store,
    )


def _edge(store, upstream, downstream):
    return next(e for e in store.edges_of(downstream) if e.upstream == upstream)


def _run_results(target: Path) -> dict:
    return {
        r["unique_id"]: r for r in json.loads((target / "run_results.json").read_text())["results"]
    }


def test_artifacts_name_every_relation_and_its_last_run(dbt_target):
    artifacts = load_artifacts(
        dbt_target / "manifest.json", dbt_target / "run_results.json", dbt_target / "catalog.json"
    )
    assert artifacts.platform == "duckdb" and artifacts.dbt_version.startswith("1.10.")
    keys = {artifacts.key(node): node.kind for node in artifacts.nodes.values()}
    assert keys[f"{DUCK}.raw.customers"] == "table"  # the seed, and the source reading it
    assert keys[f"{DUCK}.staging.stg_customers"] == "view"
    assert keys[f"{DUCK}.snapshots.customers_snapshot"] == "table"
    statuses = {uid: r.status for uid, r in artifacts.results.items()}
    assert statuses["model.shop.customer_scores"] == "ERROR"
    assert statuses["model.shop.top_customer_scores"] == "SKIPPED"
    assert statuses["model.shop.customer_contacts"] == "SUCCESS"
    assert artifacts.schema()["shop.marts.customer_contacts"]["email"] == "VARCHAR"
    assert artifacts.issues == []


def test_pii_lineage_through_staging_into_the_marts(dbt_target, dbt_source, embedded_store):
    run = _ingest(dbt_source, dbt_target, embedded_store)

    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    assert (run.parse_failures, run.statements_kept) == (0, 8)  # 7 models, 1 snapshot
    # The unmasked leak: raw e-mail lands in the contact list, copied on every hop.
    paths = embedded_store.paths(RAW_EMAIL, CONTACTS_EMAIL, depth=4)
    assert [[e.masking for e in p.edges] for p in paths] == [["identity", "identity"]]
    leak = _edge(embedded_store, STG_EMAIL, CONTACTS_EMAIL)
    assert (leak.transformation_type, leak.execution_status, leak.run_count) == (
        "DBT_MODEL",
        "SUCCESS",
        1,
    )
    assert leak.job == "dbt:model.shop.customer_contacts"
    assert leak.job_version.startswith(load_artifacts(dbt_target / "manifest.json").dbt_version)
    started = _run_results(dbt_target)["model.shop.customer_contacts"]["timing"][1]["started_at"]
    assert leak.last_seen.isoformat().replace("+00:00", "Z") == started
    # md5(email): hashed on the way.
    assert _edge(embedded_store, STG_EMAIL, HASHED).masking == "hashed"
    # Aggregates, and a dataset edge as leaky as its leakiest column.
    orders = f"{DUCK}.marts.customer_orders"
    assert (
        _edge(
            embedded_store, f"{DUCK}.staging.stg_orders#amount", f"{orders}#lifetime_value"
        ).masking
        == "aggregated"
    )
    assert _edge(embedded_store, f"{DUCK}.staging.stg_customers", orders).masking == "identity"
    snapshot = _edge(
        embedded_store, f"{DUCK}.raw.customers", f"{DUCK}.snapshots.customers_snapshot"
    )
    assert snapshot.transformation_type == "DBT_SNAPSHOT"


def test_a_failed_model_keeps_its_edges_marked_failed(dbt_target, dbt_source, embedded_store):
    _ingest(dbt_source, dbt_target, embedded_store)

    failed = _edge(embedded_store, f"{DUCK}.staging.stg_customers", SCORES)
    assert (failed.execution_status, failed.run_count) == ("ERROR", 0)
    skipped = _edge(embedded_store, SCORES, f"{DUCK}.marts.top_customer_scores")
    assert skipped.execution_status == "SKIPPED"
    # Neither table was created: their SQL makes no columns the warehouse does not have.
    for model in (SCORES, f"{DUCK}.marts.top_customer_scores"):
        assert embedded_store.get_dataset(model) is not None
        assert not [e for e in embedded_store.edges_of(f"{model}#score")]
    score = Column.objects.get(key=f"{SCORES}#score")  # documented in schema.yml only
    assert (score.documented_only, score.ordinal, score.data_type) == (True, None, "integer")


def test_the_catalog_gets_datasets_and_typed_columns(dbt_target, dbt_source, embedded_store):
    run = _ingest(dbt_source, dbt_target, embedded_store)

    contacts = Dataset.objects.get(key=f"{DUCK}.marts.customer_contacts")
    assert (contacts.platform, contacts.database, contacts.schema, contacts.kind) == (
        "duckdb",
        "shop",
        "marts",
        "table",
    )
    assert Dataset.objects.get(key=f"{DUCK}.staging.stg_customers").kind == "view"
    email = Column.objects.get(key=CONTACTS_EMAIL)
    assert (email.data_type, email.ordinal) == ("VARCHAR", 3)
    dbt_source.refresh_from_db()
    assert dbt_source.watermark == run.window_end and run.window_start < run.window_end


def test_ingesting_the_same_artifacts_twice_changes_nothing(dbt_target, dbt_source, embedded_store):
    _ingest(dbt_source, dbt_target, embedded_store)
    before = (embedded_store.counts(), embedded_store.edges_of(CONTACTS_EMAIL))
    _ingest(dbt_source, dbt_target, embedded_store)
    assert (embedded_store.counts(), embedded_store.edges_of(CONTACTS_EMAIL)) == before


def test_a_manifest_alone_records_declared_lineage_as_not_run(
    dbt_target, dbt_source, embedded_store
):
    run = _ingest(dbt_source, dbt_target, embedded_store, run_results=False)

    assert run.status == IngestionRun.Status.SUCCEEDED
    edge = _edge(embedded_store, STG_EMAIL, CONTACTS_EMAIL)
    assert (edge.execution_status, edge.run_count, edge.masking) == ("NOT_RUN", 0, "identity")


def test_a_manifest_alone_never_hides_a_real_run(dbt_target, dbt_source, embedded_store):
    _ingest(dbt_source, dbt_target, embedded_store)
    _ingest(dbt_source, dbt_target, embedded_store, run_results=False)

    assert _edge(embedded_store, STG_EMAIL, CONTACTS_EMAIL).execution_status == "SUCCESS"
    scores = _edge(embedded_store, f"{DUCK}.staging.stg_customers", SCORES)
    assert scores.execution_status == "ERROR"


def test_broken_nodes_are_reported_one_by_one(artifacts_dir, dbt_source, embedded_store):
    manifest = json.loads((artifacts_dir / "manifest.json").read_text())
    nodes = manifest["nodes"]
    nodes["model.shop.customer_orders"]["compiled_code"] = "select sum( from where"
    del nodes["model.shop.customer_emails_hashed"]["schema"]
    (artifacts_dir / "manifest.json").write_text(json.dumps(manifest))
    (artifacts_dir / "catalog.json").write_text("{not json")

    run = _ingest(dbt_source, artifacts_dir, embedded_store)

    assert run.status == IngestionRun.Status.SUCCEEDED
    reasons = {f.query_id: f.reason for f in run.failures.all()}
    assert reasons["model.shop.customer_orders"].startswith("compiled SQL: could not parse")
    assert "schema" in reasons["model.shop.customer_emails_hashed"]
    assert reasons["catalog.json"].startswith("catalog.json: not valid JSON")
    assert run.parse_failures == len(reasons) == 3
    # The rest goes on: the leak is there, the unparseable model keeps its declared edges.
    assert _edge(embedded_store, STG_EMAIL, CONTACTS_EMAIL).masking == "identity"
    orders = f"{DUCK}.marts.customer_orders"
    assert _edge(embedded_store, f"{DUCK}.staging.stg_orders", orders).masking == "unknown"
    assert embedded_store.get_dataset(f"{DUCK}.marts.customer_emails_hashed") is None


def test_an_unreadable_manifest_fails_the_run(tmp_path, dbt_source, embedded_store):
    (tmp_path / "manifest.json").write_text('{"metadata": {"adapter_type": "duckdb"}, "nodes": ')

    run = _ingest(dbt_source, tmp_path, embedded_store, run_results=False)

    assert run.status == IngestionRun.Status.FAILED
    assert run.error.startswith("manifest.json: not valid JSON")
    assert embedded_store.counts().datasets == 0


def test_the_common_source_shape_feeds_the_generic_pipeline(dbt_target, dbt_source, embedded_store):
    source = DbtSource(
        load_artifacts(
            dbt_target / "manifest.json",
            dbt_target / "run_results.json",
            dbt_target / "catalog.json",
        )
    )
    start, end = source.artifacts.window()
    records = {r.query_id: r for r in source.fetch(start, end.replace(year=end.year + 1))}
    contacts = records["model.shop.customer_contacts"]
    assert contacts.text.startswith('CREATE TABLE "shop"."marts"."customer_contacts" AS')
    assert (contacts.job, contacts.execution_status) == (
        "dbt:model.shop.customer_contacts",
        "SUCCESS",
    )
    assert records["model.shop.customer_scores"].execution_status == "ERROR"

    ingest_window(
        source=dbt_source,
        window_start=start,
        window_end=end.replace(year=end.year + 1),
        store=embedded_store,
        fetcher=source,
    )
    edge = _edge(embedded_store, STG_EMAIL, CONTACTS_EMAIL)
    assert (edge.masking, edge.job) == ("identity", "dbt:model.shop.customer_contacts")


@pytest.mark.neo4j
def test_the_same_lineage_in_neo4j(dbt_target, dbt_source, neo4j_store):
    _ingest(dbt_source, dbt_target, neo4j_store)

    assert CONTACTS_EMAIL in {r.key for r in neo4j_store.downstream(RAW_EMAIL, depth=3)}
    assert _edge(neo4j_store, STG_EMAIL, HASHED).masking == "hashed"
    assert _edge(neo4j_store, f"{DUCK}.staging.stg_customers", SCORES).execution_status == "ERROR"


def test_the_ingest_dbt_command_loads_real_artifacts(dbt_target, db, embedded_store):
    from io import StringIO

    from django.core.management import call_command

    from graph.store import reset_store

    reset_store()  # the command uses the configured (embedded) store on the test database
    out = StringIO()
    call_command("ingest_dbt", "shop-dbt-cli", str(dbt_target), stdout=out)

    assert "succeeded" in out.getvalue()
    assert Source.objects.get(name="shop-dbt-cli").kind == Source.Kind.DBT
    assert [e.masking for e in _edge_path(embedded_store)] == ["identity", "identity"]


def test_the_ingest_dbt_command_names_a_missing_manifest(db, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="manifest.json does not exist"):
        call_command("ingest_dbt", "shop-dbt-cli", str(tmp_path))


def _edge_path(store):
    (path,) = store.paths(RAW_EMAIL, CONTACTS_EMAIL, depth=4)
    return path.edges


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_ingests_dbt_artifacts(dbt_target):
    import time
    import uuid

    from celery.contrib.testing.worker import start_worker

    from graph.store import reset_store
    from graph.store.embedded import EmbeddedStore
    from graph.tasks import ingest_dbt_artifacts_task
    from lineage_portal.celery import app

    reset_store()
    source = Source.objects.create(name="shop-dbt-worker", kind=Source.Kind.DBT)
    queue = f"test-dbt-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", queues=[queue]):
            ingest_dbt_artifacts_task.apply_async((source.pk, str(dbt_target)), queue=queue)
            deadline = time.monotonic() + 60
            while not source.runs.filter(finished_at__isnull=False).exists():
                assert time.monotonic() < deadline, "the worker did not finish the dbt run"
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True

    run = source.runs.get()
    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    assert [e.masking for e in _edge_path(EmbeddedStore())] == ["identity", "identity"]
