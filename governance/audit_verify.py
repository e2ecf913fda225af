"""Verifying the audit chain: in full, or from the last signed checkpoint onward.

Four mechanisms answer four kinds of tampering (docs/security.md has the table):

* the keyed hash of every event — an edited field, or a chain recomputed without the key;
* the links (``prev_hash``) and gap-free ``seq`` — an event deleted from the middle;
* the chain head row — events cut from the end while the head still names them;
* the signed checkpoints outside the database — a tail cut together with the head, an
  emptied table, a chain rewritten by someone holding the key, and a changed key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .audit import HEAD_PK, event_hash
from .audit_checkpoints import Checkpoint, checkpoint_lines
from .models import AuditChainHead, AuditEvent

INTACT = "intact"
EDITED = "edited"  # an event's keyed hash does not match its content
MISSING = "missing"  # a seq is absent from the middle of the chain
UNLINKED = "unlinked"  # prev_hash does not name the previous event
TRUNCATED = "truncated"  # events at the end are gone
EMPTIED = "emptied"  # every event is gone
HEAD = "head"  # the chain head row is missing or does not match the last event
REWRITTEN = "rewritten"  # the chain verifies, but not as a checkpoint recorded it
REKEYED = "rekeyed"  # a checkpoint was signed with another key
FORGED = "forged"  # a checkpoint line is not one the portal signed


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: events checked, and the first problem with its kind."""

    verified: int
    bad_seq: int | None = None
    problem: str = ""
    kind: str = INTACT
    head_seq: int = 0
    head_hash: str = ""
    events: int = 0  # in the chain up to its head (a checkpoint records this count)
    # The checkpoint compared against (the last trusted one), if any.
    checkpoint: Checkpoint | None = None

    @property
    def intact(self) -> bool:
        return self.kind == INTACT


@dataclass
class _Walk:
    """Where a walk over the events stands: the next seq and hash expected, what was seen."""

    expected_seq: int = 1
    prev_hash: str = ""
    count: int = 0  # checked by this walk
    last_seq: int = 0
    last_hash: str = ""
    before: int = 0  # events before the walk's start, vouched for by a checkpoint


def _broken(walk: _Walk, seq: int | None, kind: str, problem: str, **kw: Any) -> ChainReport:
    return ChainReport(walk.count, seq, problem, kind, **kw)


def _walk(
    events: Iterable[AuditEvent], walk: _Walk, anchors: dict[int, Checkpoint]
) -> ChainReport | None:
    """Check each event in seq order; the first problem found, or None if all hold."""
    for event in events:
        if event.seq != walk.expected_seq:
            gap = (
                f"event #{walk.expected_seq} is"
                if event.seq == walk.expected_seq + 1
                else f"events #{walk.expected_seq}..#{event.seq - 1} are"
            )
            return _broken(walk, walk.expected_seq, MISSING, f"{gap} missing (deleted)")
        if event.prev_hash != walk.prev_hash:
            problem = f"event #{event.seq} does not link to event #{event.seq - 1}"
            return _broken(walk, event.seq, UNLINKED, problem)
        if event_hash(event) != event.hash:
            problem = f"event #{event.seq} was altered (its keyed hash does not match)"
            return _broken(walk, event.seq, EDITED, problem)
        anchor = anchors.get(event.seq)
        if anchor is not None and anchor.hash != event.hash:
            return _broken(walk, event.seq, REWRITTEN, _rewritten(anchor))
        walk.expected_seq, walk.prev_hash = event.seq + 1, event.hash
        walk.count, walk.last_seq, walk.last_hash = walk.count + 1, event.seq, event.hash
    return None


def _rewritten(anchor: Checkpoint) -> str:
    return (
        f"event #{anchor.seq} is not the one the checkpoint of {anchor.at} recorded: "
        f"the chain up to it was rewritten"
    )


def _head_and_events(
    chunk_size: int, after: int = 0
) -> tuple[AuditChainHead | None, Iterator[AuditEvent]]:
    """The head, read first, and the events up to it: appends made meanwhile are left out."""
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    events = AuditEvent.objects.filter(seq__gt=after)
    if head is not None:
        events = events.filter(seq__lte=head.seq)
    return head, events.order_by("seq").iterator(chunk_size=chunk_size)


def _ending(walk: _Walk, head: AuditChainHead | None, checkpoint: Checkpoint | None) -> ChainReport:
    """Compare where the events end with the head row and with the last checkpoint."""
    if checkpoint is not None and walk.last_seq < checkpoint.seq:
        if walk.last_seq == 0:
            problem = (
                f"every event is gone: the checkpoint of {checkpoint.at} recorded "
                f"{checkpoint.count} (the trail was emptied)"
            )
            return _broken(walk, 1, EMPTIED, problem, checkpoint=checkpoint)
        problem = (
            f"events #{walk.last_seq + 1}..#{checkpoint.seq} are missing: the checkpoint of "
            f"{checkpoint.at} recorded the chain up to #{checkpoint.seq} (cut from the end)"
        )
        return _broken(walk, walk.last_seq + 1, TRUNCATED, problem, checkpoint=checkpoint)
    if head is None:
        if walk.count == 0 and checkpoint is None:
            return ChainReport(0)  # a fresh, empty trail
        return _broken(walk, None, HEAD, "the chain head row is missing (deleted)")
    if head.seq > walk.last_seq:
        problem = f"events #{walk.last_seq + 1}..#{head.seq} are missing (deleted from the end)"
        return _broken(walk, walk.last_seq + 1, TRUNCATED, problem)
    if head.hash != walk.last_hash:
        problem = f"event #{walk.last_seq} does not match the chain head"
        return _broken(walk, walk.last_seq, HEAD, problem)
    return ChainReport(
        walk.count,
        head_seq=head.seq,
        head_hash=head.hash,
        events=walk.before + walk.count,
        checkpoint=checkpoint,
    )


def _checkpoint_problem() -> tuple[ChainReport | None, list[Checkpoint]]:
    """The first untrustworthy line of the checkpoint file, and the trusted checkpoints."""
    trusted: list[Checkpoint] = []
    for line in checkpoint_lines():
        if line.problem or line.checkpoint is None:
            kind = REKEYED if "another key" in line.problem else FORGED
            return ChainReport(0, None, line.problem, kind), trusted
        trusted.append(line.checkpoint)
    return None, trusted


def audit_trail_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute the whole chain and compare it with every checkpoint; the first problem."""
    problem, checkpoints = _checkpoint_problem()
    if problem is not None:
        return problem
    anchors = {checkpoint.seq: checkpoint for checkpoint in checkpoints}
    head, events = _head_and_events(chunk_size)
    walk = _Walk()
    broken = _walk(events, walk, anchors)
    if broken is not None:
        return broken
    return _ending(walk, head, checkpoints[-1] if checkpoints else None)


def audit_trail_verify_since(checkpoint: Checkpoint, *, chunk_size: int = 2000) -> ChainReport:
    """Verify only what was appended after a trusted checkpoint, and that it is still there.

    The event at the checkpoint must still carry the recorded hash and the events up to it
    must all be there; edits before the checkpoint that leave it in place are the full
    verification's to find (it runs daily, and ``verify_audit_trail`` runs it on demand).
    """
    walk = _Walk()
    anchor = AuditEvent.objects.filter(seq=checkpoint.seq).first()
    if anchor is None:
        last = AuditEvent.objects.order_by("-seq").first()
        walk.last_seq = last.seq if last else 0
        if walk.last_seq < checkpoint.seq:
            return _ending(walk, None, checkpoint)
        problem = f"event #{checkpoint.seq} is missing (deleted)"
        return _broken(walk, checkpoint.seq, MISSING, problem, checkpoint=checkpoint)
    if anchor.hash != checkpoint.hash:
        return _broken(walk, anchor.seq, REWRITTEN, _rewritten(checkpoint), checkpoint=checkpoint)
    if event_hash(anchor) != anchor.hash:
        problem = f"event #{anchor.seq} was altered (its keyed hash does not match)"
        return _broken(walk, anchor.seq, EDITED, problem, checkpoint=checkpoint)
    before = AuditEvent.objects.filter(seq__lte=checkpoint.seq).count()
    if before != checkpoint.count:
        problem = (
            f"{checkpoint.count - before} of the {checkpoint.count} events up to "
            f"#{checkpoint.seq} are missing (deleted)"
        )
        return _broken(walk, None, MISSING, problem, checkpoint=checkpoint)
    head, events = _head_and_events(chunk_size, after=checkpoint.seq)
    walk = _Walk(checkpoint.seq + 1, anchor.hash, 0, anchor.seq, anchor.hash, before)
    broken = _walk(events, walk, {})
    if broken is not None:
        return broken
    return _ending(walk, head, checkpoint)
