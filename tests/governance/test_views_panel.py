"""The dataset governance panel: what each user sees, and every edit made from it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.models import AuditEvent, Steward, TagSuggestion

from .factories import AssetGovernanceFactory, ColumnFactory, MaskingPolicyFactory, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def email(world):
    """The owner's dataset has an ``email`` column the owner stewards, not yet classified."""
    return AssetGovernanceFactory(
        dataset=None,
        column=ColumnFactory(dataset=world.asset.dataset, name="email", ordinal=2),
        steward=world.person,
    )


@pytest.fixture
def policy(db):
    return MaskingPolicyFactory(name="EMAIL_HASH")


def panel(client, world) -> str:
    return client.get(reverse("governance_dataset_panel", args=[world.asset.dataset_id])).text


def edit(client, dataset_id: int, **data):
    data.setdefault("next", reverse("dataset_detail", args=[dataset_id]))
    return client.post(reverse("governance_dataset_edit", args=[dataset_id]), data)


def full_form(asset, **changes) -> dict:
    data = {
        "classification": asset.classification or "",
        "tags": [t.slug for t in asset.tags.all()],
        "steward": asset.steward_id or "",
        "masking_policy": asset.masking_policy_id or "",
        "next_review_due": asset.next_review_due.isoformat() if asset.next_review_due else "",
        "version": asset.version,
        "reason": "",
    }
    return data | changes


def test_the_dataset_page_loads_the_panel(client, world):
    client.force_login(world.auditor)
    page = client.get(reverse("dataset_detail", args=[world.asset.dataset_id])).text
    assert f'data-gov-panel-src="/governance/datasets/{world.asset.dataset_id}/panel/"' in page
    assert "governance_panel.js" in page


def test_the_steward_sees_forms_for_what_they_steward(client, world, email):
    client.force_login(world.owner)
    html = panel(client, world)
    assert html.count('class="gov-form"') == 2  # the dataset and its email column
    assert "Edit governance" in html
    assert "Read only" not in html


def test_another_steward_sees_values_and_no_form(client, world, email):
    services.classification_assign(actor=world.admin, asset=world.asset, level="restricted")
    client.force_login(world.other)
    html = panel(client, world)
    assert 'class="gov-form"' not in html and "Edit governance" not in html
    assert "Read only — only Olive Owner or a compliance admin can change this" in html
    assert "cls-badge cls-restricted" in html


def test_masking_and_due_dates_are_shown_as_people_read_them(client, world, email, policy):
    services.asset_update(
        actor=world.admin,
        asset=email,
        changes={"masking_policy": policy, "next_review_due": date(2000, 1, 1)},
        expected_version=None,
        reason="long overdue",
    )
    client.force_login(world.auditor)
    html = panel(client, world)
    assert 'title="Masked by EMAIL_HASH (hash) — PROD_DB.POLICIES.EMAIL_HASH"' in html
    assert "days overdue" in html and 'title="Saturday 01 January 2000"' in html


def test_saving_the_dataset_changes_everything_in_one_audited_event(client, world, policy):
    client.force_login(world.owner)
    form = full_form(
        world.asset,
        classification="restricted",
        tags=["pii", "gdpr"],
        masking_policy=policy.pk,
        reason="quarterly review",
    )
    response = edit(client, world.asset.dataset_id, **form)
    assert response.status_code == 302
    assert response["Location"] == f"/datasets/{world.asset.dataset_id}/#governance"
    world.asset.refresh_from_db()
    assert world.asset.classification == "restricted"
    assert sorted(t.slug for t in world.asset.tags.all()) == ["gdpr", "pii"]
    assert world.asset.masking_policy == policy
    # Classified, so on a review cycle from today (a steward does not pick the date).
    assert world.asset.next_review_due == timezone.localdate() + timedelta(days=90)
    event = AuditEvent.objects.get(action="asset.update")
    assert event.actor == "owner" and event.reason == "quarterly review"
    assert event.after["classification"] == "restricted"
    page = client.get(response["Location"])
    assert "Saved the governance of customers." in page.text


def test_a_stale_form_says_who_changed_it_and_keeps_what_was_typed(client, world):
    client.force_login(world.owner)
    shown = full_form(world.asset)  # the form as the owner opened it (version 0)
    services.classification_assign(actor=world.admin, asset=world.asset, level="internal")

    response = edit(
        client, world.asset.dataset_id, **shown | {"classification": "restricted", "reason": "mine"}
    )

    assert response.status_code == 409
    html = response.text
    assert "Changed by ada at" in html and "— reload" in html
    assert '<option value="restricted" selected>' in html  # what the owner typed
    assert 'value="mine"' in html
    assert 'name="version" value="1"' in html  # the next save applies it knowingly
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal"  # nothing of the stale save landed
    assert AuditEvent.objects.filter(actor="owner").count() == 0

    again = edit(
        client, world.asset.dataset_id, **shown | {"classification": "restricted", "version": 1}
    )
    assert again.status_code == 302
    world.asset.refresh_from_db()
    assert world.asset.classification == "restricted"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("classification", "secret", "Unknown classification level “secret”"),
        ("tags", ["pii", "nope"], "Unknown regulatory tag “nope”"),
        ("steward", "999999", "Unknown or inactive steward"),
        ("masking_policy", "999999", "Unknown masking policy"),
        ("next_review_due", "31/01/2030", "Write the review date as YYYY-MM-DD"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    client, world, field, value, message
):
    # A compliance admin: the only one whose form lets the review date be typed.
    client.force_login(world.admin)
    form = full_form(world.asset, classification="restricted") | {field: value}
    response = edit(client, world.asset.dataset_id, **form)
    assert response.status_code == 400
    assert message in response.text
    world.asset.refresh_from_db()
    assert world.asset.classification is None and world.asset.version == 0
    assert not AuditEvent.objects.exists()


def test_an_inactive_steward_kept_on_the_form_does_not_block_other_changes(client, world):
    services.steward_assign(actor=world.admin, asset=world.asset, steward=world.person)
    Steward.objects.filter(pk=world.person.pk).update(active=False)
    client.force_login(world.admin)
    world.asset.refresh_from_db()
    response = edit(
        client, world.asset.dataset_id, **full_form(world.asset, classification="internal")
    )
    assert response.status_code == 302
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal" and world.asset.steward == world.person


def test_a_form_carrying_one_field_leaves_the_others_alone(client, world):
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        changes={"classification": "confidential", "tags": ["sox"]},
        expected_version=None,
    )
    world.asset.refresh_from_db()
    client.force_login(world.admin)
    response = edit(
        client,
        world.asset.dataset_id,
        steward=world.team.pk,
        version=world.asset.version,
        edits="steward",
    )
    assert response.status_code == 302
    world.asset.refresh_from_db()
    assert world.asset.steward == world.team
    assert world.asset.classification == "confidential" and [
        t.slug for t in world.asset.tags.all()
    ] == ["sox"]


def test_classifying_a_column_as_pii_with_masking(client, world, email, policy):
    client.force_login(world.owner)
    response = client.post(
        reverse("governance_column_edit", args=[email.column_id]),
        full_form(email, classification="restricted", tags=["pii"], masking_policy=policy.pk)
        | {"next": f"/datasets/{world.asset.dataset_id}/"},
    )
    assert response["Location"] == f"/datasets/{world.asset.dataset_id}/#gov-col-{email.column_id}"
    email.refresh_from_db()
    assert email.classification == "restricted" and email.masking_policy == policy
    assert [t.slug for t in email.tags.all()] == ["pii"]
    assert AuditEvent.objects.get().object_key.endswith("#email")


def test_an_admin_classifies_a_column_nobody_governed_yet(client, world):
    column = ColumnFactory(dataset=world.asset.dataset, name="phone")
    client.force_login(world.admin)
    response = client.post(
        reverse("governance_column_edit", args=[column.pk]),
        {"classification": "confidential", "version": 0, "edits": "classification"},
    )
    assert response.status_code == 302
    assert column.governance.classification == "confidential"


def test_the_tables_steward_edits_a_column_without_a_steward(client, world):
    column = ColumnFactory(dataset=world.asset.dataset, name="phone")
    client.force_login(world.owner)
    response = client.post(
        reverse("governance_column_edit", args=[column.pk]),
        {"classification": "confidential", "version": 0},
    )
    assert response.status_code == 302
    column.refresh_from_db()
    assert column.governance.classification == "confidential"


def test_another_steward_cannot_edit_a_column_without_a_steward(client, world):
    column = ColumnFactory(dataset=world.asset.dataset, name="phone")
    client.force_login(world.other)
    response = client.post(
        reverse("governance_column_edit", args=[column.pk]),
        {"classification": "confidential", "version": 0},
    )
    assert response.status_code == 403
    assert "Nothing was changed" in response.text


def test_saving_nothing_new_says_so_and_writes_nothing(client, world):
    client.force_login(world.owner)
    response = edit(client, world.asset.dataset_id, **full_form(world.asset))
    assert response.status_code == 302
    assert not AuditEvent.objects.exists()
    assert "Nothing to save" in client.get(response["Location"]).text


def test_a_foreign_next_url_is_ignored(client, world):
    client.force_login(world.owner)
    form = full_form(world.asset, classification="public") | {"next": "https://evil.example/"}
    response = client.post(reverse("governance_dataset_edit", args=[world.asset.dataset_id]), form)
    assert response["Location"] == f"/datasets/{world.asset.dataset_id}/#governance"


def test_an_unknown_dataset_is_a_page_not_an_error(client, world):
    client.force_login(world.owner)
    response = client.get(reverse("governance_dataset", args=[999999]))
    assert response.status_code == 404
    assert "This dataset does not exist" in response.text


def test_the_panel_shows_reviews_and_the_trail_of_the_table_and_its_columns(client, world, email):
    services.classification_assign(actor=world.owner, asset=email, level="restricted", reason="PII")
    services.review_attest(actor=world.owner, asset=world.asset, outcome="confirmed", comment="ok")
    client.force_login(world.auditor)
    html = panel(client, world)
    assert "classification.assign" in html and "review.attest" in html
    assert "“PII”" in html and "“ok”" in html
    assert "Confirmed unchanged" in html
    assert "All 2 events" in html


def test_accepting_and_rejecting_warehouse_suggestions(client, world, policy):
    found = TagSuggestion.objects.create(
        asset=world.asset, tag=tag("pii"), source="snowflake:TAG_REFERENCES"
    )
    masked = TagSuggestion.objects.create(
        asset=world.asset, masking_policy=policy, source="snowflake:POLICY_REFERENCES"
    )
    client.force_login(world.owner)
    assert "Found in the warehouse" in panel(client, world)

    client.post(reverse("governance_suggestion_accept", args=[found.pk]))
    client.post(reverse("governance_suggestion_reject", args=[masked.pk]))

    world.asset.refresh_from_db()
    assert [t.slug for t in world.asset.tags.all()] == [
        "pii"
    ] and world.asset.masking_policy is None
    response = client.post(reverse("governance_suggestion_accept", args=[masked.pk]), follow=True)
    assert "was already rejected" in response.text


def test_a_stale_save_sends_only_what_the_user_changed(client, world):
    """The form posts what it showed (initial-*): someone else's change to another field survives."""
    client.force_login(world.owner)
    shown = full_form(world.asset)
    shown |= {
        f"initial-{name}": value
        for name, value in shown.items()
        if name not in ("version", "reason")
    } | {"shown": "1"}
    services.tags_set(actor=world.admin, asset=world.asset, tags=["sox"])

    stale = edit(client, world.asset.dataset_id, **shown | {"classification": "internal"})
    assert stale.status_code == 409
    redrawn = stale.context["own"].form
    assert redrawn["tags"].value() == ["sox"]  # taken in from what is saved now
    assert redrawn["classification"].value() == "internal"  # the user's edit, kept

    data = {key: redrawn.data.getlist(key) for key in redrawn.data}
    assert edit(client, world.asset.dataset_id, **data).status_code == 302
    world.asset.refresh_from_db()
    assert world.asset.classification == "internal"
    assert [t.slug for t in world.asset.tags.all()] == ["sox"]
    assert AuditEvent.objects.filter(actor="owner").get().after.keys() == {
        "classification",
        "next_review_due",
        "version",
    }
