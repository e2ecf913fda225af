"""Ingest a source's query history in this process: a backfill, an incremental sync, or both."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from graph import ingestion
from graph.ingestion.completeness import runs_completeness
from graph.models import IngestionRun, Source
from graph.sources import PULLED_KINDS


class Command(BaseCommand):
    help = (
        "Ingest SOURCE's query history window by window in this process (no Celery), with "
        "progress. --backfill-days N loads the last N days; --sync continues from the "
        "watermark. Without either: sync when there is a watermark, else the configured backfill."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the Source's name")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--backfill-days", type=int, help="load the last N days")
        mode.add_argument("--sync", action="store_true", help="continue from the watermark")
        parser.add_argument(
            "--window-hours",
            type=int,
            default=settings.LINEAGE_CONFIG["telemetry"]["window_hours"],
            help="hours per backfill window (default: telemetry.window_hours)",
        )

    def handle(self, *args, source: str, backfill_days, sync: bool, window_hours: int, **options):
        from graph.store import get_store

        found = Source.objects.filter(name=source).first()
        if found is None:
            known = ", ".join(Source.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no source named {source!r} (known: {known})")
        if found.kind not in PULLED_KINDS:
            raise CommandError(f"source {source!r} is a {found.kind} source: its lineage is pushed")
        if backfill_days is not None and backfill_days <= 0:
            raise CommandError("--backfill-days must be a positive number of days")
        if backfill_days is None and not sync and found.watermark is None:
            backfill_days = settings.LINEAGE_CONFIG["telemetry"]["backfill_days"]
        store = get_store()
        store.ensure_schema()
        if backfill_days:
            job = ingestion.backfill(
                source=found,
                days=backfill_days,
                window_hours=window_hours,
                created_by="manage.py ingest",
            )
            runs = list(job.runs.all())
        else:
            runs = ingestion.sync_windows(source=found)
        if not runs:
            self.stdout.write("Nothing to ingest: the watermark is up to date.")
            return
        self.stdout.write(
            f"Ingesting {len(runs)} window(s) of {found.name} into the {store.name} store"
        )
        done = ingestion.run_windows(runs=runs, store=store, progress=ProgressBar(self.stdout))
        self.stdout.write(
            f"{len(done.runs) - len(done.failed)}/{len(done.runs)} windows ingested, "
            f"{done.rows_read:,} rows in {done.seconds:.1f}s"
        )
        self.stdout.write(completeness_line(done.runs))
        if done.failed:
            for run in done.failed:
                self.stderr.write(f"  failed {run.window_start:%Y-%m-%d %H:%M}: {run.error}")
            raise CommandError(
                f"{len(done.failed)} window(s) failed; run the command again to retry"
            )


def completeness_line(runs: list[IngestionRun]) -> str:
    """The completeness figure of the windows just ingested, for the end of the output."""
    figure = runs_completeness(runs=IngestionRun.objects.filter(pk__in=[r.pk for r in runs]))
    if figure is None:
        return "Completeness: not checked (the source keeps no count of its own statements)"
    line = f"Completeness: {figure.summary}"
    if figure.missing:
        line += "; the ingestion page lists the statements that could not be parsed"
    return line


class ProgressBar:
    """A bar redrawn in place on a terminal; one plain line per window otherwise (logs, CI)."""

    width = 30

    def __init__(self, out, unit: str = "windows"):
        self.out = out
        self.tty = out.isatty()
        self.unit = unit

    def __call__(self, done: int, total: int, message: str = "") -> None:
        if not self.tty:
            label = self.unit.rstrip("s")
            self.out.write(f"  {label} {done}/{total} ({100 * done // max(total, 1)}%) {message}")
            return
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.out.write(f"\r  [{bar}] {done}/{total} {self.unit}  {message:<60}", ending="")
        if done >= total:
            self.out.write("")
        self.out.flush()
