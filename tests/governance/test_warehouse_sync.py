"""Warehouse tags and policies → suggestions, read from the demo emulator through the connector."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from governance.models import TagSuggestion
from governance.services import (
    asset_governance_get_or_create,
    masking_policy_assign,
    tag_suggestion_accept,
    tag_suggestion_reject,
    tags_set,
)
from governance.warehouse_sync import POLICY_SOURCE, TAG_SOURCE, warehouse_tags_sync
from graph import keys as graph_keys
from graph.ingestion import catalog
from graph.models import Column, Source
from graph.sources.snowflake import SnowflakeSource

# The demo emulator fixtures live with the ingestion tests.
from tests.conftest import EMULATOR_NOISE

from .factories import MaskingPolicyFactory, admin_user, steward_user, tag

pytestmark = [pytest.mark.filterwarnings(EMULATOR_NOISE), pytest.mark.django_db]

SF = "snowflake://prod_db"
EMAIL = f"{SF}.raw.customers#email"
EXPECTED = {
    f"{SF}.raw.customers: tag:gdpr",
    f"{EMAIL}: tag:pii",
    f"{EMAIL}: masking:EMAIL_MASK",
    f"{SF}.raw.customers#phone: tag:pii",
    f"{SF}.raw.email_events#email: tag:pii",
    f"{SF}.raw.ledger_entries: tag:sox",
    f"{SF}.raw.support_tickets#requester_email: tag:pii",
    f"{SF}.raw.web_events#ip_address: tag:pii",  # Snowflake's PRIVACY_CATEGORY = IDENTIFIER
}


@pytest.fixture
def warehouse(db, demo):  # noqa: F811 - the imported session fixture
    """The demo account as a Source, with its tables and columns in the catalog."""
    source = Source.objects.create(
        name="warehouse", kind=Source.Kind.SNOWFLAKE, options=demo.source_options()
    )
    with SnowflakeSource(connect_kwargs=demo.connect_kwargs(), latency=timedelta(0)) as fetcher:
        known = fetcher.fetch_columns()
    keys = {c.table: graph_keys.dataset_key("snowflake", c.table) for c in known}
    catalog.catalog_upsert(
        datasets=[
            catalog.CatalogDataset(key=key, platform="snowflake", name=graph_keys.key_name(key))
            for key in keys.values()
        ],
        columns=[
            catalog.CatalogColumn(keys[c.table], c.column.lower(), c.data_type, c.ordinal)
            for c in known
        ],
    )
    for slug in ("pii", "gdpr", "sox"):
        tag(slug)
    MaskingPolicyFactory(name="EMAIL_MASK", warehouse_policy="PROD_DB.POLICIES.EMAIL_MASK")
    return source


def _suggestions() -> set[str]:
    return {f"{s.asset.key}: {s.suggested}" for s in TagSuggestion.objects.all()}


def test_the_sync_suggests_tags_and_policies_once(warehouse):
    report = warehouse_tags_sync(source=warehouse)

    assert set(report.created) == EXPECTED == _suggestions()
    assert set(TagSuggestion.objects.values_list("state", flat=True)) == {"pending"}
    email = TagSuggestion.objects.get(asset__column__key=EMAIL, tag__slug="pii")
    assert (email.source, email.detail) == (TAG_SOURCE, "PROD_DB.GOVERNANCE.PII = 'EMAIL'")
    masking = TagSuggestion.objects.get(asset__column__key=EMAIL, masking_policy__isnull=False)
    assert (masking.source, masking.detail) == (POLICY_SOURCE, "PROD_DB.POLICIES.EMAIL_MASK")
    # Reported, not suggested: unmapped tags, unknown policies, a row access policy.
    assert set(report.unknown_tags) == {
        "PROD_DB.GOVERNANCE.COST_CENTER = 'MARKETING'",
        "SNOWFLAKE.CORE.SEMANTIC_CATEGORY = 'IP_ADDRESS'",
    }
    assert set(report.unknown_policies) == {
        f"PROD_DB.POLICIES.{name}" for name in ("PHONE_REDACT", "EMAIL_HASH", "PAN_TOKENIZE")
    }
    assert list(report.unsupported_policies) == [
        "PROD_DB.POLICIES.CUSTOMER_REGION (ROW_ACCESS_POLICY, ACTIVE)"
    ]
    assert report.missing_assets == [] and report.issues == []

    again = warehouse_tags_sync(source=warehouse)
    assert again.created == [] and again.already_suggested == len(EXPECTED)
    assert TagSuggestion.objects.count() == len(EXPECTED)


def test_decided_suggestions_are_not_made_again(warehouse):
    warehouse_tags_sync(source=warehouse)
    admin = admin_user(username="ada")
    pending = TagSuggestion.objects.filter(asset__column__key=EMAIL)
    accepted = tag_suggestion_accept(actor=admin, suggestion=pending.get(tag__slug="pii"))
    rejected = tag_suggestion_reject(
        actor=admin, suggestion=pending.get(masking_policy__name="EMAIL_MASK"), reason="hashed"
    )

    report = warehouse_tags_sync(source=warehouse)

    assert report.created == []
    assert (report.already_applied, report.already_suggested) == (1, len(EXPECTED) - 1)
    assert TagSuggestion.objects.get(pk=rejected.pk).state == "rejected"
    assert TagSuggestion.objects.get(pk=accepted.pk).state == "accepted"


def test_a_stewards_values_are_never_overwritten(warehouse):
    admin = admin_user(username="ada")
    asset = asset_governance_get_or_create(key=EMAIL)
    tags_set(actor=admin, asset=asset, tags=["pii"])
    chosen = MaskingPolicyFactory(name="EMAIL_HASH", warehouse_policy="PROD_DB.POLICIES.EMAIL_HASH")
    asset = masking_policy_assign(actor=admin, asset=asset, policy=chosen)
    version = asset.version

    report = warehouse_tags_sync(source=warehouse)

    assert f"{EMAIL}: tag:pii" not in report.created
    assert f"{EMAIL}: masking:EMAIL_MASK" not in report.created
    assert report.conflicts == [
        f"{EMAIL}: the warehouse applies PROD_DB.POLICIES.EMAIL_MASK, the steward chose EMAIL_HASH"
    ]
    # EMAIL_HASH is now known: it is what RAW.INVOICES.BILLING_EMAIL gets suggested.
    assert f"{SF}.raw.invoices#billing_email: masking:EMAIL_HASH" in report.created
    asset.refresh_from_db()
    assert (asset.version, asset.masking_policy, {t.slug for t in asset.tags.all()}) == (
        version,
        chosen,
        {"pii"},
    )
    assert not TagSuggestion.objects.filter(asset=asset).exists()


def test_an_unknown_tag_is_used_once_an_admin_adds_it(warehouse):
    assert (
        "PROD_DB.GOVERNANCE.COST_CENTER = 'MARKETING'"
        in warehouse_tags_sync(source=warehouse).unknown_tags
    )
    tag("cost_center")
    report = warehouse_tags_sync(source=warehouse)
    assert report.created == [f"{SF}.marts.marketing_export: tag:cost_center"]


def test_assets_missing_from_the_catalog_are_reported(warehouse):
    Column.objects.filter(key=EMAIL).delete()
    report = warehouse_tags_sync(source=warehouse)
    assert EMAIL in report.missing_assets
    assert not any(item.startswith(EMAIL) for item in report.created)


def test_only_compliance_admins_may_ask(warehouse):
    with pytest.raises(PermissionDenied):
        warehouse_tags_sync(source=warehouse, actor=steward_user(username="sam"))
    assert warehouse_tags_sync(source=warehouse, actor=admin_user(username="ada")).created


def test_the_command_prints_the_report(warehouse):
    out = io.StringIO()
    call_command("sync_warehouse_tags", "warehouse", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"Warehouse tags of warehouse: {len(EXPECTED)} suggestions created")
    assert "Unknown tags (map them or add a regulatory tag): 2" in text
    assert "  - PROD_DB.POLICIES.CUSTOMER_REGION (ROW_ACCESS_POLICY, ACTIVE)" in text
    with pytest.raises(CommandError, match="No source named 'nope'"):
        call_command("sync_warehouse_tags", "nope")
