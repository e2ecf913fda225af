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

from django.db.models import Count, QuerySet, Sum

from graph.models import IngestionRun
from graph.sources.base import LineageSource

from .filter import QueryFilter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completeness:
    """Lineage found versus the warehouse's own count, for one run or many."""

    warehouse_statements: int  # successful materializing statements the warehouse counted
    with_lineage: int  # of those, kept and parsed without failure
    excluded: int  # of those, left out on purpose (temporary tables, excluded users)
    parse_failures: int  # ParseFailure rows of the runs (reasons, for the links)
    runs_checked: int = 1
    runs_unchecked: int = 0  # finished runs whose source could not count

    @property
    def accounted(self) -> int:
        return self.with_lineage + self.excluded

    @property
    def missing(self) -> int:
        """Statements the warehouse ran that the portal has no lineage for and no reason to skip."""
        return max(self.warehouse_statements - self.accounted, 0)

    @property
    def surplus(self) -> int:
        """More accounted for than counted: the window's history changed between the two reads."""
        return max(self.accounted - self.warehouse_statements, 0)

    @property
    def percent_missing(self) -> float:
        if not self.warehouse_statements:
            return 0.0
        return 100.0 * self.missing / self.warehouse_statements

    @property
    def complete(self) -> bool:
        return self.missing == 0

    @property
    def summary(self) -> str:
        """One sentence: "17,556 of 17,560 materializing statements produced lineage — 4 missing (0.02 %)"."""
        found = (
            f"{self.with_lineage:,} of {self.warehouse_statements:,} materializing statement"
            f"{'' if self.warehouse_statements == 1 else 's'} produced lineage"
        )
        if self.excluded:
            found += f", {self.excluded:,} left out on purpose"
        if not self.missing:
            return f"{found} — none missing"
        return f"{found} — {self.missing:,} missing ({format_percent(self.percent_missing)})"


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
    """One run's figure, or None when the warehouse was not asked (or the run is unfinished)."""
    if run.status != IngestionRun.Status.SUCCEEDED or run.warehouse_statements is None:
        return None
    return Completeness(
        warehouse_statements=run.warehouse_statements,
        with_lineage=run.statements_with_lineage,
        excluded=run.statements_excluded,
        parse_failures=run.parse_failures,
    )


def runs_completeness(*, runs: QuerySet[IngestionRun]) -> Completeness | None:
    """The figure over the succeeded runs among ``runs`` that were checked, or None if none was."""
    succeeded = runs.filter(status=IngestionRun.Status.SUCCEEDED)
    totals = succeeded.filter(warehouse_statements__isnull=False).aggregate(
        runs=Count("pk"),
        warehouse=Sum("warehouse_statements"),
        with_lineage=Sum("statements_with_lineage"),
        excluded=Sum("statements_excluded"),
        parse_failures=Sum("parse_failures"),
    )
    if not totals["runs"]:
        return None
    return Completeness(
        warehouse_statements=totals["warehouse"],
        with_lineage=totals["with_lineage"],
        excluded=totals["excluded"],
        parse_failures=totals["parse_failures"],
        runs_checked=totals["runs"],
        runs_unchecked=succeeded.filter(warehouse_statements__isnull=True).count(),
    )
