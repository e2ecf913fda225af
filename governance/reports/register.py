"""The evidence register: every generated report file, kept and chained like the audit trail.

A file is registered in the transaction that holds the register's head row locked, so a
report can print its own id and the SHA-256 of the report before it on its cover, and two
reports never take the same id. The file itself is kept under ``reports.directory`` so
a re-download gives the very bytes that were registered; ``report_file_verify`` says
which entry a file is, or that it is none.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.audit import canonical_json, jsonable
from lineage_portal.config import engine

from .models import ReportChainHead, ReportEntry, report_id

HEAD_PK = 1
CHUNK = 1 << 16


class RegisterError(Exception):
    """A kept report file is missing or no longer matches its entry."""


@dataclass(frozen=True)
class Slot:
    """The place a report is about to take in the register, known before it is rendered."""

    seq: int
    generated_at: datetime
    prev_report_id: str
    prev_sha256: str

    @property
    def report_id(self) -> str:
        return report_id(self.seq)


def reports_dir() -> Path:
    """``reports.directory``, relative to the project root unless absolute; created if needed."""
    directory = Path(engine().reports.directory)
    if not directory.is_absolute():
        directory = Path(settings.BASE_DIR) / directory
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def entry_hash(entry: ReportEntry) -> str:
    """SHA-256 over the entry's content and the previous entry's hash."""
    content = [
        entry.seq,
        entry.kind,
        entry.format,
        entry.title,
        entry.parameters,
        entry.generated_at.astimezone(UTC).isoformat(timespec="microseconds"),
        entry.generated_by,
        entry.row_counts,
        entry.sha256,
        entry.size,
        entry.filename,
        entry.prev_hash,
    ]
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _locked_head() -> ReportChainHead:
    head, created = ReportChainHead.objects.get_or_create(pk=HEAD_PK)
    if created:
        last = ReportEntry.objects.order_by("-seq").first()
        if last is not None:
            head.seq, head.hash, head.sha256 = last.seq, last.hash, last.sha256
            head.save()
    return ReportChainHead.objects.select_for_update().get(pk=HEAD_PK)


@dataclass(frozen=True)
class Rendered:
    """What a renderer hands back: the file (a temporary path) and its row counts."""

    path: Path
    row_counts: dict[str, int]


@transaction.atomic
def report_register(
    *,
    kind: str,
    format: str,
    title: str,
    parameters: dict[str, Any],
    actor: Any,
    filename: str,
    render: Callable[[Slot], Rendered],
) -> ReportEntry:
    """Take the next slot, render the file for it, keep the file, append the entry.

    ``render`` runs while the register is locked: the id and previous hash it prints are
    the ones the entry gets. It returns a temporary file, which is moved into the
    reports directory under the report's id.
    """
    head = _locked_head()
    prev = ReportEntry.objects.filter(seq=head.seq).first()
    slot = Slot(
        seq=head.seq + 1,
        generated_at=timezone.now().replace(microsecond=0),
        prev_report_id=prev.report_id if prev else "",
        prev_sha256=head.sha256,
    )
    rendered = render(slot)
    sha256, size = file_digest(rendered.path)
    stored_as = f"{slot.report_id}-{filename}"
    user = actor if getattr(actor, "pk", None) is not None else None
    entry = ReportEntry(
        seq=slot.seq,
        kind=kind,
        format=format,
        title=title[:300],
        parameters=jsonable(parameters) or {},
        generated_at=slot.generated_at,
        generated_by=user.get_username() if user else str(actor or "system"),
        generated_by_user=user,
        row_counts=rendered.row_counts,
        sha256=sha256,
        size=size,
        filename=filename,
        stored_as=stored_as,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    entry.save()
    head.seq, head.hash, head.sha256 = entry.seq, entry.hash, entry.sha256
    head.save(update_fields=["seq", "hash", "sha256"])
    # Kept under its id. Should the transaction roll back, the file is an orphan that no
    # entry points to; the next report of that id replaces it.
    os.replace(rendered.path, reports_dir() / stored_as)
    return entry


def temp_file(suffix: str) -> tuple[IO[bytes], Path]:
    """A temporary file in the reports directory (same filesystem: the move is atomic)."""
    handle = tempfile.NamedTemporaryFile(dir=reports_dir(), suffix=suffix, delete=False)
    return handle, Path(handle.name)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def entry_path(entry: ReportEntry) -> Path:
    """The kept file of ``entry``, checked against its SHA-256 before it is handed out."""
    path = reports_dir() / entry.stored_as
    if not path.is_file():
        raise RegisterError(f"{entry.report_id}: its file {entry.stored_as} is missing")
    if file_digest(path)[0] != entry.sha256:
        raise RegisterError(f"{entry.report_id}: its kept file no longer matches its SHA-256")
    return path


@dataclass(frozen=True)
class Verification:
    """Which register entry a file is (or None), and what to tell the person who asked."""

    sha256: str
    entry: ReportEntry | None
    entry_intact: bool

    @property
    def matches(self) -> bool:
        return self.entry is not None and self.entry_intact

    @property
    def message(self) -> str:
        if self.entry is None:
            return (
                f"No report in the evidence register has SHA-256 {self.sha256}: this file is "
                "not one the portal generated, or it was changed after it was downloaded."
            )
        entry = self.entry
        what = (
            f"{entry.report_id}: {entry.title} ({entry.format.upper()}), generated "
            f"{entry.generated_at:%Y-%m-%d %H:%M:%S} UTC by {entry.generated_by}"
        )
        if not self.entry_intact:
            return f"The file matches {what}, but that register entry was altered."
        return f"The file is {what}; SHA-256 {self.sha256}."


def report_file_verify(*, chunks: Iterable[bytes]) -> Verification:
    """Hash a file's bytes and look the hash up in the register."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    sha256 = digest.hexdigest()
    entry = ReportEntry.objects.filter(sha256=sha256).order_by("seq").first()
    intact = entry is not None and entry_hash(entry) == entry.hash
    return Verification(sha256=sha256, entry=entry, entry_intact=intact)


def register_verify() -> tuple[int, str]:
    """Recompute the register's chain; (entries verified, the first problem or "")."""
    prev_hash, count = "", 0
    for entry in ReportEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != count + 1:
            return count, f"entry {report_id(count + 1)} is missing"
        if entry.prev_hash != prev_hash:
            return count, f"{entry.report_id} does not link to the entry before it"
        if entry_hash(entry) != entry.hash:
            return count, f"{entry.report_id} was altered (its hash does not match)"
        prev_hash, count = entry.hash, count + 1
    return count, ""
