"""Ingest a dbt project's artifacts (manifest.json, run_results.json) into the lineage graph."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from graph.ingestion.dbt import dbt_artifacts_ingest
from graph.models import IngestionRun, Source
from graph.store import get_store


class Command(BaseCommand):
    help = "Ingest dbt artifacts: lineage from manifest.json, run status from run_results.json."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Name of the dbt Source (created if missing).")
        parser.add_argument("target_dir", help="dbt's target/ folder holding manifest.json.")
        parser.add_argument(
            "--no-run-results", action="store_true", help="Ignore run_results.json."
        )

    def handle(self, *args, source: str, target_dir: str, no_run_results: bool, **options):
        target = Path(target_dir)
        manifest = target / "manifest.json"
        if not manifest.is_file():
            raise CommandError(f"{manifest} does not exist: run `dbt docs generate` first")
        row, created = Source.objects.get_or_create(name=source, defaults={"kind": Source.Kind.DBT})
        if row.kind != Source.Kind.DBT:
            raise CommandError(f"source {source!r} is a {row.kind} source, not dbt")
        results = None if no_run_results else target / "run_results.json"
        run = dbt_artifacts_ingest(
            source=row,
            manifest_path=manifest,
            run_results_path=results if results and results.is_file() else None,
            store=get_store(),
        )
        self.stdout.write(
            f"{'Created' if created else 'Updated'} source {source}: run #{run.pk} {run.status}, "
            f"{run.statements_kept} nodes, {run.edges_written} edges written, "
            f"{run.parse_failures} problems"
        )
        for failure in run.failures.all():
            self.stdout.write(f"  {failure.query_id}: {failure.reason}")
        if run.status == IngestionRun.Status.FAILED:
            raise CommandError(run.error or "the dbt artifacts could not be ingested")
