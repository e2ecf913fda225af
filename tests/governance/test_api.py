"""The governance API's reads: every list filters and pages, and the schema stays valid."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from governance import services
from governance.audit_runs import audit_verification_run
from governance.models import TagSuggestion

from .factories import (
    AssetGovernanceFactory,
    ColumnFactory,
    DatasetFactory,
    MaskingPolicyFactory,
    tag,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/"


@pytest.fixture
def api(client, world):
    """Signed in as an auditor (reads are for anyone signed in); the world classified."""
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        changes={"classification": "restricted", "tags": ["pii"]},
        expected_version=None,
    )
    services.asset_update(
        actor=world.admin,
        asset=world.team_asset,
        changes={"classification": "confidential"},
        expected_version=None,
    )
    client.force_login(world.auditor)
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_datasets_with_their_governance(api, world):
    DatasetFactory(name="never_governed")
    rows = results(api.get(API + "datasets/"))
    by_name = {row["name"]: row["governance"] for row in rows}
    assert by_name["customers"]["classification"] == "restricted"
    assert (
        by_name["customers"]["tags"] == ["pii"] and by_name["customers"]["steward"] == "Olive Owner"
    )
    assert by_name["never_governed"] == {
        "key": "snowflake://prod_db.raw.never_governed",
        "kind": "dataset",
        "classification": None,
        "tags": [],
        "steward": None,
        "masking_policy": None,
        "next_review_due": None,
        "review_state": "unscheduled",
        "version": 0,
        "updated_at": None,
        "updated_by": None,
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("classification=restricted", ["customers"]),
        ("classification=unclassified", []),
        ("tag=pii", ["customers"]),
        ("q=pay", ["payments"]),
        ("sort=-name", ["payments", "customers"]),
    ],
)
def test_dataset_filters(api, query, names):
    assert [row["name"] for row in results(api.get(f"{API}datasets/?{query}"))] == names


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("tag=nope", "tag", "Unknown regulatory tag “nope”."),
        ("classification=secret", "classification", "Unknown classification level “secret”"),
        ("steward=999999", "steward", "Unknown steward “999999”"),
        ("review_state=later", "review_state", "Unknown review state “later”"),
    ],
)
def test_bad_filters_are_400_naming_the_value(api, query, field, message):
    response = api.get(f"{API}datasets/?{query}")
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)


def test_columns_of_one_dataset(api, world):
    email = ColumnFactory(dataset=world.asset.dataset, name="email", ordinal=1)
    ColumnFactory(dataset=world.team_asset.dataset, name="amount")
    rows = results(api.get(f"{API}columns/?dataset={world.asset.dataset_id}"))
    assert [(row["name"], row["dataset_key"], row["governance"]["kind"]) for row in rows] == [
        ("email", world.asset.key, "column")
    ]
    assert api.get(f"{API}columns/{email.pk}/").json()["key"] == email.key


def test_classification_levels_strongest_first(api):
    assert [level["level"] for level in api.get(API + "classifications/").json()] == [
        "restricted",
        "confidential",
        "internal",
        "public",
    ]


def test_registries(api, world):
    MaskingPolicyFactory(name="EMAIL_HASH")
    assert [s["name"] for s in results(api.get(API + "stewards/?kind=team"))] == ["Finance Data"]
    assert results(api.get(API + "stewards/?q=olive"))[0]["members"] == ["owner"]
    assert [p["name"] for p in results(api.get(API + "masking-policies/?kind=hash"))] == [
        "EMAIL_HASH"
    ]
    assert "pii" in [t["slug"] for t in results(api.get(API + "tags/?builtin=true"))]
    assert api.get(API + "tags/pii/").json()["builtin"] is True


def test_reviews_and_the_due_list(api, client, world):
    services.review_attest(actor=world.owner, asset=world.asset, outcome="confirmed", comment="ok")
    rows = results(api.get(f"{API}reviews/?dataset={world.asset.dataset_id}"))
    assert [(r["asset"], r["reviewer"], r["outcome"]) for r in rows] == [
        (world.asset.key, "owner", "confirmed")
    ]
    services.review_cycle_open(
        actor=world.admin, assets=[world.asset, world.team_asset], reason="quarterly cycle"
    )
    assert len(results(api.get(API + "reviews/due/"))) == 2  # auditors see everyone's
    client.force_login(world.owner)
    assert [r["key"] for r in results(client.get(API + "reviews/due/"))] == [world.asset.key]


def test_audit_events_filter_and_verify(api, world):
    column = AssetGovernanceFactory(
        dataset=None, column=ColumnFactory(dataset=world.asset.dataset, name="email")
    )
    services.classification_assign(actor=world.admin, asset=column, level="restricted")
    key = world.asset.key
    assert len(results(api.get(f"{API}audit-events/?object_key={key}"))) == 1
    both = results(api.get(f"{API}audit-events/?object_key={key}&with_columns=true"))
    assert [event["object_key"] for event in both] == [f"{key}#email", key]
    assert (
        results(api.get(f"{API}audit-events/?actor=ada&action=asset.update"))[0]["actor"] == "ada"
    )
    first = both[-1]["seq"]
    assert api.get(f"{API}audit-events/{first}/").json()["hash"] == both[-1]["hash"]
    assert api.get(API + "audit-events/verify/").json()["problem"] == "not verified yet"
    audit_verification_run(full=True)
    report = api.get(API + "audit-events/verify/").json()
    checkpoint = report.pop("checkpoint")
    assert report | {"ran_at": None} == {
        "intact": True,
        "verified": 3,
        "bad_seq": None,
        "problem": "",
        "kind": "intact",
        "scope": "full",
        "ran_at": None,
    }
    assert (checkpoint["seq"], checkpoint["count"]) == (both[0]["seq"], 3)


def test_pending_suggestions_do_not_leak_into_reads(api, world):
    # Suggestions are decided on the pages; the asset's tags only change when accepted.
    TagSuggestion.objects.create(
        asset=world.asset, tag=tag("gdpr"), source="snowflake:TAG_REFERENCES"
    )
    assert api.get(f"{API}datasets/{world.asset.dataset_id}/").json()["governance"]["tags"] == [
        "pii"
    ]


def test_the_schema_is_valid_and_lists_every_governance_endpoint():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = [path for path in schema["paths"] if path.startswith("/api/v1/governance/")]
    assert len(paths) == 17
    patch = schema["paths"]["/api/v1/governance/datasets/{id}/"]["patch"]
    assert "409" in patch["responses"]
