"""dbt as real projects ship it: no catalog.json, run_results from commands that run
nothing, BigQuery's backticked relations, descriptions. Artifacts from a real dbt build of
tests/fixtures/dbt_project (scripts/dbt-artifacts.sh); its schema.yml documents only a
few columns.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from graph.ingestion.dbt import dbt_artifacts_ingest
from graph.ingestion.openlineage import openlineage_event_ingest
from graph.models import Column, Dataset, IngestionRun

DUCK = "duckdb://shop"
CONTACTS = f"{DUCK}.marts.customer_contacts"


def ingest(source, target: Path, store, *, run_results="run_results.json", catalog=True):
    return dbt_artifacts_ingest(
        source=source,
        manifest_path=target / "manifest.json",
        run_results_path=target / run_results if run_results else None,
        catalog_path=target / "catalog.json" if catalog else None,
        store=store,
    )


def column_edges(store) -> set[tuple[str, str]]:
    """Every column edge into a dbt model's or snapshot's column."""
    found = set()
    for column in Column.objects.filter(dataset__platform="duckdb"):
        found |= {(e.upstream, e.downstream) for e in store.edges_of(column.key)}
    return found


def without_catalog(artifacts_dir: Path) -> Path:
    (artifacts_dir / "catalog.json").unlink()  # a plain `dbt build` writes none
    return artifacts_dir


def test_without_a_catalog_the_documented_columns_are_only_a_hint(
    dbt_target, artifacts_dir, dbt_source, embedded_store
):
    with_catalog = ingest(dbt_source, dbt_target, embedded_store)
    edges_with = column_edges(embedded_store)
    tables_with = embedded_store.counts().dataset_edges
    embedded_store.clear()
    Dataset.objects.all().delete()

    run = ingest(dbt_source, without_catalog(artifacts_dir), embedded_store, catalog=False)

    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    edges_without = column_edges(embedded_store)
    assert embedded_store.counts().dataset_edges == tables_with, "no table lineage is lost"
    # Measured on this project: 26 with the catalog, 23 without. The 3 missing are the
    # snapshot's SELECT * over raw.customers, of which schema.yml names only two columns;
    # everything else resolves from the SQL alone.
    assert len(edges_with - edges_without) <= 3, sorted(edges_with - edges_without)
    assert len(edges_without) >= len(edges_with) - 3
    assert (f"{DUCK}.staging.stg_customers#email", f"{CONTACTS}#email") in edges_without
    assert run.parse_failures == with_catalog.parse_failures == 0
    # customer_orders joins stg_customers, of which schema.yml documents only the e-mail.
    assert with_catalog.statements_partial == 0


def test_a_model_understood_only_in_part_counts_as_partial(
    artifacts_dir, dbt_source, embedded_store
):
    manifest = json.loads((artifacts_dir / "manifest.json").read_text())
    # An unqualified column across a join of two tables whose columns nobody documented
    # (stg_customers documents only its e-mail): nobody can tell whose it is.
    manifest["nodes"]["model.shop.customer_orders"]["compiled_code"] = (
        'select note from "shop"."staging"."stg_orders" o '
        'join "shop"."staging"."stg_orders" p on o.order_id = p.order_id '
        'join "shop"."staging"."stg_customers" c on c.customer_id = o.customer_id'
    )
    (artifacts_dir / "manifest.json").write_text(json.dumps(manifest))

    run = ingest(dbt_source, without_catalog(artifacts_dir), embedded_store, catalog=False)

    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    assert run.statements_partial == 1
    orders = f"{DUCK}.marts.customer_orders"
    upstreams = {e.upstream for e in embedded_store.edges_of(orders) if e.downstream == orders}
    assert {f"{DUCK}.staging.stg_customers", f"{DUCK}.staging.stg_orders"} <= upstreams
    # What schema.yml alone names is marked so: no position, no graph node.
    phone = Column.objects.get(key=f"{DUCK}.raw.customers#phone")
    assert (phone.documented_only, phone.description) == (False, "Personal phone number (PII).")
    hashed = Column.objects.get(key=f"{DUCK}.marts.customer_emails_hashed#email_hash")
    assert hashed.description == "md5 of the e-mail address."


def test_documented_only_columns_are_not_given_a_position(dbt_target, dbt_source, embedded_store):
    ingest(dbt_source, dbt_target, embedded_store)

    score = Column.objects.get(key=f"{DUCK}.marts.customer_scores#score")
    assert (score.documented_only, score.ordinal) == (True, None)
    assert not embedded_store.edges_of(f"{DUCK}.marts.customer_scores#score")
    email = Column.objects.get(key=f"{CONTACTS}#email")
    assert (email.documented_only, email.ordinal, email.data_type) == (False, 3, "VARCHAR")


def test_descriptions_fill_the_catalog_but_never_replace_a_stewards(
    dbt_target, dbt_source, embedded_store
):
    ingest(dbt_source, dbt_target, embedded_store)
    contacts = Dataset.objects.get(key=CONTACTS)
    assert contacts.description == "Contact details for marketing campaigns."
    assert Column.objects.get(key=f"{CONTACTS}#email").description == (
        "Copied unmasked from raw.customers."
    )

    contacts.description = "Marketing's list; reviewed by the DPO."
    contacts.save()
    Column.objects.filter(key=f"{CONTACTS}#email").update(description="Steward's words.")
    ingest(dbt_source, dbt_target, embedded_store)

    assert Dataset.objects.get(key=CONTACTS).description == "Marketing's list; reviewed by the DPO."
    assert Column.objects.get(key=f"{CONTACTS}#email").description == "Steward's words."


def test_run_results_of_docs_generate_mark_nothing_as_run(dbt_target, dbt_source, embedded_store):
    docs = json.loads((dbt_target / "docs" / "run_results.json").read_text())
    assert docs["args"]["which"] == "generate"

    run = ingest(dbt_source, dbt_target, embedded_store, run_results="docs/run_results.json")

    email = next(
        e
        for e in embedded_store.edges_of(f"{CONTACTS}#email")
        if e.upstream == f"{DUCK}.staging.stg_customers#email"
    )
    assert (email.execution_status, email.run_count) == ("NOT_RUN", 0)
    reasons = {f.query_id: f.reason for f in run.failures.all()}
    assert "`dbt generate`, which runs no model" in reasons["run_results.json"]


def bigquery(artifacts_dir: Path) -> Path:
    """The same project as dbt-bigquery writes it: backticked relations, BigQuery SQL."""
    manifest = json.loads((artifacts_dir / "manifest.json").read_text())
    manifest["metadata"]["adapter_type"] = "bigquery"
    quoted = re.compile(r'"([^"]+)"\."([^"]+)"\."([^"]+)"')
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        for field in ("relation_name", "compiled_code"):
            if node.get(field):
                node[field] = quoted.sub(r"`\1`.`\2`.`\3`", node[field])
    (artifacts_dir / "manifest.json").write_text(json.dumps(manifest))
    (artifacts_dir / "catalog.json").unlink()
    return artifacts_dir


def test_bigquery_backticks_meet_parsed_sql_and_openlineage_keys(
    artifacts_dir, dbt_source, embedded_store
):
    target = bigquery(artifacts_dir)
    relation = json.loads((target / "manifest.json").read_text())["nodes"][
        "model.shop.customer_contacts"
    ]["relation_name"]
    assert relation == "`shop`.`marts`.`customer_contacts`"

    ingest(dbt_source, target, embedded_store, catalog=False)
    contacts = "bigquery://shop.marts.customer_contacts"
    assert not Dataset.objects.filter(key__contains="`").exists()
    upstream = {e.upstream for e in embedded_store.edges_of(f"{contacts}#email")}
    assert upstream == {"bigquery://shop.staging.stg_customers#email"}
    before = embedded_store.counts().datasets

    openlineage_event_ingest(
        event={
            "eventType": "COMPLETE",
            "eventTime": "2026-06-30T12:00:00Z",
            "run": {"runId": "0190b5a4-5e1b-7c3e-9a51-0c6f2d3e4b5a"},
            "job": {"namespace": "airflow", "name": "export"},
            "producer": "https://github.com/acme/pipelines",
            "inputs": [{"namespace": "bigquery", "name": "shop.marts.customer_contacts"}],
            "outputs": [{"namespace": "bigquery", "name": "shop.exports.contacts_feed"}],
        },
        store=embedded_store,
    )

    assert embedded_store.counts().datasets == before + 1, "one dataset, not two"
    assert {e.downstream for e in embedded_store.edges_of(contacts)} >= {
        "bigquery://shop.exports.contacts_feed"
    }
