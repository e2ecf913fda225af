"""Stewards, masking policies and regulatory tags: admin-only, validated, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import services
from governance.models import AuditEvent, RegulatoryTag


def test_builtin_tags_are_seeded(db):
    slugs = set(RegulatoryTag.objects.filter(builtin=True).values_list("slug", flat=True))
    assert slugs == {"gdpr", "ccpa", "pii", "sox", "financial", "hipaa", "pci"}


def test_steward_create_is_audited(world):
    steward = services.steward_create(
        actor=world.admin,
        name="Growth Team",
        kind="team",
        email="growth@example.com",
        members=[world.owner, "other"],
        reason="new team",
    )
    assert set(steward.members.values_list("username", flat=True)) == {"owner", "other"}
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_key) == (
        "steward.create",
        "steward",
        "steward:Growth Team",
    )
    assert event.before is None
    assert event.after == {
        "name": "Growth Team",
        "kind": "team",
        "email": "growth@example.com",
        "active": True,
        "members": ["other", "owner"],
    }


def test_steward_update_audits_only_what_changed(world):
    services.steward_update(
        actor=world.admin, steward=world.team, changes={"active": False, "name": "Finance Data"}
    )
    event = AuditEvent.objects.get()
    assert (event.before, event.after) == ({"active": True}, {"active": False})


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"name": "Finance Data"}, "'Finance Data' already exists"),
        ({"name": "X", "kind": "robot"}, "'robot'"),
        ({"name": "X", "email": "not-an-address"}, "'not-an-address'"),
        ({"name": "X", "members": ["ghost"]}, "'ghost'"),
        ({"name": "  "}, "must not be empty"),
        ({"name": "=HYPERLINK(1)"}, "must not start with '='"),
    ],
)
def test_steward_create_validation(world, kwargs, named):
    with pytest.raises(ValidationError, match=named):
        services.steward_create(actor=world.admin, **kwargs)


def test_masking_policy_create(world):
    policy = services.masking_policy_create(
        actor=world.admin,
        name="EMAIL_MASK",
        kind="hash",
        warehouse_policy="PROD_DB.POLICIES.EMAIL_MASK",
    )
    assert policy.kind == "hash"
    assert AuditEvent.objects.get().object_key == "masking_policy:EMAIL_MASK"
    with pytest.raises(ValidationError, match="'scramble'"):
        services.masking_policy_create(actor=world.admin, name="OTHER", kind="scramble")
    with pytest.raises(PermissionDenied):
        services.masking_policy_create(actor=world.owner, name="MINE", kind="hash")


def test_regulatory_tag_create(world):
    tag = services.regulatory_tag_create(actor=world.admin, slug="LGPD", name="LGPD")
    assert (tag.slug, tag.builtin) == ("lgpd", False)
    with pytest.raises(ValidationError, match="'lgpd' already exists"):
        services.regulatory_tag_create(actor=world.admin, slug="lgpd")
    with pytest.raises(ValidationError, match="'no spaces'"):
        services.regulatory_tag_create(actor=world.admin, slug="no spaces")
    with pytest.raises(PermissionDenied):
        services.regulatory_tag_create(actor=world.auditor, slug="mine")
    # Admins add tags; stewards then use them.
    services.tags_set(actor=world.owner, asset=world.asset, tags=["lgpd"])


def test_builtin_tags_keep_their_slug(world):
    pii = RegulatoryTag.objects.get(slug="pii")
    with pytest.raises(ValidationError, match="cannot be renamed"):
        services.regulatory_tag_update(actor=world.admin, tag=pii, changes={"slug": "personal"})
    services.regulatory_tag_update(
        actor=world.admin, tag=pii, changes={"description": "Personal data."}
    )
    pii.refresh_from_db()
    assert pii.description == "Personal data."
