"""The exposure engine on small warehouses built edge by edge, on both graph stores.

Each test draws the lineage it needs with the vocabulary real producers write
(OpenLineage's type/subtype/masking beside our transform label), classifies a few assets,
and asks what the engine finds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance.exposure.engine import exposure_compute
from governance.models import AssetGovernance, TagSuggestion
from graph.store.base import EdgeObservation

from ..factories import ColumnFactory, DatasetFactory, MaskingPolicyFactory, tag

pytestmark = pytest.mark.django_db

JUNE = datetime(2026, 6, 1, tzinfo=UTC)
VOCABULARY = {
    "identity": ("DIRECT", "IDENTITY", False),
    "min": ("DIRECT", "AGGREGATION", False),  # MIN/MAX/LISTAGG return real values
    "count": ("DIRECT", "AGGREGATION", True),
    "sum": ("DIRECT", "AGGREGATION", False),
    "hash": ("DIRECT", "TRANSFORMATION", True),
    "filter": ("INDIRECT", "FILTER", False),
    "unknown": (None, None, None),
}
LABEL = {
    "identity": "identity",
    "min": "identity",
    "count": "aggregated",
    "sum": "aggregated",
    "hash": "hashed",
    "filter": "transformed",
    "unknown": "unknown",
}


def key(table: str, column: str | None = None) -> str:
    schema, name = table.split(".")
    dataset = f"snowflake://prod_db.{schema}.{name}"
    return f"{dataset}#{column}" if column else dataset


def catalog(*columns: str) -> None:
    """Catalog rows for ``schema.table.column`` names."""
    for name in columns:
        schema, table, column = name.split(".")
        ColumnFactory(dataset=DatasetFactory(schema=schema, name=table), name=column)


def flow(store, up: str, down: str, how: str = "identity", at: datetime = JUNE) -> None:
    """A column edge ``schema.table.column`` → ``schema.table.column`` and its table edge."""
    catalog(up, down)
    (us, ut, uc), (ds, dt, dc) = up.split("."), down.split(".")
    flow_type, subtype, masked = VOCABULARY[how]
    store.merge_edges(
        [
            EdgeObservation(
                key(f"{us}.{ut}", uc),
                key(f"{ds}.{dt}", dc),
                "column",
                "CTAS",
                at,
                at,
                masking=LABEL[how],
                flow_type=flow_type,
                subtype=subtype,
                masked=masked,
            ),
            EdgeObservation(key(f"{us}.{ut}"), key(f"{ds}.{dt}"), "dataset", "CTAS", at, at),
        ]
    )


def classify(name: str, level: str | None, *tags: str, policy: str | None = None):
    """Governance on ``schema.table`` or ``schema.table.column``."""
    parts = name.split(".")
    dataset = DatasetFactory(schema=parts[0], name=parts[1])
    target = (
        {"column": ColumnFactory(dataset=dataset, name=parts[2]), "dataset": None}
        if len(parts) == 3
        else {"dataset": dataset}
    )
    asset = AssetGovernance.objects.create(
        classification=level,
        masking_policy=MaskingPolicyFactory(name=policy) if policy else None,
        **target,
    )
    asset.tags.set([tag(t) for t in tags])
    return asset


def found(store, **kwargs) -> dict[tuple[str, str], object]:
    computed = exposure_compute(store=store, **kwargs)
    return {(e.source.key, e.target.key): e for e in computed.exposures}


def test_an_unmasked_copy_into_a_lower_asset_is_an_exposure(store):
    flow(store, "raw.customers.email", "staging.stg.email")
    flow(store, "staging.stg.email", "marts.export.email")
    classify("raw.customers.email", "restricted", "pii", "gdpr")
    classify("staging.stg", "restricted", "pii", "gdpr")
    classify("marts.export", "internal")

    exposures = found(store)

    leak = exposures[(key("raw.customers", "email"), key("marts.export", "email"))]
    assert (leak.source.risk_level, leak.source.risk_key) == ("HIGH", "pii_exposure")
    assert leak.readable and leak.hops == 2
    assert [h.to_dataset for h in leak.paths[0].hops] == [key("staging.stg"), key("marts.export")]
    assert "internal" in leak.reason and "gdpr, pii" in leak.reason
    # The protected copy in staging is no exposure, and is not named as a second source.
    assert set(exposures) == {(key("raw.customers", "email"), key("marts.export", "email"))}


@pytest.mark.parametrize(
    ("how", "exposed"),
    [("identity", True), ("min", True), ("count", False), ("sum", False), ("hash", False)],
)
def test_what_an_edge_does_decides_whether_pii_arrives(store, how, exposed):
    flow(store, "raw.customers.email", "marts.stats.value", how)
    classify("raw.customers.email", "restricted", "pii")

    assert bool(found(store)) is exposed


@pytest.mark.parametrize(("how", "exposed"), [("sum", True), ("count", False), ("min", True)])
def test_sums_carry_financial_values(store, how, exposed):
    flow(store, "raw.payments.amount", "marts.kpis.revenue", how)
    classify("raw.payments.amount", "confidential", "financial", "sox")

    exposures = found(store)
    assert bool(exposures) is exposed
    if exposed:
        [exposure] = exposures.values()
        assert (exposure.source.risk_level, exposure.source.risk_key) == (
            "MEDIUM",
            "financial_data",
        )


def test_a_filter_column_does_not_carry_its_value(store):
    flow(store, "raw.customers.email", "marts.export.email_domain", "filter")
    classify("raw.customers.email", "restricted", "pii")

    assert found(store) == {}


def test_a_masking_policy_on_the_target_masks_reads_of_it(store):
    flow(store, "raw.customers.email", "marts.export.email")
    classify("raw.customers.email", "restricted", "pii")
    classify("marts.export.email", None, policy="EMAIL_MASK")

    assert found(store) == {}


def test_a_policy_the_warehouse_attaches_masks_as_well(store):
    flow(store, "raw.customers.email", "marts.export.email")
    classify("raw.customers.email", "restricted", "pii")
    target = classify("marts.export.email", None)
    TagSuggestion.objects.create(
        asset=target,
        masking_policy=MaskingPolicyFactory(name="EMAIL_MASK"),
        source="snowflake:POLICY_REFERENCES",
    )

    assert found(store) == {}


def test_an_unknown_transformation_is_reported_as_unknown_never_masked(store):
    flow(store, "raw.customers.email", "marts.export.email", "unknown")
    classify("raw.customers.email", "restricted", "pii")

    [exposure] = found(store).values()
    assert not exposure.readable
    assert [h.carry.value for h in exposure.paths[0].hops] == ["unknown"]


def test_table_level_lineage_without_columns_is_unknown_masking(store):
    catalog("raw.customers.email", "marts.blob.payload")
    store.merge_edges(
        [EdgeObservation(key("raw.customers"), key("marts.blob"), "dataset", "COPY", JUNE, JUNE)]
    )
    classify("raw.customers.email", "restricted", "pii")

    exposures = found(store)

    exposure = exposures[(key("raw.customers"), key("marts.blob"))]
    assert not exposure.readable and exposure.source.risk_level == "HIGH"


def test_a_table_classified_as_a_whole_makes_its_columns_sources(store):
    flow(store, "raw.ledger.amount", "marts.report.amount")
    flow(store, "raw.ledger.posted_at", "marts.report.posted_at")
    classify("raw.ledger", "confidential", "sox")

    assert set(found(store)) == {
        (key("raw.ledger", "amount"), key("marts.report", "amount")),
        (key("raw.ledger", "posted_at"), key("marts.report", "posted_at")),
    }


def test_a_hash_kept_in_a_pii_table_is_no_pii_source(store):
    flow(store, "raw.customers.email", "analytics.dim.email_hash", "hash")
    flow(store, "analytics.dim.email_hash", "marts.segments.email_hash")
    classify("raw.customers.email", "restricted", "pii")
    classify("analytics.dim", "confidential", "pii")
    classify("marts.segments", "internal")

    assert found(store) == {}


def test_as_of_before_the_first_run_shows_nothing(store):
    flow(store, "raw.customers.email", "marts.export.email", at=JUNE)
    classify("raw.customers.email", "restricted", "pii")

    assert found(store, as_of=datetime(2026, 5, 31, tzinfo=UTC)) == {}
    assert found(store, as_of=datetime(2026, 6, 2, tzinfo=UTC)) != {}


def test_every_path_is_evidence_shortest_first(store):
    flow(store, "raw.customers.email", "marts.export.email")
    flow(store, "raw.customers.email", "staging.tmp.email")
    flow(store, "staging.tmp.email", "marts.export.email")
    classify("raw.customers.email", "restricted", "pii")

    [exposure] = [e for (s, t), e in found(store).items() if t == key("marts.export", "email")]
    assert [len(p.hops) for p in exposure.paths] == [1, 2]
