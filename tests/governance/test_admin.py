"""The Django admin: every page renders, saves and actions go through the audited services."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from governance.models import AssetGovernance, AuditEvent, Steward, TagSuggestion

from .factories import tag

MODELS = [
    "assetgovernance",
    "steward",
    "maskingpolicy",
    "regulatorytag",
    "review",
    "tagsuggestion",
    "auditevent",
    "auditchainhead",
]


@pytest.fixture
def admin_client(client, world):
    world.admin.is_staff = True
    world.admin.save()
    client.force_login(world.admin)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _change_url(asset: AssetGovernance) -> str:
    return reverse("admin:governance_assetgovernance_change", args=[asset.pk])


def _asset_form(asset: AssetGovernance, **fields) -> dict:
    data = {
        "classification": asset.classification or "",
        "tags": [str(pk) for pk in asset.tags.values_list("pk", flat=True)],
        "steward": asset.steward_id or "",
        "masking_policy": asset.masking_policy_id or "",
        "next_review_due": asset.next_review_due or "",
        "expected_version": asset.version,
        "_save": "Save",
    }
    return data | fields


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_renders(admin_client, model):
    response = admin_client.get(reverse(f"admin:governance_{model}_changelist"))
    assert response.status_code == 200


def test_admin_saves_an_asset_through_the_service(admin_client, world):
    response = admin_client.post(
        _change_url(world.asset),
        _asset_form(world.asset, classification="restricted", tags=[str(tag("pii").pk)]),
    )
    assert response.status_code == 302
    world.asset.refresh_from_db()
    assert (world.asset.classification, world.asset.version) == ("restricted", 1)
    event = AuditEvent.objects.get()
    assert (event.action, event.reason, event.actor) == ("asset.update", "Django admin", "ada")
    assert event.after["tags"] == ["pii"] and event.after["classification"] == "restricted"


def test_admin_refuses_a_stale_form(admin_client, world):
    stale = _asset_form(world.asset, classification="public")
    admin_client.post(_change_url(world.asset), _asset_form(world.asset, classification="internal"))
    response = admin_client.post(_change_url(world.asset), stale, follow=True)
    assert any("was changed by ada" in text for text in _messages(response))
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal"


def test_admin_adds_governance_for_a_dataset(admin_client, world):
    from .factories import DatasetFactory

    dataset = DatasetFactory(name="ledger")
    url = reverse("admin:governance_assetgovernance_add")
    response = admin_client.post(
        url, {"dataset": dataset.pk, "classification": "confidential", "_save": "Save"}
    )
    assert response.status_code == 302
    assert AssetGovernance.objects.get(dataset=dataset).classification == "confidential"


def test_bulk_actions_call_the_services(admin_client, world):
    url = reverse("admin:governance_assetgovernance_changelist")
    selected = [world.asset.pk, world.team_asset.pk]
    admin_client.post(url, {"action": "classify_confidential", "_selected_action": selected})
    admin_client.post(
        url, {"action": f"assign_steward_{world.team.pk}", "_selected_action": selected}
    )
    admin_client.post(url, {"action": "open_review_cycle", "_selected_action": selected})
    assets = AssetGovernance.objects.filter(pk__in=selected)
    assert {(a.classification, a.steward_id, a.review_state) for a in assets} == {
        ("confidential", world.team.pk, "due_soon")
    }
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "asset.bulk_assign",
        "asset.bulk_assign",
        "asset.bulk_assign",
        "review.open",
        "review.open",
    ]


def test_approve_suggestion_action(admin_client, world):
    suggestion = TagSuggestion.objects.create(
        asset=world.asset, tag=tag("pii"), source="snowflake:TAG_REFERENCES"
    )
    url = reverse("admin:governance_tagsuggestion_changelist")
    admin_client.post(url, {"action": "approve", "_selected_action": [suggestion.pk]})
    suggestion.refresh_from_db()
    assert suggestion.state == "accepted"
    assert list(world.asset.tags.values_list("slug", flat=True)) == ["pii"]


def test_steward_admin_creates_through_the_service(admin_client, world):
    url = reverse("admin:governance_steward_add")
    data = {
        "name": "Growth",
        "kind": "team",
        "email": "",
        "active": "on",
        "members": [world.owner.pk],
        "_save": "Save",
    }
    assert admin_client.post(url, data).status_code == 302
    assert list(Steward.objects.get(name="Growth").members.all()) == [world.owner]
    assert AuditEvent.objects.get().after["members"] == ["owner"]


def test_the_audit_trail_is_read_only(admin_client, world):
    from governance import services

    services.classification_assign(actor=world.admin, asset=world.asset, level="public")
    event = AuditEvent.objects.get()
    assert admin_client.get(reverse("admin:governance_auditevent_add")).status_code == 403
    change = reverse("admin:governance_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200  # view only
    assert admin_client.post(change, {"reason": "x"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:governance_auditevent_delete", args=[event.pk])
        ).status_code
        == 403
    )


def test_a_staff_steward_edits_only_their_assets(client, world):
    world.owner.is_staff = True
    world.owner.save()
    client.force_login(world.owner)
    own = client.post(_change_url(world.asset), _asset_form(world.asset, classification="internal"))
    assert own.status_code == 302
    other = client.post(
        _change_url(world.team_asset), _asset_form(world.team_asset, classification="public")
    )
    assert other.status_code == 403
    assert client.get(reverse("admin:governance_steward_add")).status_code == 403
