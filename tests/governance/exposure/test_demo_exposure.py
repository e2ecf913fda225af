"""The demo warehouse's exposures, end to end: emulator → connector → store → governance → scan.

The demo's story (governance/demo.py): raw customer e-mails and phones are restricted PII,
copied unmasked through staging into an *internal* marketing export read by marketing; the
hashed e-mail path into the customer dimension and segments is masked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from governance import services
from governance.demo import demo_governance_seed
from governance.exposure.engine import exposure_compute
from governance.exposure.scan import exposure_scan
from governance.models import AssetGovernance, Finding
from graph.demo import demo_ingest
from tests.conftest import DEMO_DAYS, EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

SF = "snowflake://prod_db"
RAW = f"{SF}.raw.customers"
EXPORT = f"{SF}.marts.marketing_export"


def _leaks(store):
    return Finding.objects.filter(
        kind="unmasked_pii_path", source_dataset=RAW, target_dataset=EXPORT
    )


def _assert_the_demo_story(store, demo, demo_end):
    job = demo_ingest(store=store, days=DEMO_DAYS, end=demo_end)
    demo_governance_seed()

    exposure_scan(store=store, trigger="test")

    leaks = {f.source_column: f for f in _leaks(store)}
    assert {"email", "phone"} <= set(leaks)
    email = leaks["email"]
    assert (email.state, email.risk_level, email.masking, email.hops) == (
        "open",
        "HIGH",
        "unmasked",
        2,
    )
    assert email.paths[0]["datasets"] == [RAW, f"{SF}.staging.stg_customers", EXPORT]
    assert {r["principal"] for r in email.readers} >= {"MARY_MARKETING", "MARKETING"}
    assert any(g["principal"] == "ANALYST" and g["via"] == ["MARKETING"] for g in email.grants)
    # The hashed path carries no e-mail into the dimension nor into the segments.
    hashed = Finding.objects.filter(
        source=f"{RAW}#email",
        target_dataset__in=[f"{SF}.analytics.dim_customers", f"{SF}.marts.customer_segments"],
    )
    assert not hashed.exists()
    # Before the history began, there was nothing to find.
    before = exposure_compute(store=store, as_of=job.start - timedelta(days=1))
    assert before.exposures == []
    return email


def test_the_demo_leak_on_the_embedded_store(embedded_store, demo, demo_end):
    email = _assert_the_demo_story(embedded_store, demo, demo_end)

    export = AssetGovernance.objects.get(dataset__key=EXPORT)
    admin = export.updated_by
    services.asset_update(
        actor=admin,
        asset=export,
        changes={"classification": "restricted", "tags": ["pii", "gdpr", "ccpa"]},
        expected_version=export.version,
        reason="the export holds customer PII",
    )
    exposure_scan(store=embedded_store, trigger="test")
    assert Finding.objects.get(pk=email.pk).state == "resolved"


@pytest.mark.neo4j
def test_the_demo_leak_on_neo4j(neo4j_store, db, demo, demo_end):
    _assert_the_demo_story(neo4j_store, demo, demo_end)
