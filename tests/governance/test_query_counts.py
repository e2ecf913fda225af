"""How many queries the busiest pages make: a fixed number, whatever the catalog's size.

A page that asks the database once per row gets slow as a warehouse grows; these tests
draw each page for a small and a large dataset (or catalog) and require the same count,
under a ceiling.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance import services

from .factories import AssetGovernanceFactory, ColumnFactory, DatasetFactory, tag

pytestmark = pytest.mark.django_db

PAGE_MAX_QUERIES = 30


def governed_columns(world, dataset, count: int) -> None:
    """``count`` columns, each with governance: a tag, a classification, and a steward of its
    own for every other one (the rest answer to their table's steward)."""
    for ordinal in range(count):
        asset = AssetGovernanceFactory(
            dataset=None,
            column=ColumnFactory(dataset=dataset, name=f"col_{ordinal}", ordinal=ordinal),
            steward=world.person if ordinal % 2 else None,
        )
        services.asset_update(
            actor=world.admin,
            asset=asset,
            expected_version=None,
            changes={"classification": "confidential", "tags": [tag("pii").slug]},
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


@pytest.mark.parametrize(
    "url_name", ["dataset_detail", "governance_dataset_panel", "governance_dataset"]
)
def test_the_dataset_pages_query_count_does_not_grow_with_columns(
    client, world, url_name, django_assert_max_num_queries
):
    few = DatasetFactory(name="few")
    many = DatasetFactory(name="many")
    for dataset in (few, many):
        AssetGovernanceFactory(dataset=dataset, steward=world.person)
    governed_columns(world, few, 2)
    governed_columns(world, many, 25)
    for ordinal in range(25, 35):  # and columns nobody has governed yet
        ColumnFactory(dataset=many, name=f"col_{ordinal}", ordinal=ordinal)
    client.force_login(world.owner)

    counts = [queries(client, reverse(url_name, args=[d.pk])) for d in (few, many)]

    assert counts[0] == counts[1], (
        f"{url_name}: {counts[0]} queries for 2 columns, {counts[1]} for 35"
    )
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        client.get(reverse(url_name, args=[many.pk]))


@pytest.mark.parametrize("url_name", ["dataset_list", "governance_catalog"])
def test_the_catalog_query_count_does_not_grow_with_datasets(
    client, world, url_name, django_assert_max_num_queries
):
    client.force_login(world.auditor)
    small = queries(client, reverse(url_name))
    for n in range(30):
        dataset = DatasetFactory(name=f"table_{n}")
        AssetGovernanceFactory(dataset=dataset, steward=world.person)
        governed_columns(world, dataset, 1)

    large = queries(client, reverse(url_name))

    assert small == large, f"{url_name}: {small} queries for 2 datasets, {large} for 32"
    with django_assert_max_num_queries(PAGE_MAX_QUERIES):
        client.get(reverse(url_name))
