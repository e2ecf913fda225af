"""Governance API writes: through the services, refused clearly, never half-saved."""

from __future__ import annotations

import pytest

from governance import services
from governance.models import AuditEvent, MaskingPolicy, RegulatoryTag, Review, Steward

from .factories import ColumnFactory, MaskingPolicyFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/governance/"


def patch(client, url: str, body: dict):
    return client.patch(url, body, content_type="application/json")


def post(client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def test_the_steward_changes_their_dataset_in_one_audited_event(client, world):
    MaskingPolicyFactory(name="EMAIL_HASH")
    client.force_login(world.owner)
    response = patch(
        client,
        f"{API}datasets/{world.asset.dataset_id}/",
        {
            "classification": "restricted",
            "tags": ["pii", "gdpr"],
            "masking_policy": "email_hash",
            "expected_version": 0,
            "reason": "api",
        },
    )
    assert response.status_code == 200, response.content
    governance = response.json()["governance"]
    assert governance["classification"] == "restricted" and governance["tags"] == ["gdpr", "pii"]
    assert governance["masking_policy"] == "EMAIL_HASH" and governance["version"] == 1
    assert governance["updated_by"] == "owner"
    event = AuditEvent.objects.get()
    assert (event.action, event.reason) == ("asset.update", "api")


def test_only_the_fields_sent_change(client, world):
    services.tags_set(actor=world.admin, asset=world.asset, tags=["sox"])
    client.force_login(world.owner)
    patch(client, f"{API}datasets/{world.asset.dataset_id}/", {"classification": "internal"})
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal" and [
        t.slug for t in world.asset.tags.all()
    ] == ["sox"]


def test_a_stale_version_is_409_with_who_changed_it(client, world):
    services.classification_assign(actor=world.admin, asset=world.asset, level="internal")
    client.force_login(world.owner)
    response = patch(
        client,
        f"{API}datasets/{world.asset.dataset_id}/",
        {"classification": "public", "expected_version": 0},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["changed_by"] == "ada" and body["current_version"] == 1
    assert "was changed by ada" in body["detail"]
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"classification": "secret"}, "classification", '"secret" is not a valid choice.'),
        ({"tags": ["pii", "nope"]}, "tags", "Unknown regulatory tag 'nope'"),
        ({"steward": "Nobody Here"}, "steward", "Unknown steward 'Nobody Here'."),
        ({"masking_policy": "NOPE"}, "masking_policy", "Unknown masking policy 'NOPE'."),
        ({"next_review_due": "31/01/2030"}, "next_review_due", "Date has wrong format."),
        ({"expected_version": -1}, "expected_version", "Ensure this value is greater than"),
    ],
)
def test_bad_values_are_400_by_field_and_nothing_is_saved(client, world, body, field, message):
    client.force_login(world.owner)
    response = patch(
        client, f"{API}datasets/{world.asset.dataset_id}/", {"classification": "restricted"} | body
    )
    assert response.status_code == 400
    assert response.json()[field][0].startswith(message)
    world.asset.refresh_from_db()
    assert world.asset.classification is None and not AuditEvent.objects.exists()


def test_an_inactive_steward_is_refused(client, world):
    services.steward_update(actor=world.admin, steward=world.team, changes={"active": False})
    client.force_login(world.admin)
    response = patch(
        client, f"{API}datasets/{world.asset.dataset_id}/", {"steward": "Finance Data"}
    )
    assert response.status_code == 400
    assert "is inactive" in response.json()["steward"][0]


def test_refusals_say_why(client, world):
    client.force_login(world.other)
    response = patch(
        client, f"{API}datasets/{world.asset.dataset_id}/", {"classification": "public"}
    )
    assert response.status_code == 403
    assert "only its steward or a compliance admin may" in response.json()["detail"]


def test_columns_are_written_the_same_way(client, world):
    column = ColumnFactory(dataset=world.asset.dataset, name="email")
    client.force_login(world.admin)
    response = patch(
        client, f"{API}columns/{column.pk}/", {"classification": "restricted", "tags": ["pii"]}
    )
    assert response.status_code == 200
    assert response.json()["governance"]["key"] == column.key
    assert column.governance.classification == "restricted"


def test_attesting_through_the_api(client, world):
    client.force_login(world.owner)
    response = post(
        client,
        API + "reviews/",
        {"asset": world.asset.key, "outcome": "changed", "comment": "fixed"},
    )
    assert response.status_code == 201
    assert response.json()["reviewer"] == "owner" and Review.objects.get().outcome == "changed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"asset": "snowflake://prod_db.raw.nothing", "outcome": "confirmed"}, "asset"),
        ({"outcome": "confirmed"}, "asset"),
        ({"asset": "snowflake://prod_db.raw.customers", "outcome": "maybe"}, "outcome"),
    ],
)
def test_bad_attestations_are_400(client, world, body, field):
    client.force_login(world.owner)
    response = post(client, API + "reviews/", body)
    assert response.status_code == 400 and field in response.json()
    assert not Review.objects.exists()


def test_admins_keep_the_registries(client, world):
    client.force_login(world.admin)
    created = post(
        client, API + "stewards/", {"name": "Risk Team", "kind": "team", "members": ["owner"]}
    )
    assert created.status_code == 201 and created.json()["members"] == ["owner"]
    steward = Steward.objects.get(name="Risk Team")
    assert (
        patch(client, f"{API}stewards/{steward.pk}/", {"active": False}).json()["active"] is False
    )
    assert (
        post(
            client, API + "masking-policies/", {"name": "SSN_REDACT", "kind": "redact"}
        ).status_code
        == 201
    )
    assert MaskingPolicy.objects.filter(name="SSN_REDACT").exists()
    assert post(client, API + "tags/", {"slug": "lgpd", "name": "LGPD"}).status_code == 201
    assert RegulatoryTag.objects.get(slug="lgpd").builtin is False
    assert AuditEvent.objects.filter(action__endswith=".create").count() == 3


@pytest.mark.parametrize(
    ("url", "body", "field", "message"),
    [
        (
            "stewards/",
            {"name": "finance data"},
            "non_field_errors",
            "Steward 'finance data' already exists.",
        ),
        (
            "stewards/",
            {"name": "=cmd()"},
            "non_field_errors",
            "Steward name '=cmd()' must not start with '='.",
        ),
        (
            "stewards/",
            {"name": "X", "members": ["ghost"]},
            "members",
            "Object with username=ghost does not exist.",
        ),
        (
            "masking-policies/",
            {"name": "P", "kind": "shred"},
            "kind",
            '"shred" is not a valid choice.',
        ),
        ("tags/", {"slug": "PII"}, "non_field_errors", "Regulatory tag 'pii' already exists."),
        ("tags/", {"slug": "two words"}, "slug", 'Enter a valid "slug"'),
    ],
)
def test_bad_registry_input_is_400(client, world, url, body, field, message):
    client.force_login(world.admin)
    response = post(client, API + url, body)
    assert response.status_code == 400, response.content
    assert response.json()[field][0].startswith(message), response.json()
    assert not AuditEvent.objects.exists()


def test_a_built_in_tag_keeps_its_slug(client, world):
    client.force_login(world.admin)
    response = patch(client, API + "tags/pii/", {"slug": "personal"})
    assert response.status_code == 400
    assert "cannot be renamed" in response.json()["non_field_errors"][0]


def test_a_steward_cannot_create_registry_entries(client, world):
    client.force_login(world.owner)
    response = post(client, API + "stewards/", {"name": "Me Myself"})
    assert response.status_code == 403
    assert not Steward.objects.filter(name="Me Myself").exists()
