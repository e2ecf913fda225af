"""Completeness: did every materializing statement the warehouse ran become lineage?

The warehouse's own audit history says how many statements of a materializing type
(CREATE TABLE AS SELECT, INSERT, MERGE, COPY, CREATE VIEW, ALTER…) succeeded in a window;
the run says how many of those it accounted for: statements that produced lineage (kept
and parsed without failure) and statements left out on purpose (session temporary
tables, excluded users). What remains is the gap — statements lost to parse failures or
to rows the warehouse returned unusable — and it is what an auditor asks about.

Failed statements are not counted on either side: they never create lineage.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from graph.models import IngestionRun
from graph.sources.base import LineageSource

from .filter import QueryFilter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completeness:
    """Lineage found versus the warehouse's own count, for one run or many.

    Windows that are not in — failed, or not yet run — are part of the figure: every
    statement the warehouse ran in them is missing (where it could count them), and the
    figure is never complete while such a window remains.
    """

    warehouse_statements: int  # successful materializing statements counted in the windows in
    with_lineage: int  # of those, kept and parsed without failure
    excluded: int  # of those, left out on purpose (temporary tables, excluded users)
    parse_failures: int  # ParseFailure rows of the runs (reasons, for the links)
    runs_checked: int = 1
    runs_unchecked: int = 0  # finished runs whose source could not count
    windows_missing: int = 0  # windows not in: failed, or not yet run
    windows_missing_counted: int = 0  # of those, windows whose statements the warehouse counted
    statements_in_missing_windows: int = 0  # what it counted in them

    @property
    def accounted(self) -> int:
        return self.with_lineage + self.excluded

    @property
    def ran(self) -> int:
        """Every statement the warehouse counted, in the windows that are in and the others."""
        return self.warehouse_statements + self.statements_in_missing_windows

    @property
    def missing(self) -> int:
        """Statements the warehouse ran that the portal has no lineage for and no reason to skip."""
        gap = max(self.warehouse_statements - self.accounted, 0)
        return gap + self.statements_in_missing_windows

    @property
    def surplus(self) -> int:
        """More accounted for than counted: the window's history changed between the two reads."""
        return max(self.accounted - self.warehouse_statements, 0)

    @property
    def percent_missing(self) -> float:
        if not self.ran:
            return 0.0
        return 100.0 * self.missing / self.ran

    @property
    def complete(self) -> bool:
        return self.missing == 0 and self.windows_missing == 0

    @property
    def summary(self) -> str:
        """One sentence: "17,556 of 17,560 materializing statements produced lineage — 4 missing (0.02 %)"."""
        found = (
            f"{self.with_lineage:,} of {self.ran:,} materializing statement"
            f"{'' if self.ran == 1 else 's'} produced lineage"
        )
        if self.excluded:
            found += f", {self.excluded:,} left out on purpose"
        if self.complete:
            return f"{found} — none missing"
        parts = []
        if self.missing:
            parts.append(f"{self.missing:,} missing ({format_percent(self.percent_missing)})")
        if self.windows_missing:
            parts.append(self._windows_text())
        return f"{found} — {', '.join(parts)}"

    def _windows_text(self) -> str:
        windows = self.windows_missing
        text = (
            f"{windows:,} window{'' if windows == 1 else 's'} not ingested (failed or not yet run)"
        )
        uncounted = windows - self.windows_missing_counted
        if self.statements_in_missing_windows:
            text += f" holding {self.statements_in_missing_windows:,} of them"
        if uncounted == windows:
            text += "; their statements were not counted"
        elif uncounted:
            text += f"; the statements of {uncounted:,} of them were not counted"
        return text


def format_percent(value: float) -> str:
    """Percent with two decimals, never rounding a real gap down to "0.00 %"."""
    if 0 < value < 0.01:
        return "< 0.01 %"
    return f"{value:.2f} %"


def warehouse_count(*, fetcher: LineageSource, run: IngestionRun) -> int | None:
    """The warehouse's count of successful materializing statements in the run's window.

    None when the source cannot count (it has no audit history of its own) or the count
    fails: completeness is a check on the run, and must never be the reason it fails.
    """
    count = getattr(fetcher, "count_materializing", None)
    if count is None:
        return None
    try:
        return count(
            run.window_start,
            run.window_end,
            query_types=QueryFilter.from_config().include_types,
        )
    except Exception:  # noqa: BLE001 - the run goes on; the page says "not checked"
        logger.warning("run %s: could not count the warehouse's statements", run.pk, exc_info=True)
        return None


def run_completeness(*, run: IngestionRun) -> Completeness | None:
    """One run's figure, or None when the warehouse was not asked (or the run is unfinished).

    A failed run's statements — counted when it failed, where the warehouse answered — are
    all missing.
    """
    if run.status == IngestionRun.Status.FAILED:
        counted = run.warehouse_statements is not None
        return Completeness(
            warehouse_statements=0,
            with_lineage=0,
            excluded=0,
            parse_failures=0,
            runs_checked=0,
            windows_missing=1,
            windows_missing_counted=int(counted),
            statements_in_missing_windows=run.warehouse_statements or 0,
        )
    if run.status != IngestionRun.Status.SUCCEEDED or run.warehouse_statements is None:
        return None
    return Completeness(
        warehouse_statements=run.warehouse_statements,
        with_lineage=run.statements_with_lineage,
        excluded=run.statements_excluded,
        parse_failures=run.parse_failures,
    )


def runs_completeness(*, runs: QuerySet[IngestionRun]) -> Completeness | None:
    """The figure over ``runs``: their succeeded, checked windows, and every window not in.

    None while nothing is known yet: no succeeded run was checked (a source that cannot
    count, or nothing finished) and no window failed. Windows not in are failed ones (with
    the count taken when they failed) and queued or running ones (not counted yet).
    """
    succeeded = runs.filter(status=IngestionRun.Status.SUCCEEDED)
    totals = succeeded.filter(warehouse_statements__isnull=False).aggregate(
        runs=Count("pk"),
        warehouse=Sum("warehouse_statements"),
        with_lineage=Sum("statements_with_lineage"),
        excluded=Sum("statements_excluded"),
        parse_failures=Sum("parse_failures"),
    )
    others = runs.exclude(status=IngestionRun.Status.SUCCEEDED).aggregate(
        windows=Count("pk"),
        failed=Count("pk", filter=Q(status=IngestionRun.Status.FAILED)),
        counted=Count("pk", filter=Q(warehouse_statements__isnull=False)),
        statements=Sum("warehouse_statements"),
    )
    if not totals["runs"] and not others["failed"]:
        return None
    return Completeness(
        warehouse_statements=totals["warehouse"] or 0,
        with_lineage=totals["with_lineage"] or 0,
        excluded=totals["excluded"] or 0,
        parse_failures=totals["parse_failures"] or 0,
        runs_checked=totals["runs"],
        runs_unchecked=succeeded.filter(warehouse_statements__isnull=True).count(),
        windows_missing=others["windows"],
        windows_missing_counted=others["counted"],
        statements_in_missing_windows=others["statements"] or 0,
    )
