"""The exposure API as design.md states it: traced paths and findings, with their errors."""

from __future__ import annotations

import pytest
from django.test import override_settings

from governance.exposure.scan import exposure_scan
from governance.models import AuditEvent, Finding

from ..factories import StewardFactory
from .test_engine import classify, flow, key

pytestmark = pytest.mark.django_db

PATHS = "/api/v1/exposure/paths"
FINDINGS = "/api/v1/exposure/findings"


@pytest.fixture
def leak(store, world):
    """A restricted e-mail copied unmasked into an internal export, and hashed into a dimension."""
    flow(store, "raw.customers.email", "staging.stg.email")
    flow(store, "staging.stg.email", "marts.export.email")
    flow(store, "staging.stg.email", "analytics.dim.email_hash", "hash")
    owner = StewardFactory(name="Data Owner")
    for name, level, tags in (
        ("raw.customers.email", "restricted", ("pii", "gdpr")),
        ("staging.stg", "restricted", ("pii", "gdpr")),
        ("marts.export", "internal", ()),
        ("analytics.dim", "internal", ()),
    ):
        asset = classify(name, level, *tags)
        asset.steward = world.person if name == "marts.export" else owner
        asset.save()
    exposure_scan(store=store, trigger="test")
    return store


@pytest.fixture
def api(client, world):
    client.force_login(world.auditor)
    return client


@pytest.fixture(autouse=True)
def _the_store_under_test(store):
    """The API asks the process-wide store: make it the backend this test runs on."""
    import graph.store as graph_store

    previous = graph_store._store
    graph_store._store = store
    yield
    graph_store._store = previous


def test_paths_into_a_target_named_as_in_the_warehouse(api, leak):
    response = api.get(PATHS, {"target": "PROD_DB.MARTS.EXPORT", "max_depth": 5})

    assert response.status_code == 200
    body = response.json()
    assert (body["target"], body["max_depth"], body["as_of"]) == (key("marts.export"), 5, None)
    origin = next(p for p in body["paths"] if p["source"] == key("raw.customers"))
    assert (origin["source_column"], origin["target_column"], origin["masked"]) == (
        "email",
        "email",
        False,
    )
    assert (origin["risk_level"], origin["classification"], origin["tags"]) == (
        "HIGH",
        "restricted",
        ["gdpr", "pii"],
    )
    assert origin["path"] == [key("raw.customers"), key("staging.stg"), key("marts.export")]
    hop = origin["hops"][0]
    assert (hop["transform"], hop["type"], hop["subtype"], hop["masking"]) == (
        "identity",
        "DIRECT",
        "IDENTITY",
        False,
    )
    assert hop["transformation_type"] == "CTAS" and hop["execution_status"] == "SUCCESS"


def test_a_hashed_path_is_listed_as_masked(api, leak):
    body = api.get(PATHS, {"target": key("analytics.dim"), "column": "email_hash"}).json()

    assert {(p["source"], p["masked"]) for p in body["paths"]} >= {(key("raw.customers"), True)}
    assert body["column"] == "email_hash"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"max_depth": 0}, "max_depth"),
        ({"max_depth": 21}, "max_depth"),
        ({"max_depth": "five"}, "max_depth"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, leak, params, field):
    response = api.get(PATHS, {"target": "marts.export", **params})

    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_target_is_404(api, leak):
    assert api.get(PATHS, {"target": "PROD_DB.MARTS.NOTHING_HERE"}).status_code == 404


def test_as_of_before_the_lineage_existed_finds_no_path(api, leak):
    body = api.get(PATHS, {"target": "marts.export", "as_of": "2026-05-01"}).json()

    assert (body["as_of"], body["paths"]) == ("2026-05-01", [])


def test_findings_are_paginated_and_filtered(api, leak):
    body = api.get(FINDINGS, {"kind": "unmasked_pii_path"}).json()

    assert set(body) >= {"count", "next", "previous", "results"}
    [finding] = body["results"]
    assert (finding["source"], finding["source_column"]) == (key("raw.customers"), "email")
    assert (finding["target"], finding["target_column"]) == (key("marts.export"), "email")
    assert finding["paths"][0]["datasets"][1] == key("staging.stg")
    for filters, count in (
        ({"risk_level": "HIGH", "kind": "unmasked_pii_path"}, 1),
        ({"tag": "gdpr", "kind": "unmasked_pii_path"}, 1),
        ({"target": "marts.export", "state": "open"}, 1),
        ({"steward": "Olive Owner", "kind": "unmasked_pii_path"}, 1),
        ({"risk_level": "LOW", "kind": "unmasked_pii_path"}, 0),
    ):
        assert api.get(FINDINGS, filters).json()["count"] == count, filters
    assert api.get(FINDINGS, {"risk_level": "SEVERE"}).status_code == 400


def test_the_steward_acknowledges_through_the_api(client, leak, world):
    finding = Finding.objects.get(kind="unmasked_pii_path")
    url = f"{FINDINGS}/{finding.pk}/acknowledge"
    client.force_login(world.auditor)
    assert client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    client.force_login(world.owner)
    assert client.post(url, {}, content_type="application/json").status_code == 400

    response = client.post(
        url,
        {"reason": "Campaign approved by legal", "expires": "2099-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "expires" in response.json()
    response = client.post(
        url, {"reason": "Campaign approved by legal"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    assert AuditEvent.objects.filter(
        action="finding.acknowledge", object_key=f"finding:{finding.pk}", actor="owner"
    ).exists()


@override_settings(EXPOSURE_AUTO_SCAN=True)
def test_a_governance_change_queues_a_scan_that_resolves_the_finding(
    leak, world, django_capture_on_commit_callbacks
):
    from governance import services
    from governance.models import AssetGovernance

    export = AssetGovernance.objects.get(dataset__key=key("marts.export"))
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_update(
            actor=world.admin,
            asset=export,
            changes={"classification": "restricted", "tags": ["pii", "gdpr"]},
            expected_version=export.version,
            reason="the export holds PII",
        )

    assert Finding.objects.get(kind="unmasked_pii_path").state == "resolved"
