"""The same windows give the same graph in any order, replayed or not, on both stores.

Four workers finish windows out of order, a killed window is retried after later ones, a
new backfill replays windows already in: each must leave exactly the graph one worker
makes going through the windows once, in order — run counts, latest statuses, failed runs
of jobs, reads and all.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from graph.ingestion import backfill, run_execute
from graph.ingestion.ledger import Ledger
from graph.models import Backfill, Column, Dataset, IngestionRun, Source

from .conftest import EMULATOR_NOISE
from .graphs import graph_fingerprint

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

SF = "snowflake://prod_db"


def _ingest(source, store, end, *, days: int, hours: int, order=None) -> Backfill:
    job = backfill(source=source, days=days, window_hours=hours, end=end)
    runs = list(job.runs.order_by("window_start"))
    for run in order(runs) if order else runs:
        run_execute(run=run, store=store)
    assert set(job.runs.values_list("status", flat=True)) == {IngestionRun.Status.SUCCEEDED}
    return job


def _forget(store) -> None:
    """A fresh start: no graph, no catalog, no runs."""
    store.clear()
    IngestionRun.objects.all().delete()
    Backfill.objects.all().delete()
    Source.objects.update(watermark=None)
    Column.objects.all().delete()
    Dataset.objects.all().delete()


def test_windows_in_any_order_and_replayed_give_the_same_graph(store, demo_source_row, demo):
    end = demo.history.end
    _ingest(demo_source_row, store, end, days=4, hours=12)
    in_order = graph_fingerprint(store)
    kpis = store.edges_of(f"{SF}.marts.finance_kpis")
    assert kpis and {e.execution_status for e in kpis} == {"FAILED"}  # last night's failed build
    _forget(store)

    _ingest(demo_source_row, store, end, days=4, hours=12, order=lambda runs: runs[::-1])
    assert graph_fingerprint(store) == in_order, "newest window first"
    _forget(store)

    shuffled = lambda runs: random.Random(7).sample(runs, len(runs))  # noqa: E731
    _ingest(demo_source_row, store, end, days=4, hours=12, order=shuffled)
    # A second backfill over the same days, cut differently: every statement is a replay.
    _ingest(demo_source_row, store, end - timedelta(hours=5), days=3, hours=7, order=shuffled)
    assert graph_fingerprint(store) == in_order, "shuffled, then replayed"


def test_a_failed_run_waits_for_the_success_that_comes_before_it(store, demo_source_row, demo):
    end = demo.history.end
    job = backfill(source=demo_source_row, days=2, window_hours=24, end=end)
    first, last = job.runs.order_by("window_start")

    run_execute(run=last, store=store)  # last night's failed KPI build, before any success

    scope = f"snowflake:{demo_source_row.name}"
    waiting = Ledger.load(store, scope).waiting
    assert {o.execution_status for o in waiting} == {"FAILED"}
    assert not store.edges_of(f"{SF}.marts.finance_kpis")  # a failed run creates nothing

    run_execute(run=first, store=store)

    kpis = store.edges_of(f"{SF}.marts.finance_kpis")
    assert kpis and {(e.execution_status, e.run_count) for e in kpis} == {("FAILED", 2)}
    still = {o.downstream for o in Ledger.load(store, scope).waiting}
    assert not any("finance_kpis" in key for key in still)
