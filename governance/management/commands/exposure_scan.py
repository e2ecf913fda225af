"""Find every path by which regulated data leaves its protection, now or as of a date."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from django.core.management.base import BaseCommand, CommandError

from governance.exposure.engine import exposure_compute, short_name
from governance.exposure.scan import exposure_scan
from graph.management.commands.ingest import ProgressBar
from graph.store import get_store
from graph.store.base import StoreError


class Command(BaseCommand):
    help = (
        "Scan for exposures of regulated data and record them as findings (opened, updated, "
        "resolved, re-opened). With --as-of, show what lineage said on that date without "
        "recording anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (end of day, UTC)")

    def handle(self, *args, **options):
        store = get_store()
        bar = ProgressBar(self.stdout, unit="steps")
        try:
            if options["as_of"] is not None:
                return self._as_of(store, options["as_of"], bar)
            scan = exposure_scan(store=store, trigger="command", progress=bar)
        except StoreError as exc:
            raise CommandError(f"The graph store could not be reached: {exc}") from exc
        risk = scan.open_by_risk
        self.stdout.write(
            f"Exposure scan: {scan.sources} sensitive sources, {scan.reached:,} places reached; "
            f"{scan.opened} findings opened, {scan.reopened} re-opened, {scan.resolved} resolved."
        )
        self.stdout.write(
            "Unresolved: "
            + ", ".join(f"{risk.get(level, 0)} {level}" for level in ("HIGH", "MEDIUM", "LOW"))
        )

    def _as_of(self, store, day: date, bar) -> None:
        as_of = datetime.combine(day, time.max, tzinfo=UTC)
        computed = exposure_compute(store=store, as_of=as_of, progress=bar)
        levels = Counter(e.source.risk_level for e in computed.exposures)
        self.stdout.write(
            f"As of {day.isoformat()}: {len(computed.exposures)} exposures "
            f"({', '.join(f'{levels.get(lvl, 0)} {lvl}' for lvl in ('HIGH', 'MEDIUM', 'LOW'))}); "
            "nothing recorded."
        )
        for exposure in sorted(
            computed.exposures, key=lambda e: (e.source.risk_level, e.target.key)
        ):
            self.stdout.write(
                f"  {exposure.source.risk_level:<6} {short_name(exposure.source.key)} → "
                f"{short_name(exposure.target.key)} in {exposure.hops} hop(s)"
                f"{'' if exposure.readable else ' (masking unknown)'}"
            )
