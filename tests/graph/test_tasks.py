"""The Celery tasks: a real worker over the real Redis broker, and the retry policy."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from graph.demo import demo_source
from graph.models import IngestionRun, Source
from graph.store.embedded import EmbeddedStore
from graph.tasks import backfill_task, incremental_sync_task, ingest_window_task

from .conftest import EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

EXPORT_EMAIL = "snowflake://prod_db.marts.marketing_export#email"


def _wait_for(run: IngestionRun, seconds: float = 60) -> IngestionRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (IngestionRun.Status.SUCCEEDED, IngestionRun.Status.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run.pk} still {run.status} after {seconds}s")


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_ingests_a_window(demo):
    from celery.contrib.testing.worker import start_worker

    from lineage_portal.celery import app

    end = demo.history.end
    run = IngestionRun.objects.create(
        source=demo_source(demo), window_start=end - timedelta(days=1), window_end=end
    )
    # A queue of its own: no other worker takes the message, and no stale message reaches ours.
    queue = f"test-ingest-{uuid.uuid4().hex[:8]}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", queues=[queue]):
            ingest_window_task.apply_async((run.pk,), queue=queue)
            _wait_for(run)
    finally:
        app.conf.task_always_eager = True

    assert run.status == IngestionRun.Status.SUCCEEDED, run.error
    assert run.attempts == 1 and run.rows_read > 0 and run.edges_written > 0
    store = EmbeddedStore()
    assert store.counts().column_edges > 0
    assert {e.masking for e in store.edges_of(EXPORT_EMAIL)} == {"identity"}


def test_backfill_task_queues_and_runs_one_task_per_window(
    demo, db, django_capture_on_commit_callbacks
):
    source = demo_source(demo)
    with django_capture_on_commit_callbacks(execute=True):
        queued = backfill_task.delay(source.pk, 2).get()
    assert queued == 2
    runs = IngestionRun.objects.filter(source=source)
    assert runs.count() == 2 and {r.status for r in runs} == {IngestionRun.Status.SUCCEEDED}


def test_incremental_sync_continues_from_the_watermark(
    demo, db, django_capture_on_commit_callbacks
):
    source = demo_source(demo)
    Source.objects.filter(pk=source.pk).update(
        enabled=True, watermark=demo.history.end - timedelta(hours=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert incremental_sync_task.delay().get() == 1
    run = IngestionRun.objects.get(source=source)
    assert run.window_start == demo.history.end - timedelta(hours=3)
    assert run.status == IngestionRun.Status.SUCCEEDED and run.rows_read > 0
    source.refresh_from_db()
    assert source.watermark == run.window_end


def test_retries_are_celerys_own_from_the_configured_policy(settings):
    retry = settings.LINEAGE_CONFIG["telemetry"]["retry"]
    assert ingest_window_task.autoretry_for == (Exception,)
    assert ingest_window_task.max_retries == retry["attempts"] - 1
    assert ingest_window_task.retry_backoff == retry["backoff_seconds"]
    assert ingest_window_task.retry_backoff_max == retry["backoff_max_seconds"]
    assert ingest_window_task.retry_jitter is retry["jitter"]


def test_a_failing_window_is_retried_then_recorded_failed_once(db):
    source = Source.objects.create(name="no-fetcher", kind=Source.Kind.DBT)
    run = IngestionRun.objects.create(
        source=source, window_start=source.created - timedelta(days=1), window_end=source.created
    )
    from celery.signals import task_retry

    from lineage_portal.celery import app

    between_attempts = []

    def record(**kwargs):
        between_attempts.append(IngestionRun.objects.get(pk=run.pk).status)

    task_retry.connect(record, weak=False)
    # Eagerly run tasks only retry when they do not propagate errors, as on a worker.
    app.conf.task_eager_propagates = False
    try:
        result = ingest_window_task.apply((run.pk,))
    finally:
        app.conf.task_eager_propagates = True
        task_retry.disconnect(record)
    assert result.failed() and isinstance(result.result, ValueError)
    run.refresh_from_db()
    assert run.status == IngestionRun.Status.FAILED and run.attempts == 3
    assert "no fetcher for kind 'dbt'" in run.error
    # Between attempts the window waits for its retry: it is recorded failed once, at the end.
    assert between_attempts == [IngestionRun.Status.QUEUED] * 2
