"""Writes about reviews and warehouse suggestions: attestations, accepting and rejecting.

Import these from ``governance.services``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import AssetGovernance, Review, TagSuggestion, classification_rank
from ..permissions import ensure_can_edit_asset
from ..validation import choice_clean
from .assets import asset_audit, asset_change, asset_lock, review_cycle_days

if TYPE_CHECKING:
    from lineage_portal.access import Actor


def review_attest(
    *, actor: Actor, asset: AssetGovernance, outcome: str, comment: str = ""
) -> Review:
    """The steward attests the asset's governance; the next review is due a cycle from today.

    ``outcome`` is ``confirmed`` (nothing needed changing) or ``changed``. The cycle is
    ``compliance.review_cycle_days`` of the configuration (default 90 days).
    """
    outcome = choice_clean(outcome, Review.Outcome, "review outcome")
    with transaction.atomic():
        locked = asset_lock(asset)
        ensure_can_edit_asset(actor, locked)
        next_due = timezone.localdate() + timedelta(days=review_cycle_days())
        review = Review.objects.create(
            asset=locked,
            reviewer=actor,
            outcome=outcome,
            comment=comment,
            was_due=locked.next_review_due,
            next_due=next_due,
        )
        asset_change(
            actor=actor,
            asset=locked,
            cleaned={"next_review_due": next_due},
            expected_version=None,
            reason=comment,
            action="review.attest",
            note=({}, {"outcome": outcome, "review": review.pk}),
        )
        return review


def _pending(suggestion: TagSuggestion) -> TagSuggestion:
    """The suggestion, locked, if it still awaits a decision."""
    locked = (
        TagSuggestion.objects.select_for_update(of=("self",))
        .select_related("tag", "masking_policy")
        .get(pk=suggestion.pk)
    )
    if locked.state != TagSuggestion.State.PENDING:
        raise ValidationError(
            f"Suggestion {locked.suggested} on {locked.asset.key} was already {locked.state}.",
            code="suggestion_decided",
        )
    return locked


def _decide(suggestion: TagSuggestion, actor: Actor, state: str) -> None:
    suggestion.state = state
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])


def _note(suggestion: TagSuggestion, state: str) -> tuple[dict, dict]:
    about = {
        "suggestion": suggestion.pk,
        "suggested": suggestion.suggested,
        "source": suggestion.source,
    }
    return {**about, "state": TagSuggestion.State.PENDING.value}, {**about, "state": state}


def tag_suggestion_accept(
    *, actor: Actor, suggestion: TagSuggestion, reason: str = ""
) -> TagSuggestion:
    """Apply a suggested tag (added), masking policy or classification (assigned) to its asset.

    A classification followed along lineage never lowers the asset's level.
    """
    with transaction.atomic():
        locked = _pending(suggestion)
        if locked.tag_id:
            cleaned, add_tags = {}, [locked.tag]
        elif locked.masking_policy_id:
            cleaned, add_tags = {"masking_policy": locked.masking_policy}, None
        else:
            level = max(
                locked.classification, locked.asset.classification or "", key=classification_rank
            )
            cleaned, add_tags = {"classification": level}, None
        note = _note(locked, TagSuggestion.State.ACCEPTED.value)
        reason = reason or f"accepted {locked.suggested} found by {locked.source}"
        asset_change(
            actor=actor,
            asset=locked.asset,
            cleaned=cleaned,
            expected_version=None,
            reason=reason,
            action="suggestion.accept",
            add_tags=add_tags,
            note=note,
        )
        _decide(locked, actor, TagSuggestion.State.ACCEPTED)
        return locked


def tag_suggestion_reject(
    *, actor: Actor, suggestion: TagSuggestion, reason: str = ""
) -> TagSuggestion:
    """Dismiss a suggestion; the asset is unchanged and a later sync will not reopen it."""
    with transaction.atomic():
        locked = _pending(suggestion)
        asset = asset_lock(locked.asset)
        ensure_can_edit_asset(actor, asset)
        before, after = _note(locked, TagSuggestion.State.REJECTED.value)
        asset_audit(actor, asset, "suggestion.reject", before, after, reason)
        _decide(locked, actor, TagSuggestion.State.REJECTED)
        return locked
