"""The audit trail: appending hash-chained events, and verifying the chain.

Each event's ``hash`` is the SHA-256 of the canonical JSON of its content and the previous
event's hash, so editing an event, deleting one, or cutting the tail is detectable by
recomputing the chain (``python manage.py verify_audit_trail``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

HEAD_PK = 1


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, dates as ISO strings: the same value hashes the same."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def jsonable(value: Any) -> Any:
    """``value`` as it will read back from a JSON column, so the stored form is the hashed one."""
    return None if value is None else json.loads(canonical_json(value))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 over (seq, at, actor, action, object_type, object_key, before, after, reason, prev_hash)."""
    content = [
        event.seq,
        _iso(event.at),
        event.actor,
        event.action,
        event.object_type,
        event.object_key,
        event.before,
        event.after,
        event.reason,
        event.prev_hash,
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the caller's transaction ends."""
    head, created = AuditChainHead.objects.get_or_create(pk=HEAD_PK)
    if created:
        # A flushed or hand-made database: continue from whatever events exist.
        last = AuditEvent.objects.order_by("-seq").first()
        if last is not None:
            head.seq, head.hash = last.seq, last.hash
            head.save()
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


@transaction.atomic
def audit_event_append(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_key: str,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event at the head of the chain; ``actor`` is a user, or None for the system.

    Call it inside the transaction of the change it records: the event commits (and the
    head moves) exactly when the change does.
    """
    head = _locked_head()
    user = actor if getattr(actor, "pk", None) is not None else None
    event = AuditEvent(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=user.get_username() if user is not None else str(actor or "system"),
        actor_user=user,
        action=action,
        object_type=object_type,
        object_key=object_key,
        before=jsonable(before),
        after=jsonable(after),
        reason=reason or "",
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how many events checked, and the first problem."""

    verified: int
    bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.bad_seq is None


def audit_trail_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the chain in seq order; report the first edited, missing or unlinked event."""
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size)
    report, last = _verify_events(events)
    if not report.intact:
        return report
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    last_seq, last_hash = (last.seq, last.hash) if last else (0, "")
    if head is not None and head.seq > last_seq:
        return ChainReport(
            report.verified,
            last_seq + 1,
            f"events #{last_seq + 1}..#{head.seq} are missing (deleted from the end)",
        )
    if head is not None and (head.seq, head.hash) != (last_seq, last_hash):
        return ChainReport(
            report.verified, last_seq, f"event #{last_seq} does not match the chain head"
        )
    return report


def _verify_events(events: Iterable[AuditEvent]) -> tuple[ChainReport, AuditEvent | None]:
    expected_seq, prev_hash, count, last = 1, "", 0, None
    for event in events:
        if event.seq != expected_seq:
            missing = (
                f"#{expected_seq}"
                if event.seq == expected_seq + 1
                else (f"#{expected_seq}..#{event.seq - 1}")
            )
            return ChainReport(count, expected_seq, f"event {missing} is missing (deleted)"), last
        if event.prev_hash != prev_hash:
            return ChainReport(
                count, event.seq, f"event #{event.seq} does not link to event #{event.seq - 1}"
            ), last
        if event_hash(event) != event.hash:
            return ChainReport(
                count, event.seq, f"event #{event.seq} was altered (its hash does not match)"
            ), last
        expected_seq, prev_hash, count, last = event.seq + 1, event.hash, count + 1, event
    return ChainReport(count), last
