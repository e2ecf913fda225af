"""Ingestion reads: runs, backfill progress, sources and what can be started on them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from graph.ingestion.completeness import Completeness, runs_completeness
from graph.jobs import UNFINISHED, source_refusal
from graph.models import Backfill, IngestionRun, Source

# --- ingestion ---------------------------------------------------------------


def ingestion_run_list() -> QuerySet[IngestionRun]:
    """Runs newest window first, with their source."""
    return IngestionRun.objects.select_related("source").order_by("-window_start", "-id")


def ingestion_run_get(*, pk: int) -> IngestionRun:
    """One run with its source; raises ``IngestionRun.DoesNotExist``."""
    return IngestionRun.objects.select_related("source", "backfill").get(pk=pk)


# --- backfills and sources -----------------------------------------------------

RECENT_BACKFILLS = 5
MAX_LISTED_WINDOWS = 50


MAX_LISTED_QUERY_IDS = 5


@dataclass(frozen=True)
class WindowIssue:
    """A window of a backfill that failed, or that could not parse some statements."""

    run_id: int
    window_start: datetime
    window_end: datetime
    error: str
    parse_failures: int
    interrupted: bool = False
    query_ids: tuple[str, ...] = ()  # the first statements it could not parse

    @classmethod
    def of(cls, run: IngestionRun) -> WindowIssue:
        ids: tuple[str, ...] = ()
        if run.parse_failures:
            failures = run.failures.order_by("id").values_list("query_id", flat=True)
            ids = tuple(q or "—" for q in failures[:MAX_LISTED_QUERY_IDS])
        return cls(
            run.pk,
            run.window_start,
            run.window_end,
            run.error,
            run.parse_failures,
            run.interrupted,
            ids,
        )


def stale_runs() -> Q:
    """Unfinished runs nobody will finish: their holder stopped renewing the lease.

    What the sweeper will fail as interrupted — shown so before it runs (no beat, or not
    yet): a running window's lease ran out, or a queued window's holder (an ``ingest``
    process, or this web process without a broker) died. A queued window waiting for a
    Celery worker is only late, not lost: the sweeper sends its message again.
    """
    now = timezone.now()
    expired = Q(lease_expires_at__lt=now)
    running = Q(status=IngestionRun.Status.RUNNING) & expired
    orphan = Q(status=IngestionRun.Status.QUEUED) & expired
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        orphan &= Q(executor=IngestionRun.Executor.PROCESS)
    return running | orphan


@dataclass(frozen=True)
class ErrorGroup:
    """Failed windows that failed the same way: "28 windows: could not connect", first and last."""

    error: str
    count: int
    first: WindowIssue
    last: WindowIssue


# The moment of an interruption differs per window; the interruption is the same.
_HEARTBEAT_SINCE = re.compile(r" \(no heartbeat since [^)]*\)")


def error_groups(failed: list[WindowIssue]) -> list[ErrorGroup]:
    """Failed windows grouped by their error text, most windows first (oldest first within)."""
    groups: dict[str, list[WindowIssue]] = {}
    for issue in sorted(failed, key=lambda issue: issue.window_start):
        error = _HEARTBEAT_SINCE.sub("", issue.error.strip())
        groups.setdefault(error or "no reason recorded", []).append(issue)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[1][0].window_start))
    return [ErrorGroup(error, len(issues), issues[0], issues[-1]) for error, issues in ordered]


@dataclass(frozen=True)
class BackfillProgress:
    """How far a backfill has got, read from its runs: the progress bar and its final state."""

    backfill: Backfill
    windows_total: int
    windows_succeeded: int
    windows_failed: int  # failed for good, interrupted ones included
    windows_running: int
    windows_queued: int
    rows_read: int
    statements_kept: int
    statements_filtered: int
    edges_written: int
    parse_failures: int
    busy_seconds: float  # the finished windows' durations, summed
    started_at: datetime | None
    finished_at: datetime | None
    errors: list[WindowIssue]  # failed windows (the first MAX_LISTED_WINDOWS)
    error_groups: list[ErrorGroup]  # every failed window, grouped by its error
    parse_failure_windows: list[WindowIssue]  # succeeded windows with unparsed statements
    completeness: Completeness | None
    retry_refusal: str | None  # why its failed windows cannot be retried from the page
    windows_interrupted: int = 0  # of the failed, those whose process stopped under them

    @property
    def windows_done(self) -> int:
        return self.windows_succeeded + self.windows_failed

    @property
    def finished(self) -> bool:
        return self.windows_running + self.windows_queued == 0

    @property
    def state(self) -> str:
        """queued (nothing started) | running | succeeded | failed | interrupted.

        Failed and interrupted are both finished with windows that are not in; interrupted
        when a process running the backfill stopped under some of them.
        """
        if not self.finished:
            return "running" if self.windows_running or self.windows_done else "queued"
        if self.windows_interrupted:
            return "interrupted"
        return "failed" if self.windows_failed else "succeeded"

    @property
    def percent(self) -> float:
        return 100.0 * self.windows_done / self.windows_total if self.windows_total else 100.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.busy_seconds if self.busy_seconds else 0.0

    @property
    def eta_seconds(self) -> int | None:
        """Windows left × the mean window's duration, shared among the windows running now."""
        if self.finished or not self.windows_done:
            return None
        per_window = self.busy_seconds / self.windows_done
        left = self.windows_running + self.windows_queued
        return round(per_window * left / max(self.windows_running, 1))

    @property
    def days(self) -> int:
        return round((self.backfill.end - self.backfill.start) / timedelta(days=1))


def backfill_get(*, pk: int) -> Backfill:
    """One backfill with its source; raises ``Backfill.DoesNotExist``."""
    return Backfill.objects.select_related("source").get(pk=pk)


def backfill_progress(*, backfill: Backfill) -> BackfillProgress:
    """The backfill's progress, read from its IngestionRun rows (a handful of small queries).

    A window whose holder went silent counts as interrupted (failed) at once, whether or
    not the sweeper has been by yet: the page never shows a dead backfill as running.
    """
    runs = backfill.runs.all()
    status, stale = IngestionRun.Status, stale_runs()
    failed = Q(status=status.FAILED) | stale
    totals = runs.aggregate(
        succeeded=Count("pk", filter=Q(status=status.SUCCEEDED)),
        failed=Count("pk", filter=failed),
        interrupted=Count("pk", filter=Q(status=status.FAILED, interrupted=True) | stale),
        running=Count("pk", filter=Q(status=status.RUNNING) & ~stale),
        queued=Count("pk", filter=Q(status=status.QUEUED) & ~stale),
        **{
            name: Coalesce(Sum(name), 0)
            for name in (
                "rows_read",
                "statements_kept",
                "statements_filtered",
                "edges_written",
                "parse_failures",
            )
        },
        busy=Coalesce(Sum("duration_seconds", filter=~Q(status__in=UNFINISHED)), 0.0),
        started_at=Min("started_at"),
        finished_at=Max("finished_at"),
    )
    counted = sum(totals[name] for name in ("succeeded", "failed", "running", "queued"))
    by_window = runs.order_by("window_start")
    unparsed = by_window.filter(status=status.SUCCEEDED, parse_failures__gt=0)
    failed_windows = [_failed(run) for run in by_window.filter(failed)]
    finished = totals["running"] + totals["queued"] == 0
    return BackfillProgress(
        backfill=backfill,
        windows_total=max(backfill.windows_total, counted),
        windows_succeeded=totals["succeeded"],
        windows_failed=totals["failed"],
        windows_interrupted=totals["interrupted"],
        windows_running=totals["running"],
        windows_queued=totals["queued"],
        rows_read=totals["rows_read"],
        statements_kept=totals["statements_kept"],
        statements_filtered=totals["statements_filtered"],
        edges_written=totals["edges_written"],
        parse_failures=totals["parse_failures"],
        busy_seconds=totals["busy"],
        started_at=totals["started_at"],
        finished_at=totals["finished_at"] if finished else None,
        errors=failed_windows[:MAX_LISTED_WINDOWS],
        error_groups=error_groups(failed_windows),
        parse_failure_windows=[WindowIssue.of(run) for run in unparsed[:MAX_LISTED_WINDOWS]],
        completeness=runs_completeness(runs=runs),
        retry_refusal=source_refusal(backfill.source),
    )


def _failed(run: IngestionRun) -> WindowIssue:
    """A failed window, or one whose holder died and that the sweeper has not failed yet."""
    issue = WindowIssue.of(run)
    if run.status == IngestionRun.Status.FAILED:
        return issue
    holder = run.get_executor_display()
    return WindowIssue(
        run.pk,
        run.window_start,
        run.window_end,
        f"Interrupted: the {holder} {'running' if run.started_at else 'holding'} it stopped "
        "(no heartbeat within its lease)",
        run.parse_failures,
        interrupted=True,
    )


def backfill_windows(*, backfill: Backfill) -> QuerySet[IngestionRun]:
    """The backfill's runs oldest window first, each with its completeness gap (None: unchecked)."""
    missing = F("warehouse_statements") - F("statements_with_lineage") - F("statements_excluded")
    return (
        backfill.runs.select_related("source")
        .annotate(statements_missing=Greatest(missing, Value(0)))
        .order_by("window_start")
    )


@dataclass(frozen=True)
class SourceRow:
    """A source on the ingestion page, and whether jobs can be started on it from there."""

    source: Source
    refusal: str | None  # None: "Run backfill" and "Sync now" are offered
    is_demo: bool


@dataclass(frozen=True)
class IngestionOverview:
    """The ingestion page: sources, the latest backfills with their progress, every run."""

    sources: list[SourceRow]
    backfills: list[BackfillProgress]
    runs: QuerySet[IngestionRun]


def ingestion_overview() -> IngestionOverview:
    """Sources by name, the latest backfills (unfinished ones first), and runs newest first."""
    backfills = Backfill.objects.select_related("source").annotate(
        unfinished=Count("runs", filter=Q(runs__status__in=UNFINISHED))
    )
    latest = backfills.order_by(F("unfinished").desc(), "-created", "-id")[:RECENT_BACKFILLS]
    return IngestionOverview(
        sources=[
            SourceRow(
                source=s,
                refusal=source_refusal(s),
                is_demo=bool((s.options or {}).get("emulator")),
            )
            for s in Source.objects.order_by("name")
        ],
        backfills=[backfill_progress(backfill=b) for b in latest],
        runs=ingestion_run_list(),
    )
