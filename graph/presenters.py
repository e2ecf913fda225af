"""Selectors' data in words, for the pages and for the JSON the pages poll.

Selectors return numbers and states; this module says them. The backfill panel is drawn
on the server from these words (``graph_words`` template filters) and redrawn in the
browser from the same words carried by ``GET /api/v1/backfills/<pk>/progress``, so
``static/js/ingestion.js`` formats nothing itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from graph.elements import subgraph_to_elements
from graph.selectors.catalog import IngestionFailure, SearchHit
from graph.selectors.ingestion import BackfillProgress, WindowIssue
from graph.selectors.lineage import Lineage

BACKFILL_STATE_LABELS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Done",
    "failed": "Failed",
    "interrupted": "Interrupted",
}
# The panel's figures, said as numbers with thousands separators.
COUNTED = (
    "windows_done",
    "windows_total",
    "windows_failed",
    "windows_interrupted",
    "rows_read",
    "statements_kept",
    "statements_filtered",
    "edges_written",
    "parse_failures",
)


def duration_text(seconds: float) -> str:
    """A rough duration: "under a minute", "about 12 min", "about 2 h 5 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


def eta_text(progress: BackfillProgress) -> str:
    """Time left in words ("about 4 min"), a dash once finished."""
    if progress.eta_seconds is None:
        return "—" if progress.finished else "estimating…"
    return duration_text(progress.eta_seconds)


def window_states_text(progress: BackfillProgress) -> str:
    """The windows not yet done, and the failed ones: "2 running · 85 queued · 1 failed"."""
    counts = (
        (progress.windows_running, "running"),
        (progress.windows_queued, "queued"),
        (progress.windows_interrupted, "interrupted"),
        (progress.windows_failed - progress.windows_interrupted, "failed"),
    )
    return " · ".join(f"{n:,} {label}" for n, label in counts if n) or "all succeeded"


def backfill_words(progress: BackfillProgress) -> dict[str, str]:
    """Every word and figure the backfill panel shows, keyed like its ``data-field``s."""
    words = {name: f"{getattr(progress, name):,}" for name in COUNTED}
    rate = progress.rows_per_second
    words.update(
        state_label=BACKFILL_STATE_LABELS[progress.state],
        percent=f"{progress.percent:.0f} %",
        rows_per_second=f"{rate:,.0f}" if rate else "—",
        eta_text=eta_text(progress),
        window_states=window_states_text(progress),
        windows_of_total=f"{progress.windows_done} of {progress.windows_total} windows",
        completeness_scope="" if progress.finished else "(so far)",
    )
    return words


def window_issue_words(issue: WindowIssue) -> dict[str, str]:
    """A failed or partly parsed window as the panel lists it: its span, link and reason."""
    failures = issue.parse_failures
    text = f"{failures:,} parse failure{'' if failures == 1 else 's'}"
    if issue.query_ids:  # the statements by query id, the first few
        text += ": " + ", ".join(issue.query_ids)
        text += " …" if failures > len(issue.query_ids) else ""
    return {
        "url": reverse("ingestion_run_detail", kwargs={"pk": issue.run_id}),
        "window_text": f"{_minute(issue.window_start)} → {_minute(issue.window_end)}",
        "parse_failures_text": text,
    }


def ingestion_failure_words(failure: IngestionFailure) -> dict[str, str]:
    """The dashboard's "Last ingestion" when it failed: a label, what failed, and its page."""
    if failure.run is not None:
        run = failure.run
        detail = f"window {_minute(run.window_start)} failed"
        url = reverse("ingestion_run_detail", kwargs={"pk": run.pk})
    else:
        job = failure.backfill
        assert job is not None  # a failure is the last run's or the latest backfill's
        detail = (
            f"backfill #{job.pk}: {failure.windows_not_in:,} of {job.windows_total:,} "
            "windows not in"
        )
        url = reverse("backfill_detail", kwargs={"pk": job.pk})
    label = "Interrupted" if failure.interrupted else "Failed"
    return {"label": label, "detail": f"{failure.source}, {detail}", "url": url}


def _minute(moment: datetime) -> str:
    # In the portal's time zone, as the template's |date filter draws it.
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def lineage_elements(lineage: Lineage) -> list[dict[str, Any]]:
    """The neighbourhood as cytoscape.js elements; catalog datasets link to their page."""
    fields = {key: _linked(facts) for key, facts in lineage.catalog.items()}
    return subgraph_to_elements(
        lineage.subgraph, catalog=lambda keys: fields, column_edges=lineage.column_edges
    )


def _linked(facts: dict[str, Any]) -> dict[str, Any]:
    facts = dict(facts)
    dataset_id = facts.pop("dataset_id", None)
    if dataset_id is not None:
        facts["url"] = reverse("dataset_detail", kwargs={"pk": dataset_id})
    return facts


def search_hit_url(hit: SearchHit) -> str:
    """The dataset page of a search hit, at the column's row for a column."""
    url = reverse("dataset_detail", kwargs={"pk": hit.dataset_id})
    return f"{url}#col-{hit.name}" if hit.kind == "column" else url
