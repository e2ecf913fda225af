"""Recompute the audit trail's hash chain and say whether it is intact."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from governance.audit import audit_trail_verify


class Command(BaseCommand):
    help = (
        "Recompute the governance audit trail's hash chain. Exits non-zero naming the first "
        "bad event (edited, deleted, or unlinked); prints 'N events verified, chain intact' otherwise."
    )

    def handle(self, *args, **options):
        report = audit_trail_verify()
        if not report.intact:
            raise CommandError(
                f"Audit trail broken at seq {report.bad_seq}: {report.problem} "
                f"({report.verified} events before it verified).",
                returncode=2,
            )
        self.stdout.write(f"{report.verified} events verified, chain intact")
