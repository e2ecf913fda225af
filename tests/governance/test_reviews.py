"""Attestations, review and steward-gap lists, and warehouse suggestions."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from governance import selectors, services
from governance.models import AuditEvent, Review, TagSuggestion

from .factories import (
    AssetGovernanceFactory,
    ColumnFactory,
    MaskingPolicyFactory,
    StewardFactory,
    tag,
)


def _config(**compliance):
    config = copy.deepcopy(settings.LINEAGE_CONFIG)
    config["compliance"].update(compliance)
    return config


def _due(asset, days: int):
    asset.next_review_due = timezone.localdate() + timedelta(days=days)
    asset.save()
    return asset


def test_attesting_resets_the_due_date_by_the_configured_cycle(world):
    _due(world.asset, -5)
    with override_settings(LINEAGE_CONFIG=_config(review_cycle_days=30)):
        review = services.review_attest(
            actor=world.owner, asset=world.asset, outcome="confirmed", comment="all good"
        )
    today = timezone.localdate()
    world.asset.refresh_from_db()
    assert world.asset.next_review_due == today + timedelta(days=30)
    assert (review.reviewer, review.was_due, review.next_due) == (
        world.owner,
        today - timedelta(days=5),
        today + timedelta(days=30),
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.reason) == ("review.attest", "all good")
    assert event.after["outcome"] == "confirmed" and event.after["review"] == review.pk
    assert event.before["next_review_due"] == (today - timedelta(days=5)).isoformat()


def test_the_default_cycle_is_ninety_days(world):
    services.review_attest(actor=world.member, asset=world.team_asset, outcome="changed")
    world.team_asset.refresh_from_db()
    assert world.team_asset.next_review_due == timezone.localdate() + timedelta(days=90)
    assert world.team_asset.version == 1


def test_only_the_steward_attests(world):
    for user in (world.other, world.auditor):
        with pytest.raises(PermissionDenied):
            services.review_attest(actor=user, asset=world.asset, outcome="confirmed")
    assert not Review.objects.exists()


def test_an_unknown_outcome_is_named(world):
    with pytest.raises(ValidationError, match="'approved'"):
        services.review_attest(actor=world.owner, asset=world.asset, outcome="approved")


def test_review_due_list_is_the_stewards_due_and_overdue(world):
    overdue, soon = _due(world.asset, -3), _due(AssetGovernanceFactory(steward=world.person), 10)
    _due(AssetGovernanceFactory(steward=world.person), 40)  # not yet
    _due(world.team_asset, -1)  # someone else's
    assert list(selectors.review_due_list(user=world.owner)) == [overdue, soon]
    assert list(selectors.review_due_list(user=world.owner, within_days=0)) == [overdue]
    assert list(selectors.review_due_list(user=world.member)) == [world.team_asset]
    assert overdue.review_state == "overdue" and soon.review_state == "due_soon"


def test_steward_gap_list(world):
    gone = StewardFactory(name="Left the company", active=False)
    no_steward = AssetGovernanceFactory(classification="restricted")
    inactive = AssetGovernanceFactory(classification="confidential", steward=gone)
    AssetGovernanceFactory(classification="public")  # public needs no steward
    AssetGovernanceFactory(classification="internal", steward=world.person)
    # A column nobody was named for answers to its table's steward: no gap while it has one.
    covered = ColumnFactory(dataset=world.asset.dataset, name="email")
    AssetGovernanceFactory(dataset=None, column=covered, classification="restricted")
    orphan = AssetGovernanceFactory(  # its table has no governance row at all
        dataset=None, column=ColumnFactory(), classification="restricted"
    )
    assert list(selectors.steward_gap_list()) == [no_steward, orphan, inactive]
    with override_settings(LINEAGE_CONFIG=_config(steward_enforcement=False)):
        assert not selectors.steward_gap_list().exists()


# --- suggestions --------------------------------------------------------------------------


def _suggest(asset, **target) -> TagSuggestion:
    return TagSuggestion.objects.create(asset=asset, source="snowflake:TAG_REFERENCES", **target)


def test_accepting_a_tag_suggestion_adds_the_tag(world):
    services.tags_set(actor=world.owner, asset=world.asset, tags=["gdpr"])
    suggestion = services.tag_suggestion_accept(
        actor=world.owner, suggestion=_suggest(world.asset, tag=tag("pii"))
    )
    assert suggestion.state == "accepted" and suggestion.decided_by == world.owner
    assert sorted(world.asset.tags.values_list("slug", flat=True)) == ["gdpr", "pii"]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "suggestion.accept"
    assert event.before["tags"] == ["gdpr"] and event.after["tags"] == ["gdpr", "pii"]
    assert (event.before["state"], event.after["state"]) == ("pending", "accepted")


def test_accepting_a_masking_suggestion_assigns_the_policy(world):
    policy = MaskingPolicyFactory(name="EMAIL_HASH")
    services.tag_suggestion_accept(
        actor=world.admin, suggestion=_suggest(world.asset, masking_policy=policy)
    )
    world.asset.refresh_from_db()
    assert world.asset.masking_policy == policy


def test_an_accepted_suggestion_that_changes_nothing_is_still_audited(world):
    services.tags_set(actor=world.owner, asset=world.asset, tags=["pii"])
    services.tag_suggestion_accept(
        actor=world.owner, suggestion=_suggest(world.asset, tag=tag("pii"))
    )
    assert AuditEvent.objects.order_by("-seq").first().action == "suggestion.accept"


def test_rejecting_leaves_the_asset_alone(world):
    suggestion = services.tag_suggestion_reject(
        actor=world.owner,
        suggestion=_suggest(world.asset, tag=tag("hipaa")),
        reason="not health data",
    )
    assert suggestion.state == "rejected"
    assert not world.asset.tags.exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.reason, event.after["suggested"]) == (
        "suggestion.reject",
        "not health data",
        "tag:hipaa",
    )


def test_a_decided_suggestion_cannot_be_decided_again(world):
    suggestion = services.tag_suggestion_reject(
        actor=world.owner, suggestion=_suggest(world.asset, tag=tag("pii"))
    )
    with pytest.raises(ValidationError, match="already rejected"):
        services.tag_suggestion_accept(actor=world.owner, suggestion=suggestion)


def test_only_the_steward_decides_suggestions(world):
    suggestion = _suggest(world.asset, tag=tag("pii"))
    with pytest.raises(PermissionDenied):
        services.tag_suggestion_accept(actor=world.other, suggestion=suggestion)
    with pytest.raises(PermissionDenied):
        services.tag_suggestion_reject(actor=world.auditor, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"
