"""The governance catalog: search by governance, sort, page, and classify in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from governance import services
from governance.models import AssetGovernance, AuditEvent, Finding

from .factories import AssetGovernanceFactory, ColumnFactory, DatasetFactory, MaskingPolicyFactory

pytestmark = pytest.mark.django_db
CATALOG = "/datasets/"  # the one catalog; /governance/catalog/ redirects here


@pytest.fixture
def catalog(world):
    """customers (owner, restricted pii), payments (team, confidential sox), an unclassified log."""
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        changes={"classification": "restricted", "tags": ["pii"]},
        expected_version=None,
    )
    services.asset_update(
        actor=world.admin,
        asset=world.team_asset,
        changes={"classification": "confidential", "tags": ["sox"]},
        expected_version=None,
    )
    return DatasetFactory(name="web_log", schema="logs", platform="postgres")


def names(response) -> list[str]:
    return [row.item.name for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["web_log", "customers", "payments"]),  # by key: postgres:// before snowflake://
        ("?q=pay", ["payments"]),
        ("?classification=restricted", ["customers"]),
        ("?classification=unclassified", ["web_log"]),
        ("?tag=sox", ["payments"]),
        ("?platform=postgres", ["web_log"]),
        ("?review_state=unscheduled", ["web_log"]),
        ("?sort=classification", ["customers", "payments", "web_log"]),
        ("?sort=-classification", ["web_log", "payments", "customers"]),
        ("?sort=-name", ["web_log", "payments", "customers"]),
    ],
)
def test_search_and_sort(client, world, catalog, query, expected):
    client.force_login(world.auditor)
    assert names(client.get(CATALOG + query)) == expected


def test_search_by_steward(client, world, catalog):
    client.force_login(world.auditor)
    assert names(client.get(f"{CATALOG}?steward={world.team.pk}")) == ["payments"]


def test_columns_are_searched_by_their_own_name(client, world, catalog):
    ColumnFactory(dataset=world.asset.dataset, name="email")
    ColumnFactory(dataset=DatasetFactory(name="email_events"), name="campaign_id")
    client.force_login(world.auditor)
    assert names(client.get(f"{CATALOG}?show=columns&q=email")) == ["email"]
    assert names(client.get(f"{CATALOG}?show=columns&q=email_events%23")) == ["campaign_id"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?tag=nope", "Unknown regulatory tag “nope”"),
        ("?classification=secret", "Unknown classification level “secret”"),
        ("?review_state=later", "Unknown review state “later”"),
        ("?sort=size", "Unknown sort “size”"),
    ],
)
def test_bad_filters_say_what_is_wrong(client, world, catalog, query, message):
    client.force_login(world.owner)
    response = client.get(CATALOG + query)
    assert response.status_code == 400
    assert message in response.text


def test_pages_of_fifty(client, world):
    for n in range(55):
        DatasetFactory(name=f"t{n:02d}")
    client.force_login(world.auditor)
    assert len(names(client.get(CATALOG))) == 50
    second = client.get(CATALOG + "?sort=name&page=2")
    assert len(names(second)) == 7 and "51–57 of 57" in second.text  # and the world's two


def test_only_classifiers_get_checkboxes_and_the_bulk_bar(client, world, catalog):
    client.force_login(world.auditor)
    assert "data-bulk-bar" not in client.get(CATALOG).text
    client.force_login(world.owner)
    html = client.get(CATALOG).text
    assert "data-bulk-bar" in html and 'name="datasets"' in html


def test_bulk_classifies_what_the_steward_owns_and_names_what_it_refused(client, world, catalog):
    own = AssetGovernanceFactory(steward=world.person, dataset__name="orders")
    client.force_login(world.owner)
    response = client.post(
        reverse("governance_bulk"),
        {
            "datasets": [world.asset.dataset_id, own.dataset_id, world.team_asset.dataset_id],
            "level": "confidential",
            "add_tags": ["gdpr"],
            "reason": "bulk review",
            "next": CATALOG + "?q=x",
        },
    )
    assert response["Location"] == CATALOG + "?q=x"
    for asset in (world.asset, own):
        asset.refresh_from_db()
        assert asset.classification == "confidential"
        assert "gdpr" in {t.slug for t in asset.tags.all()}
    world.team_asset.refresh_from_db()
    assert world.team_asset.classification == "confidential" and "gdpr" not in {
        t.slug for t in world.team_asset.tags.all()
    }
    page = client.get(response["Location"]).text
    assert "Changed 2 assets." in page
    assert "1 not changed" in page and "prod_db.raw.payments (Finance Data)" in page


def test_bulk_on_columns(client, world):
    email = AssetGovernanceFactory(
        dataset=None,
        column=ColumnFactory(dataset=world.asset.dataset, name="email"),
        steward=world.person,
    )
    client.force_login(world.owner)
    client.post(
        reverse("governance_bulk"),
        {"columns": [email.column_id], "level": "restricted", "add_tags": ["pii"]},
    )
    email.refresh_from_db()
    assert email.classification == "restricted" and [t.slug for t in email.tags.all()] == ["pii"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"level": "restricted"}, "Select at least one dataset or column first."),
        ({"datasets": "own"}, "Choose a classification, tags to add or a steward to apply."),
        ({"datasets": "own", "add_tags": ["nope"]}, "Unknown regulatory tag “nope”."),
        ({"datasets": "own", "level": "secret"}, "Unknown classification level “secret”"),
        ({"datasets": "own", "steward": "999999"}, "Unknown or inactive steward"),
        ({"datasets": ["999999"], "level": "public"}, "no longer exists"),
    ],
)
def test_bad_bulk_input_changes_nothing(client, world, catalog, form, message):
    client.force_login(world.owner)
    if form.get("datasets") == "own":
        form = form | {"datasets": [world.asset.dataset_id]}
    response = client.post(reverse("governance_bulk"), form, follow=True)
    assert message in response.text
    world.asset.refresh_from_db()
    assert world.asset.classification == "restricted"
    assert not AuditEvent.objects.filter(actor="owner").exists()


def test_bulk_creates_governance_rows_as_needed(client, world, catalog):
    client.force_login(world.admin)
    client.post(reverse("governance_bulk"), {"datasets": [catalog.pk], "level": "internal"})
    assert AssetGovernance.objects.get(dataset=catalog).classification == "internal"


def test_bulk_sets_a_masking_policy_and_says_which_levels_it_lowered(client, world, catalog):
    policy = MaskingPolicyFactory(name="PAN_TOKENIZE")
    client.force_login(world.admin)

    response = client.post(
        reverse("governance_bulk"),
        {"datasets": [world.asset.dataset_id], "level": "internal", "masking_policy": policy.pk},
        follow=True,
    )

    world.asset.refresh_from_db()
    assert (world.asset.classification, world.asset.masking_policy) == ("internal", policy)
    assert "Classification lowered to internal for: prod_db.raw.customers (was restricted)." in (
        response.text
    )


def test_rows_a_steward_may_not_change_say_so_before_anything_is_applied(client, world, catalog):
    client.force_login(world.owner)

    response = client.get(CATALOG)

    rows = {row.item.name: row for row in response.context["rows"]}
    assert rows["customers"].editable and not rows["payments"].editable
    assert rows["payments"].why_not == "stewarded by Finance Data"
    assert 'data-bulk-refused="stewarded by Finance Data"' in response.text


def test_the_former_catalog_address_redirects_with_its_filters(client, world, catalog):
    client.force_login(world.auditor)

    response = client.get("/governance/catalog/?q=pay&show=columns")

    assert response.status_code == 302 and response["Location"] == f"{CATALOG}?q=pay&show=columns"


def test_the_catalog_counts_open_findings_and_filters_by_them(client, world, catalog):
    when = datetime(2026, 6, 1, tzinfo=UTC)
    target = world.asset.dataset.key
    for n, state in enumerate(("open", "open", "resolved")):
        Finding.objects.create(
            identity=f"unmasked_pii_path|snowflake://prod_db.raw.people#email{n}|{target}",
            kind="unmasked_pii_path",
            risk_level="HIGH",
            state=state,
            source=f"snowflake://prod_db.raw.people#email{n}",
            source_dataset="snowflake://prod_db.raw.people",
            target=target,
            target_dataset=target,
            first_detected=when,
            last_detected=when,
        )
    client.force_login(world.auditor)

    counts = {row.item.name: row.item.open_findings for row in client.get(CATALOG).context["rows"]}
    only = names(client.get(f"{CATALOG}?findings=open"))

    assert counts == {"web_log": 0, "customers": 2, "payments": 0}
    assert only == ["customers"]
