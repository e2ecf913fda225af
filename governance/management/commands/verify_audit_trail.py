"""Recompute the audit trail's keyed hash chain, compare it with the signed checkpoints."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from governance.audit_checkpoints import checkpoint_path
from governance.audit_runs import audit_verification_run
from governance.audit_verify import audit_trail_verify


class Command(BaseCommand):
    help = (
        "Recompute the governance audit trail's keyed hash chain and compare it with the last "
        "signed checkpoint outside the database. Exits 2 naming the first problem (edited, "
        "deleted, cut from the end, emptied, rewritten, re-keyed); prints 'N events verified, "
        "chain intact' otherwise. --checkpoint also stores the result for the audit page "
        "and appends a new checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="Store the result and append a signed checkpoint if the chain is intact.",
        )

    def handle(self, *args, checkpoint: bool, **options):
        if checkpoint:
            row = audit_verification_run(full=True)
            intact, problem, bad, verified = (
                row.intact,
                row.problem,
                row.bad_seq,
                row.events_checked,
            )
        else:
            report = audit_trail_verify()
            intact, problem, bad = report.intact, report.problem, report.bad_seq
            verified = report.verified
        if not intact:
            where = f" at seq {bad}" if bad else ""
            raise CommandError(
                f"Audit trail broken{where}: {problem} ({verified} events before it verified).",
                returncode=2,
            )
        self.stdout.write(f"{verified} events verified, chain intact")
        if checkpoint and row.checkpoint_written:
            self.stdout.write(
                f"Checkpoint at #{row.checkpoint_written} appended to {checkpoint_path()}"
            )
