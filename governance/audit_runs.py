"""Running the chain verification on a schedule, anchoring it, and storing what it found.

The audit page never recomputes the chain itself: it shows the last stored result and
when it ran. A run verifies from the last checkpoint (or in full), and if the chain is
intact and has grown, appends a new signed checkpoint outside the database.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.utils import timezone

from .audit import canonical_json, keyed_digest
from .audit_checkpoints import checkpoint_append, checkpoint_last_line, checkpoint_sign
from .audit_verify import ChainReport, audit_trail_verify, audit_trail_verify_since
from .models import AuditVerification

logger = logging.getLogger(__name__)

SIGNED_FIELDS = (
    "ran_at",
    "scope",
    "intact",
    "kind",
    "problem",
    "bad_seq",
    "events_checked",
    "head_seq",
    "checkpoint_seq",
    "checkpoint_written",
    "duration_ms",
)


def verification_signature(row: AuditVerification) -> str:
    values = {name: getattr(row, name) for name in SIGNED_FIELDS}
    return keyed_digest(canonical_json({"kind": "audit-verification", **values}))


def _verify(full: bool) -> tuple[str, ChainReport]:
    last = checkpoint_last_line()
    if full or last is None or last.checkpoint is None or last.problem:
        # No trusted starting point: a full run reports why the last line is not one.
        return AuditVerification.Scope.FULL, audit_trail_verify()
    return AuditVerification.Scope.INCREMENTAL, audit_trail_verify_since(last.checkpoint)


def audit_verification_run(*, full: bool = False, anchor: bool = True) -> AuditVerification:
    """Verify the chain, append a checkpoint if it is intact and grew, store the result."""
    started = time.monotonic()
    scope, report = _verify(full)
    written = 0
    previous = report.checkpoint.seq if report.checkpoint else 0
    if report.intact and anchor and report.head_seq > previous:
        checkpoint_append(
            checkpoint_sign(seq=report.head_seq, hash=report.head_hash, count=report.events)
        )
        written = report.head_seq
    if not report.intact:
        logger.error("Audit trail verification failed: %s", report.problem)
    row = AuditVerification(
        ran_at=timezone.now().replace(microsecond=0),
        scope=scope,
        intact=report.intact,
        kind=report.kind,
        problem=report.problem,
        bad_seq=report.bad_seq,
        events_checked=report.verified,
        head_seq=report.head_seq,
        checkpoint_seq=previous,
        checkpoint_written=written,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    row.signature = verification_signature(row)
    row.save()
    return row


@dataclass(frozen=True)
class VerificationStatus:
    """What the audit page shows: the latest run, the latest full run, and whether to trust them."""

    latest: AuditVerification | None
    latest_full: AuditVerification | None

    @property
    def trusted(self) -> bool:
        """Both rows were signed by the portal (a hand-written "intact" row is not)."""
        rows = [row for row in (self.latest, self.latest_full) if row is not None]
        return all(verification_signature(row) == row.signature for row in rows)


def audit_verification_status() -> VerificationStatus:
    rows = AuditVerification.objects.order_by("-ran_at", "-id")
    return VerificationStatus(
        latest=rows.first(), latest_full=rows.filter(scope=AuditVerification.Scope.FULL).first()
    )
