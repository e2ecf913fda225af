"""Ingest a source's query history in this process: a backfill, an incremental sync, or both."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from graph import ingestion
from graph.ingestion.completeness import runs_completeness
from graph.ingestion.merge import runs_requeue
from graph.ingestion.windows import backfill_resumable, failed_sync_windows
from graph.models import Backfill, IngestionRun, Source
from graph.sources import PULLED_KINDS
from graph.tasks import runs_swept
from lineage_portal.config import engine


class Command(BaseCommand):
    help = (
        "Ingest SOURCE's query history window by window in this process (no Celery), with "
        "progress. --backfill-days N loads the last N days; --sync continues from the "
        "watermark. Without either: sync when there is a watermark, else the configured "
        "backfill. A backfill whose windows are not all in (this command was stopped, or "
        "windows failed) is resumed: only those windows run."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the Source's name")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--backfill-days", type=int, help="load the last N days")
        mode.add_argument("--sync", action="store_true", help="continue from the watermark")
        parser.add_argument(
            "--window-hours",
            type=int,
            default=engine().telemetry.window_hours,
            help="hours per backfill window (default: telemetry.window_hours)",
        )
        parser.add_argument(
            "--new-backfill",
            action="store_true",
            help="start a new backfill even if the last one has windows left",
        )

    def handle(self, *args, source: str, backfill_days, sync: bool, window_hours: int, **options):
        from graph.store import get_store

        found = self._source(source)
        if backfill_days is not None and backfill_days <= 0:
            raise CommandError("--backfill-days must be a positive number of days")
        swept = runs_swept()
        if swept.interrupted:
            self.stdout.write(f"{len(swept.interrupted)} interrupted window(s) found")
        store = get_store()
        store.ensure_schema()
        runs = self._runs(found, backfill_days, sync, window_hours, options["new_backfill"])
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

    def _source(self, name: str) -> Source:
        found = Source.objects.filter(name=name).first()
        if found is None:
            known = ", ".join(Source.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"no source named {name!r} (known: {known})")
        if found.kind not in PULLED_KINDS:
            raise CommandError(f"source {name!r} is a {found.kind} source: its lineage is pushed")
        return found

    def _runs(
        self, source: Source, days: int | None, sync: bool, window_hours: int, new: bool
    ) -> list[IngestionRun]:
        """The windows to run: a resumed or new backfill, or the sync's failed and new windows."""
        resumable = None if new or sync else backfill_resumable(source=source)
        if resumable is not None:
            return self._resume(resumable)
        if days is None and not sync and source.watermark is None:
            days = engine().telemetry.backfill_days
        if days:
            job = ingestion.backfill(
                source=source, days=days, window_hours=window_hours, created_by="manage.py ingest"
            )
            return list(job.runs.all())
        return failed_sync_windows(source=source) + ingestion.sync_windows(source=source)

    def _resume(self, job: Backfill) -> list[IngestionRun]:
        left = job.runs.exclude(status=IngestionRun.Status.SUCCEEDED)
        busy = left.filter(status__in=(IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING))
        if (holder := busy.first()) is not None:
            where = (
                "on the Celery workers"
                if holder.executor == IngestionRun.Executor.CELERY
                else "in another ingest process"
            )
            raise CommandError(
                f"backfill #{job.pk} of {job.source.name} is in progress {where}; "
                "follow it on the ingestion page"
            )
        runs_requeue(run_ids=list(left.values_list("pk", flat=True)))
        runs = list(left.order_by("window_start"))
        self.stdout.write(
            f"Resuming backfill #{job.pk} ({job.start:%Y-%m-%d} .. {job.end:%Y-%m-%d}): "
            f"{len(runs)} of {job.windows_total} windows left"
        )
        return runs


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
