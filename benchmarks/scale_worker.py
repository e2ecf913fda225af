"""The Celery app of the scale-out benchmark's workers: the portal's own, reading synthetic history.

``celery -A benchmarks.scale_worker worker`` runs the portal's tasks unchanged; the only
difference is where a window's rows come from: a source named ``bench-…`` reads the same
synthetic query history as ``benchmarks.ingest`` (``BENCH_ROWS_PER_DAY`` rows a day)
instead of Snowflake. Everything after the fetch — filter, parse, assemble, the lease and
heartbeats, the source's lock, the Neo4j unit, catalog and run record — is the portal's.
Once ready, the worker touches ``BENCH_READY_DIR/<its pid>`` so the benchmark can start
the clock only when every worker is listening.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from celery.signals import worker_init, worker_ready

from lineage_portal.celery import app

__all__ = ["app"]


@worker_init.connect
def _read_synthetic_history(**kwargs) -> None:
    from benchmarks.ingest import bench_source, history_plan
    from benchmarks.warehouse import build_warehouse

    window = importlib.import_module("graph.ingestion.window")
    warehouse = build_warehouse()
    fetcher = bench_source(
        warehouse, history_plan(warehouse, int(os.environ["BENCH_ROWS_PER_DAY"]))
    )
    portal_source_for = window.source_for

    def source_for(source):
        return fetcher if source.name.startswith("bench-") else portal_source_for(source)

    window.source_for = source_for


@worker_ready.connect
def _say_ready(**kwargs) -> None:
    directory = Path(os.environ["BENCH_READY_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    (directory / str(os.getpid())).touch()
