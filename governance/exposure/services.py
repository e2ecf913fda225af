"""People's decisions on findings: acknowledge (with a reason and an expiry) or resolve.

Who may: a compliance admin, or the steward accountable for the exposed asset (for a
failed backfill: compliance admins only). Every decision is an audit event with who,
when, before and after; a decision on a finding that changed state meanwhile is refused.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from graph.keys import ColumnKey, is_column_key
from lineage_portal.access import can_administer, who

from ..audit import audit_event_append
from ..models import AssetGovernance, Finding
from ..permissions import can_edit_asset

User = AbstractBaseUser | AnonymousUser
MAX_ACK_DAYS = 365


def can_decide(user: User, finding: Finding) -> bool:
    """Compliance admins decide every finding; a steward those on assets they steward."""
    if can_administer(user):
        return True
    if finding.kind == Finding.Kind.FAILED_BACKFILL:
        return False
    asset = _asset(finding.target)
    return asset is not None and can_edit_asset(user, asset)


def finding_acknowledge(
    *, actor: User, finding: Finding, reason: str, expires: date | None = None
) -> Finding:
    """Accept an open finding for now: it stays visible as acknowledged until ``expires``.

    The reason is required; the expiry defaults to 90 days and may not pass a year.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this exposure is acceptable for now."})
    today = timezone.localdate()
    expires = expires or today + timedelta(days=90)
    if not today < expires <= today + timedelta(days=MAX_ACK_DAYS):
        raise ValidationError(
            {"expires": f"Choose a date after today and at most {MAX_ACK_DAYS} days ahead."}
        )
    with transaction.atomic():
        locked = _locked(actor, finding, allowed=(Finding.State.OPEN,))
        before = _state(locked)
        locked.state = Finding.State.ACKNOWLEDGED
        locked.ack_reason, locked.ack_expires = reason, expires
        locked.acknowledged_by, locked.acknowledged_at = _user(actor), timezone.now()
        locked.save()
        _audit(actor, locked, "finding.acknowledge", before, reason)
    return locked


def finding_resolve(*, actor: User, finding: Finding, reason: str) -> Finding:
    """Mark a finding resolved by hand (fixed outside the portal); a scan re-opens it if it holds."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say what was done about this exposure."})
    with transaction.atomic():
        locked = _locked(actor, finding, allowed=(Finding.State.OPEN, Finding.State.ACKNOWLEDGED))
        before = _state(locked)
        locked.state, locked.resolution = Finding.State.RESOLVED, f"resolved by hand: {reason}"
        locked.resolved_at = timezone.now()
        locked.save()
        _audit(actor, locked, "finding.resolve", before, reason)
    return locked


def _locked(actor: User, finding: Finding, *, allowed: tuple[str, ...]) -> Finding:
    locked = Finding.objects.select_for_update().get(pk=finding.pk)
    if not can_decide(actor, locked):
        raise PermissionDenied(
            f"{who(actor)} may not decide this finding: only the exposed asset's steward "
            "or a compliance admin may."
        )
    if locked.state not in allowed:
        raise ValidationError(
            {"state": f"This finding is {locked.state} now; reload the page to see why."}
        )
    return locked


def _asset(key: str) -> AssetGovernance | None:
    """The exposed asset's governance row: its own, else its dataset's (whose steward answers)."""
    dataset = ColumnKey.parse(key).dataset_key if is_column_key(key) else key
    asset = AssetGovernance.objects.filter(column__key=key).first()
    return asset or AssetGovernance.objects.filter(dataset__key=dataset).first()


def _user(actor: User):
    return actor if getattr(actor, "pk", None) is not None else None


def _state(finding: Finding) -> dict:
    return {
        "state": finding.state,
        "ack_reason": finding.ack_reason,
        "ack_expires": finding.ack_expires.isoformat() if finding.ack_expires else None,
        "resolution": finding.resolution,
    }


def _audit(actor: User, finding: Finding, action: str, before: dict, reason: str) -> None:
    audit_event_append(
        actor=actor,
        action=action,
        object_type="finding",
        object_key=f"finding:{finding.pk}",
        before=before,
        after=_state(finding),
        reason=reason,
    )
