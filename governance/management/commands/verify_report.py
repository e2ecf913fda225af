"""Say which evidence register entry a report file is; exit non-zero when it is none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.reports.register import report_file_verify


class Command(BaseCommand):
    help = (
        "Check a report file (PDF or CSV) against the evidence register by its SHA-256. "
        "Prints the entry it is; exits 1 when it matches none (a changed or foreign file)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the report file to check")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file", returncode=2)
        with open(path, "rb") as handle:
            verification = report_file_verify(chunks=iter(lambda: handle.read(1 << 16), b""))
        if not verification.matches:
            raise CommandError(verification.message, returncode=1)
        self.stdout.write(verification.message)
