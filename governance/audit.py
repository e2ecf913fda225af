"""The audit trail: appending events to a keyed hash chain.

Each event's ``hash`` is an HMAC-SHA256, keyed with ``settings.AUDIT_HMAC_KEY`` (from the
environment, never from the database), over the canonical JSON of every field of the
event and the previous event's hash. Someone who can write to the database but does not
hold the key cannot edit an event and recompute the chain after it. Verification lives in
``governance.audit_verify``; signed checkpoints outside the database in
``governance.audit_checkpoints``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

HEAD_PK = 1
# Bumped if the hashed content ever changes shape, so old and new never compare equal.
HASH_SCHEME = "hmac-sha256/v2"


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


def audit_key() -> bytes:
    """The HMAC key of the chain and of the checkpoints, from the environment."""
    return str(settings.AUDIT_HMAC_KEY).encode()


def audit_key_id(key: bytes | None = None) -> str:
    """A public fingerprint of the key: tells which key signed a checkpoint, reveals nothing."""
    return hmac.new(key or audit_key(), b"lineage-portal audit key id", hashlib.sha256).hexdigest()[
        :16
    ]


def keyed_digest(text: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``text`` under the audit key, as hex."""
    return hmac.new(key or audit_key(), text.encode(), hashlib.sha256).hexdigest()


def event_content(event: AuditEvent) -> dict[str, Any]:
    """Every stored field of an event but its own hash (``id`` is only the row's storage slot)."""
    return {
        "scheme": HASH_SCHEME,
        "seq": event.seq,
        "at": _iso(event.at),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_key": event.object_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }


def event_hash(event: AuditEvent, key: bytes | None = None) -> str:
    """The keyed hash of an event: HMAC-SHA256 of :func:`event_content` as canonical JSON."""
    return keyed_digest(canonical_json(event_content(event)), key)


def _locked_head() -> AuditChainHead:
    """The chain head, locked until the caller's transaction ends.

    A database flushed by the test runner has no head: it is created where the events
    end (nothing else may insert one; the database triggers check it).
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    last = AuditEvent.objects.order_by("-seq").first()
    AuditChainHead.objects.get_or_create(
        pk=HEAD_PK,
        defaults={"seq": last.seq if last else 0, "hash": last.hash if last else ""},
    )
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
class AuditEntry:
    """One event to append in a batch (``audit_events_append``); same fields as a single one."""

    action: str
    object_type: str
    object_key: str
    before: Any = None
    after: Any = None
    reason: str = ""


@transaction.atomic
def audit_events_append(*, actor: Any, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append many events under one lock of the head: one insert, then the head moves once.

    For bulk changes (a CSV import): the chain is the same as appending them one by one.
    """
    if not entries:
        return []
    head = _locked_head()
    user = actor if getattr(actor, "pk", None) is not None else None
    name = user.get_username() if user is not None else str(actor or "system")
    at, prev, events = timezone.now(), head.hash, []
    for offset, entry in enumerate(entries, start=1):
        event = AuditEvent(
            seq=head.seq + offset,
            at=at,
            actor=name,
            actor_user=user,
            action=entry.action,
            object_type=entry.object_type,
            object_key=entry.object_key,
            before=jsonable(entry.before),
            after=jsonable(entry.after),
            reason=entry.reason or "",
            prev_hash=prev,
        )
        event.hash = prev = event_hash(event)
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    head.seq, head.hash = events[-1].seq, events[-1].hash
    head.save(update_fields=["seq", "hash"])
    return events
