"""What auditors check: the audit trail with its chain status, and steward gaps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance import services
from governance.models import AuditEvent

from .factories import AssetGovernanceFactory, ColumnFactory
from .test_audit import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(world):
    column = AssetGovernanceFactory(
        dataset=None,
        column=ColumnFactory(dataset=world.asset.dataset, name="email"),
        steward=world.person,
    )
    services.classification_assign(
        actor=world.owner, asset=world.asset, level="restricted", reason="raw PII"
    )
    services.tags_set(actor=world.owner, asset=column, tags=["pii", "gdpr"])
    services.classification_assign(actor=world.member, asset=world.team_asset, level="confidential")
    return column


def rows(response):
    return [row.event.action for row in response.context["rows"]]


def test_the_trail_shows_who_what_before_after_and_why(client, world, trail):
    from governance.audit_runs import audit_verification_run

    audit_verification_run(full=True)
    client.force_login(world.auditor)
    response = client.get(reverse("governance_audit"))
    assert rows(response) == ["classification.assign", "tags.set", "classification.assign"]
    html = response.text
    assert "Chain intact" in html and "all 3 events recomputed in sequence" in html
    assert "raw PII" in html and "+gdpr" in html and "v0 → v1" in html


def test_filter_by_object_with_its_columns_and_by_actor(client, world, trail):
    client.force_login(world.auditor)
    key = world.asset.key
    assert rows(client.get(reverse("governance_audit"), {"object_key": key})) == [
        "classification.assign"
    ]
    both = client.get(reverse("governance_audit"), {"object_key": key, "with_columns": "true"})
    assert rows(both) == ["tags.set", "classification.assign"]
    assert rows(client.get(reverse("governance_audit"), {"actor": "member"})) == [
        "classification.assign"
    ]
    none = client.get(reverse("governance_audit"), {"actor": "nobody-at-all"})
    assert "No event matches these filters" in none.text


def test_a_bad_filter_is_explained(client, world, trail):
    client.force_login(world.auditor)
    response = client.get(reverse("governance_audit"), {"object_type": "planet"})
    assert response.status_code == 400 and "Object_type" in response.text


def test_a_tampered_chain_is_shown_as_broken(client, world, trail):
    from governance.audit_runs import audit_verification_run

    event = AuditEvent.objects.order_by("seq").first()
    tamper(("UPDATE governance_auditevent SET reason = 'edited' WHERE id = %s", [event.pk]))
    audit_verification_run(full=True)
    client.force_login(world.auditor)
    html = client.get(reverse("governance_audit")).text
    assert "The audit trail has been tampered with" in html
    assert f"event #{event.seq} was altered" in html


def test_gaps_list_regulated_assets_without_an_active_steward(client, world):
    orphan = AssetGovernanceFactory(dataset__name="web_events")
    services.classification_assign(actor=world.admin, asset=orphan, level="confidential")
    public = AssetGovernanceFactory(dataset__name="holidays")
    services.classification_assign(actor=world.admin, asset=public, level="public")
    client.force_login(world.owner)
    response = client.get(reverse("governance_gaps"))
    assert [row.asset for row in response.context["rows"]] == [orphan]
    assert (
        "A compliance admin assigns one" in response.text and "Assign</button>" not in response.text
    )


def test_an_admin_assigns_a_steward_from_the_gaps_page(client, world):
    orphan = AssetGovernanceFactory(dataset__name="web_events")
    services.classification_assign(actor=world.admin, asset=orphan, level="confidential")
    orphan.refresh_from_db()
    client.force_login(world.admin)
    assert "Assign</button>" in client.get(reverse("governance_gaps")).text
    response = client.post(
        reverse("governance_dataset_edit", args=[orphan.dataset_id]),
        {
            "steward": world.team.pk,
            "version": orphan.version,
            "edits": "steward",
            "next": "/governance/gaps/",
        },
    )
    assert response["Location"] == "/governance/gaps/#governance"
    orphan.refresh_from_db()
    assert orphan.steward == world.team and orphan.classification == "confidential"
    assert "Every regulated asset has a steward" in client.get("/governance/gaps/").text
