"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint records the chain head (seq and hash) and the number of events, signed with
the audit HMAC key, as one JSON line appended to ``AUDIT_CHECKPOINT_DIR/audit-checkpoints.jsonl``
(opened ``O_APPEND``; put the directory on append-only storage). Whoever rewrites or
empties the database cannot rewrite what was already written there, and cannot sign a
new line without the key: ``verify_audit_trail`` compares the database with the last line.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from .audit import audit_key_id, canonical_json, keyed_digest

FILENAME = "audit-checkpoints.jsonl"
# Reading the last checkpoint needs only the end of the file.
TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Checkpoint:
    """The chain as it stood when verified: head seq and hash, event count, when, signed."""

    seq: int
    hash: str
    count: int
    at: str
    key_id: str
    signature: str

    def signed_content(self) -> str:
        return canonical_json(
            {
                "kind": "audit-checkpoint",
                "seq": self.seq,
                "hash": self.hash,
                "count": self.count,
                "at": self.at,
                "key_id": self.key_id,
            }
        )

    def as_dict(self) -> dict[str, Any]:
        """The checkpoint as plain values, for reports and the API."""
        return asdict(self)

    def problem(self) -> str:
        """Why this checkpoint cannot be trusted under the current key, or "" if it can."""
        if self.key_id != audit_key_id():
            return (
                f"it was signed with another key (key id {self.key_id}; the portal now uses "
                f"{audit_key_id()}): the audit key was changed"
            )
        if keyed_digest(self.signed_content()) != self.signature:
            return "its signature does not match: it was not written by the portal"
        return ""


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILENAME


def checkpoint_sign(*, seq: int, hash: str, count: int) -> Checkpoint:
    """A checkpoint of the given head, signed now with the current key."""
    unsigned = Checkpoint(
        seq=seq,
        hash=hash,
        count=count,
        at=timezone.now().isoformat(timespec="seconds"),
        key_id=audit_key_id(),
        signature="",
    )
    return Checkpoint(**{**asdict(unsigned), "signature": keyed_digest(unsigned.signed_content())})


def checkpoint_append(checkpoint: Checkpoint) -> None:
    """Append one line, atomically: ``O_APPEND`` plus a lock, then fsync before returning."""
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class CheckpointLine:
    """One line of the file: the checkpoint it holds, or why it is not one."""

    number: int
    checkpoint: Checkpoint | None
    problem: str = ""


def _parse(number: int, text: str) -> CheckpointLine:
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            count=int(data["count"]),
            at=str(data["at"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError):
        return CheckpointLine(number, None, f"line {number} is not a checkpoint")
    problem = checkpoint.problem()
    return CheckpointLine(
        number, checkpoint, f"checkpoint on line {number}: {problem}" if problem else ""
    )


def checkpoint_lines() -> list[CheckpointLine]:
    """Every line of the checkpoint file, parsed and checked (empty if there is no file)."""
    try:
        text = checkpoint_path().read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [_parse(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def checkpoint_last_line() -> CheckpointLine | None:
    """The last line of the file, read from its end (the file only grows)."""
    try:
        with open(checkpoint_path(), "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    # The line number is not known from the tail; 0 means "the last line".
    return _parse(0, lines[-1])


def audit_checkpoint_latest() -> Checkpoint | None:
    """The latest checkpoint, if it is signed with the current key (for reports to embed).

    Returns None when there is no checkpoint yet or the last one does not verify; a report
    must then say the trail is not anchored rather than print an untrusted head.
    """
    line = checkpoint_last_line()
    if line is None or line.checkpoint is None or line.problem:
        return None
    return line.checkpoint
