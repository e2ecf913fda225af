"""Seed the demo: role groups, demo logins, the demo warehouse's lineage and its governance."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from governance.demo import demo_governance_seed
from governance.exposure.scan import exposure_scan
from governance.services import demo_users_create
from governance.warehouse_sync import warehouse_tags_sync_demo
from graph.models import Source


class Command(BaseCommand):
    help = "Create demo logins and ingest the demo Snowflake warehouse (skipped if already done)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Ingest again from scratch.")
        parser.add_argument("--days", type=int, default=90, help="Days of query history.")

    def handle(self, *args, reset: bool, days: int, **options):
        from graph.demo import DEMO_SOURCE_NAME, demo_ingest
        from graph.store import get_store

        logins = demo_users_create()
        store = get_store()
        store.ensure_schema()
        seeded = Source.objects.filter(name=DEMO_SOURCE_NAME, runs__status="succeeded").exists()
        if reset or not seeded:
            if reset:
                store.clear()
            self.stdout.write(f"Ingesting {days} days of the demo warehouse's query history…")
            demo_ingest(store=store, days=days, progress=_print_progress)
            sys.stderr.write("\n")
        else:
            self.stdout.write("Demo warehouse already ingested (use --reset to start over).")
        counts = store.counts()
        self.stdout.write(
            f"Graph store ({store.name}): {counts.datasets} datasets, {counts.columns} columns, "
            f"{counts.dataset_edges} table edges, {counts.column_edges} column edges."
        )
        self.stdout.write(demo_governance_seed().summary())
        # After the seed: suggestions are matched against the seeded masking policies.
        self.stdout.write(warehouse_tags_sync_demo(days=days).summary())
        scan = exposure_scan(store=store, trigger="demo seed")
        risk = scan.open_by_risk
        self.stdout.write(
            f"Exposure scan: {sum(risk.values())} unresolved findings "
            f"({risk.get('HIGH', 0)} HIGH, {risk.get('MEDIUM', 0)} MEDIUM, {risk.get('LOW', 0)} LOW)."
        )
        self.stdout.write("Demo logins (username / password — role):")
        for login in logins:
            self.stdout.write(f"  {login.username} / {login.password} — {login.role}")


def _print_progress(done: int, total: int, message: str = "") -> None:
    width = 30
    filled = int(width * done / total) if total else width
    bar = "#" * filled + "-" * (width - filled)
    sys.stderr.write(f"\r  [{bar}] {done}/{total} windows {message[:50]:<50}")
    sys.stderr.flush()
