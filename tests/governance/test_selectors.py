"""Reads: graph-node decoration, catalog search and its filter set, the audit list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance import selectors, services
from governance.filters import CatalogSearchFilterSet
from graph.elements import registered_catalog

from .factories import AssetGovernanceFactory, ColumnFactory, DatasetFactory


@pytest.fixture
def catalog(world):
    """customers restricted/pii (owner), payments confidential (team), orders and a log unclassified."""
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        expected_version=None,
        changes={
            "classification": "restricted",
            "tags": ["pii", "gdpr"],
            "next_review_due": timezone.localdate() - timedelta(days=1),
        },
        reason="overdue on purpose",
    )
    services.classification_assign(actor=world.admin, asset=world.team_asset, level="confidential")
    DatasetFactory(name="orders")
    DatasetFactory(platform="postgres", database="app", schema="public", name="audit_log")
    return world


def _keys(queryset) -> list[str]:
    return [dataset.key for dataset in queryset]


def test_node_decoration_for_datasets_and_columns(catalog):
    email = AssetGovernanceFactory(
        dataset=None, column=ColumnFactory(dataset=catalog.asset.dataset, name="email")
    )
    services.asset_update(
        actor=catalog.admin, asset=email, expected_version=None, changes={"tags": ["pii"]}
    )
    keys = [catalog.asset.key, email.key, "snowflake://prod_db.raw.orders", "unknown://x"]
    fields = selectors.asset_governance_for_datasets(keys)
    assert set(fields) == {catalog.asset.key, email.key}
    customers = fields[catalog.asset.key]
    assert customers["classification"] == "restricted" and customers["tags"] == ["gdpr", "pii"]
    assert customers["steward"] == "Olive Owner" and customers["review_state"] == "overdue"
    assert "classification" not in fields[email.key]  # unclassified: the pages' default
    assert fields[email.key]["tags"] == ["pii"]


def test_the_decorator_is_registered_with_the_lineage_graph(catalog):
    assert (
        registered_catalog()([catalog.asset.key])[catalog.asset.key]["classification"]
        == "restricted"
    )


def test_asset_governance_get_and_dataset_list(catalog):
    assert selectors.asset_governance_get(key=catalog.asset.key.upper()) == catalog.asset
    assert selectors.asset_governance_get(key="snowflake://prod_db.raw.orders") is None
    column = AssetGovernanceFactory(
        dataset=None, column=ColumnFactory(dataset=catalog.asset.dataset)
    )
    assert selectors.dataset_governance_list(dataset=catalog.asset.dataset) == [
        catalog.asset,
        column,
    ]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({}, ["audit_log", "customers", "orders", "payments"]),
        ({"query": "CUST"}, ["customers"]),
        ({"query": "prod_db.raw.pay"}, ["payments"]),
        ({"tag": "pii"}, ["customers"]),
        ({"steward": "finance data"}, ["payments"]),
        ({"classification": "confidential"}, ["payments"]),
        ({"classification": "unclassified"}, ["audit_log", "orders"]),
        ({"platform": "postgres"}, ["audit_log"]),
        ({"review_state": "overdue"}, ["customers"]),
        ({"review_state": "scheduled"}, ["payments"]),
        ({"review_state": "unscheduled"}, ["audit_log", "orders"]),
        ({"query": "o", "classification": "unclassified", "platform": "snowflake"}, ["orders"]),
    ],
)
def test_catalog_search(catalog, filters, names):
    assert sorted(d.name for d in selectors.catalog_search(**filters)) == names


def test_catalog_search_rows_carry_their_governance(catalog):
    (customers,) = selectors.catalog_search(query="customers")
    assert customers.governance.steward.name == "Olive Owner"


def test_catalog_search_refuses_unknown_values(catalog):
    with pytest.raises(ValidationError, match="'secret'"):
        selectors.catalog_search(classification="secret")
    with pytest.raises(ValidationError, match="'late'"):
        selectors.catalog_search(review_state="late")


def test_catalog_filterset(catalog):
    filterset = CatalogSearchFilterSet({"tag": "pii", "classification": "restricted"})
    assert filterset.is_valid() and _keys(filterset.qs) == [catalog.asset.key]
    steward = CatalogSearchFilterSet({"steward": str(catalog.team.pk)})
    assert _keys(steward.qs) == [catalog.team_asset.key]
    bad = CatalogSearchFilterSet({"tag": "bogus", "review_state": "late"})
    assert not bad.is_valid() and set(bad.errors) == {"tag", "review_state"}


def test_audit_event_list(catalog):
    events = selectors.audit_event_list(object_key=catalog.asset.key)
    assert [e.action for e in events] == ["asset.update"]
    assert selectors.audit_event_list(actor="ada").count() == 2
    assert (
        selectors.audit_event_list(object_type="dataset").first().object_key
        == catalog.team_asset.key
    )
