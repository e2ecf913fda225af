"""Asset services: validation errors naming the bad value, versions, audit content, bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance import services
from governance.audit_verify import audit_trail_verify
from governance.models import AssetGovernance, AuditEvent
from governance.services import StaleAssetError
from governance.services.assets import _rows_create

from .factories import (
    AssetGovernanceFactory,
    ColumnFactory,
    DatasetFactory,
    MaskingPolicyFactory,
    StewardFactory,
    tag,
)


def _last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def test_classification_assign_records_before_and_after(world):
    asset = services.classification_assign(
        actor=world.owner, asset=world.asset, level="Restricted", reason="holds e-mails"
    )
    assert (asset.classification, asset.version, asset.updated_by) == ("restricted", 1, world.owner)
    event = _last_event()
    due = (timezone.localdate() + timedelta(days=90)).isoformat()
    assert (event.action, event.object_type, event.object_key) == (
        "classification.assign",
        "dataset",
        world.asset.key,
    )
    assert (event.actor, event.actor_user, event.reason) == ("owner", world.owner, "holds e-mails")
    # Classifying puts the asset on the review cycle, in the same event.
    assert event.before == {"classification": None, "next_review_due": None, "version": 0}
    assert event.after == {"classification": "restricted", "next_review_due": due, "version": 1}


def test_clearing_a_classification(world):
    services.classification_assign(actor=world.owner, asset=world.asset, level="public")
    asset = services.classification_assign(
        actor=world.owner, asset=world.asset, level="unclassified"
    )
    assert asset.classification is None
    assert _last_event().after["classification"] is None


@pytest.mark.parametrize(
    ("call", "kwargs", "named"),
    [
        (services.classification_assign, {"level": "secret"}, "'secret'"),
        (services.tags_set, {"tags": ["pii", "nope"]}, "'nope'"),
        (services.steward_assign, {"steward": "Nobody Known"}, "'Nobody Known'"),
        (services.masking_policy_assign, {"policy": "NO_SUCH_POLICY"}, "'NO_SUCH_POLICY'"),
    ],
)
def test_bad_input_is_refused_naming_the_value(world, call, kwargs, named):
    with pytest.raises(ValidationError) as refused:
        call(actor=world.admin, asset=world.asset, **kwargs)
    assert named in " ".join(refused.value.messages)
    world.asset.refresh_from_db()
    assert world.asset.version == 0 and not AuditEvent.objects.exists()


def test_an_inactive_steward_cannot_be_assigned(world):
    StewardFactory(name="Gone Person", active=False)
    with pytest.raises(ValidationError, match="'Gone Person' is inactive"):
        services.steward_assign(actor=world.admin, asset=world.asset, steward="Gone Person")


def test_assign_steward_and_masking_by_name_or_instance(world):
    policy = MaskingPolicyFactory(name="EMAIL_HASH")
    services.steward_assign(actor=world.admin, asset=world.asset, steward="finance data")
    asset = services.masking_policy_assign(actor=world.admin, asset=world.asset, policy=policy)
    assert (asset.steward, asset.masking_policy, asset.version) == (world.team, policy, 2)
    assert _last_event().after == {"masking_policy": "EMAIL_HASH", "version": 2}


def test_tags_set_replaces_the_tags(world):
    services.tags_set(actor=world.owner, asset=world.asset, tags=["pii", "gdpr"])
    asset = services.tags_set(actor=world.owner, asset=world.asset, tags=[tag("sox"), "PII"])
    assert sorted(asset.tags.values_list("slug", flat=True)) == ["pii", "sox"]
    assert _last_event().before["tags"] == ["gdpr", "pii"]
    assert _last_event().after["tags"] == ["pii", "sox"]


def test_asset_update_is_one_change_and_one_event(world):
    policy = MaskingPolicyFactory(name="PHONE_REDACT")
    due = timezone.localdate() + timedelta(days=30)
    asset = services.asset_update(
        actor=world.admin,
        asset=world.asset,
        changes={
            "classification": "confidential",
            "tags": "pii;gdpr",
            "masking_policy": "phone_redact",
            "next_review_due": due.isoformat(),
        },
        expected_version=0,
        reason="first review",
    )
    assert asset.version == 1 and asset.masking_policy == policy
    assert AuditEvent.objects.count() == 1
    assert _last_event().after == {
        "classification": "confidential",
        "tags": ["gdpr", "pii"],
        "masking_policy": "PHONE_REDACT",
        "next_review_due": due.isoformat(),
        "version": 1,
    }


def test_a_save_that_changes_nothing_writes_nothing(world):
    services.asset_update(
        actor=world.owner,
        asset=world.asset,
        changes={"classification": "internal"},
        expected_version=0,
    )
    asset = services.asset_update(
        actor=world.owner,
        asset=world.asset,
        changes={"classification": "internal"},
        expected_version=1,
    )
    assert asset.version == 1 and AuditEvent.objects.count() == 1


def test_one_bad_field_refuses_the_whole_form(world):
    with pytest.raises(ValidationError) as refused:
        services.asset_update(
            actor=world.owner,
            asset=world.asset,
            changes={"classification": "restricted", "tags": ["pii", "bogus"], "colour": "red"},
            expected_version=0,
        )
    assert "colour" in str(refused.value)
    world.asset.refresh_from_db()
    assert world.asset.classification is None and world.asset.version == 0


def test_field_errors_are_keyed_for_forms(world):
    with pytest.raises(ValidationError) as refused:
        services.asset_update(
            actor=world.owner,
            asset=world.asset,
            changes={"classification": "x", "tags": ["y"]},
            expected_version=0,
        )
    assert set(refused.value.message_dict) == {"classification", "tags"}


def test_a_stale_form_is_refused_with_who_and_when(world):
    services.classification_assign(actor=world.admin, asset=world.asset, level="internal")
    with pytest.raises(StaleAssetError) as stale:
        services.asset_update(
            actor=world.owner,
            asset=world.asset,
            changes={"classification": "public"},
            expected_version=0,
        )
    error = stale.value
    world.asset.refresh_from_db()
    assert (error.changed_by, error.current_version, error.expected_version) == ("ada", 1, 0)
    assert error.changed_at == world.asset.updated_at
    assert "changed by ada" in str(error) and world.asset.key in str(error)
    assert world.asset.classification == "internal"


def test_without_expected_version_the_last_write_wins(world):
    services.classification_assign(actor=world.admin, asset=world.asset, level="internal")
    asset = services.classification_assign(actor=world.owner, asset=world.asset, level="public")
    assert asset.classification == "public" and asset.version == 2


def test_get_or_create_by_dataset_column_or_key(db):
    column = ColumnFactory(name="EMAIL")
    by_column = services.asset_governance_get_or_create(column=column)
    assert services.asset_governance_get_or_create(key=column.key.upper()) == by_column
    by_dataset = services.asset_governance_get_or_create(key=column.dataset.key)
    assert by_dataset.dataset == column.dataset and by_dataset != by_column
    assert by_column.key.endswith("#email") and by_column.dataset_key == column.dataset.key
    with pytest.raises(ValidationError, match="Unknown catalog dataset 'snowflake://nope.x.y'"):
        services.asset_governance_get_or_create(key="snowflake://nope.x.y")
    with pytest.raises(ValidationError, match="exactly one"):
        services.asset_governance_get_or_create(dataset=column.dataset, column=column)


def test_get_or_create_one_asset_costs_a_query_or_three(db, django_assert_num_queries):
    column = ColumnFactory(name="EMAIL")
    with django_assert_num_queries(3):  # the column, its row (none yet), the row created
        created = services.asset_governance_get_or_create(key=column.key)
    with django_assert_num_queries(2):
        assert services.asset_governance_get_or_create(key=column.key.upper()) == created
    with django_assert_num_queries(1):
        assert services.asset_governance_get_or_create(column=column) == created
    with django_assert_num_queries(2):
        table = services.asset_governance_get_or_create(dataset=column.dataset)
    with django_assert_num_queries(0):  # each row holds its catalog object
        assert (created.key, table.key) == (column.key, column.dataset.key)


def test_get_or_create_many_finds_and_creates_in_five_queries(world, django_assert_num_queries):
    tables = [DatasetFactory() for _ in range(4)]
    columns = [ColumnFactory(dataset=tables[0]) for _ in range(4)]
    governed = AssetGovernanceFactory(dataset=tables[1], steward=world.person)
    services.classification_assign(actor=world.admin, asset=governed, level="internal")
    unknown = ["snowflake://prod_db.raw.nowhere", "snowflake://prod_db.raw.nowhere#x"]
    keys = [t.key.upper() for t in tables] + [c.key for c in columns] + unknown
    events, rows = AuditEvent.objects.count(), AssetGovernance.objects.count()

    # datasets, columns, their rows, then one INSERT per kind of missing row
    with django_assert_num_queries(5):
        found = services.asset_governance_get_or_create_many(keys=keys)

    assert sorted(found) == sorted([t.key for t in tables] + [c.key for c in columns])
    assert found[tables[1].key].pk == governed.pk
    assert found[tables[1].key].classification == "internal"
    fresh = [asset for key, asset in found.items() if key != tables[1].key]
    assert all(a.pk and a.classification is None and a.version == 0 for a in fresh)
    assert AuditEvent.objects.count() == events  # an empty row changes no governance
    with django_assert_num_queries(3):  # all there now: nothing to create
        again = services.asset_governance_get_or_create_many(keys=keys)
    assert {k: a.pk for k, a in again.items()} == {k: a.pk for k, a in found.items()}
    assert AssetGovernance.objects.count() == rows + len(found) - 1
    with django_assert_num_queries(0):
        assert sorted(asset.key for asset in again.values()) == sorted(again)
    with django_assert_num_queries(2):  # the catalog knows neither: nothing more to ask
        assert services.asset_governance_get_or_create_many(keys=unknown) == {}


def test_a_row_created_meanwhile_is_taken_as_it_is(world):
    """Another process created the row between our look and our insert: no error, no change."""
    theirs = AssetGovernanceFactory(steward=world.person)
    services.classification_assign(actor=world.admin, asset=theirs, level="restricted")
    theirs.refresh_from_db()
    rows = AssetGovernance.objects.count()

    [row] = _rows_create("dataset", [theirs.dataset])

    assert row.pk == theirs.pk
    stored = AssetGovernance.objects.get(pk=theirs.pk)
    assert (stored.classification, stored.version) == ("restricted", theirs.version)
    assert AssetGovernance.objects.count() == rows


def test_column_events_are_typed_column(world):
    asset = AssetGovernanceFactory(
        dataset=None, column=ColumnFactory(name="email"), steward=world.person
    )
    services.classification_assign(actor=world.owner, asset=asset, level="restricted")
    assert (_last_event().object_type, _last_event().object_key) == ("column", asset.key)


# --- bulk ------------------------------------------------------------------------------


def test_bulk_assign_applies_what_is_allowed_and_reports_the_rest(world):
    plain = DatasetFactory(name="no_governance_yet")
    result = services.bulk_assign(
        actor=world.owner,
        assets=[world.asset, world.team_asset, plain],
        level="confidential",
        add_tags=["pii"],
        reason="quarterly sweep",
    )
    assert [a.pk for a in result.updated] == [world.asset.pk]
    assert sorted(result.refused_keys) == sorted([world.team_asset.key, plain.key])
    assert all("may not change" in why for _, why in result.refused)
    world.team_asset.refresh_from_db()
    assert world.team_asset.classification is None
    events = list(AuditEvent.objects.all())
    assert [(e.object_key, e.action, e.reason) for e in events] == [
        (world.asset.key, "asset.bulk_assign", "quarterly sweep")
    ]


def test_bulk_assign_adds_tags_to_the_existing_ones(world):
    services.tags_set(actor=world.admin, asset=world.asset, tags=["gdpr"])
    result = services.bulk_assign(
        actor=world.admin, assets=[world.asset, world.team_asset], add_tags=["pii"]
    )
    assert len(result.updated) == 2
    assert sorted(world.asset.tags.values_list("slug", flat=True)) == ["gdpr", "pii"]
    again = services.bulk_assign(actor=world.admin, assets=[world.asset], add_tags=["pii"])
    assert again.unchanged and not again.updated


def test_strict_bulk_changes_nothing_when_anything_is_refused(world):
    with pytest.raises(PermissionDenied, match="Nothing was changed"):
        services.bulk_assign(
            actor=world.owner, assets=[world.asset, world.team_asset], level="public", strict=True
        )
    world.asset.refresh_from_db()
    assert world.asset.classification is None and not AuditEvent.objects.exists()


def test_bulk_with_bad_input_changes_nothing(world):
    with pytest.raises(ValidationError, match="'ultra'"):
        services.bulk_assign(actor=world.admin, assets=[world.asset], level="ultra")
    with pytest.raises(ValidationError, match="Nothing to assign"):
        services.bulk_assign(actor=world.admin, assets=[world.asset])
    assert not AuditEvent.objects.exists()


def test_bulk_assign_steward(world):
    result = services.bulk_assign(
        actor=world.admin, assets=[world.asset, world.team_asset], steward=world.team
    )
    assert result.updated == [world.asset] and result.unchanged == [world.team_asset]
    assert set(AssetGovernance.objects.values_list("steward__name", flat=True)) == {"Finance Data"}


def test_review_cycle_open_makes_reviews_due_today(world):
    result = services.review_cycle_open(
        actor=world.admin, assets=[world.team_asset], reason="quarterly cycle"
    )
    world.team_asset.refresh_from_db()
    assert world.team_asset.next_review_due == timezone.localdate()
    assert world.team_asset.review_state == "due_soon"
    assert result.refused_keys == [] and len(result.updated) == 1
    assert (_last_event().action, _last_event().reason) == ("review.open", "quarterly cycle")


def test_every_service_keeps_the_chain_intact(world):
    services.classification_assign(actor=world.owner, asset=world.asset, level="restricted")
    services.bulk_assign(
        actor=world.admin, assets=[world.asset, world.team_asset], add_tags=["pii"]
    )
    services.steward_create(actor=world.admin, name="Third")
    assert audit_trail_verify().intact
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
