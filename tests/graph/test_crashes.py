"""Crashes that really happen: processes killed with -9, servers stopped and restarted mid-run.

Each test runs real processes — ``manage.py ingest``, Celery workers over a Redis of the
test's own — against the demo warehouse's emulator, kills or restarts something in the
middle of a window, lets the portal recover as it would in production (the sweeper, a
retry, the command run again), and then compares the graph with the one an uninterrupted
run of the same windows makes: counts and a checksum of every edge and read.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from graph import jobs
from graph.ingestion import backfill, run_windows
from graph.models import Backfill, Column, Dataset, IngestionRun, Source
from graph.tasks import enqueue_windows, incremental_sync_task, sweep_task

from .conftest import EMULATOR_NOISE
from .crashes import (
    Services,
    Supervisor,
    celery_broker,
    celery_worker,
    config_file,
    database_url_of_tests,
    manage,
    process_env,
    wait_until,
)
from .graphs import embedded_rows, fingerprint_of, graph_fingerprint

pytestmark = [pytest.mark.filterwarnings(EMULATOR_NOISE), pytest.mark.celery]

Status = IngestionRun.Status
LEASE_SECONDS = 2
DONE = (Status.SUCCEEDED, Status.FAILED)


@pytest.fixture
def services():
    """This test's own servers; whatever it started is stopped afterwards.

    Their directory is not under pytest's base temporary directory: another pytest session
    starting on the machine makes that private again (mode 0700), which would lock the
    ``postgres`` user out of its own cluster in the middle of the test.
    """
    directory = Path(tempfile.mkdtemp(prefix="lineage-crash-services-"))
    own = Services(directory)
    try:
        yield own
    finally:
        own.stop_all()
        shutil.rmtree(directory, ignore_errors=True)


def _status(job: Backfill) -> dict[str, int]:
    statuses = list(job.runs.values_list("status", flat=True))
    return {s: statuses.count(s) for s in Status.values}


def _kill_mid_window(process, job: Backfill, *, after: int, restart) -> tuple[IngestionRun, object]:
    """Kill ``process`` while it runs a window, once ``after`` windows are in.

    A kill that lands between two windows (rare: the gap is a few milliseconds) is tried
    again on a new process, so that the test always kills inside a window.
    """
    for _attempt in range(3):
        wait_until(
            lambda after=after: (
                job.runs.filter(status=Status.SUCCEEDED).count() >= after
                and job.runs.filter(status=Status.RUNNING).exists()
            ),
            seconds=120,
            what=f"{after} windows in and one running\n{process.output()}",
            every=0.005,
        )
        process.kill()
        left = job.runs.filter(status=Status.RUNNING).first()
        if left is not None:
            return left, process
        process = restart()
        after = job.runs.filter(status=Status.SUCCEEDED).count() + 1
    raise AssertionError("three kills in a row landed between windows")


def _forget(store) -> None:
    store.clear()
    for model in (IngestionRun, Backfill, Column, Dataset):
        model.objects.all().delete()
    Source.objects.update(watermark=None)


def _uninterrupted(store, source: Source, job: Backfill):
    """The graph the same windows make when nothing goes wrong, in order, in this process."""
    bounds = list(job.runs.order_by("window_start").values_list("window_start", "window_end"))
    _forget(store)
    again = backfill(
        source=source,
        days=(job.end - job.start).days,
        window_hours=round((bounds[0][1] - bounds[0][0]) / timedelta(hours=1)),
        end=job.end,
    )
    assert list(again.runs.order_by("window_start").values_list("window_start", "window_end")) == (
        bounds
    )
    done = run_windows(runs=again.runs.all(), store=store)
    assert not done.failed
    return graph_fingerprint(store)


# --- manage.py ingest, killed ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_ingest_killed_mid_backfill_shows_interrupted_and_resumes(
    demo, demo_source_row, embedded_store, tmp_path, client, django_user_model
):
    config = config_file(tmp_path, lease_seconds=LEASE_SECONDS)
    env = process_env(database_url=database_url_of_tests(), config=config)
    command = ("ingest", demo_source_row.name, "--backfill-days", "4", "--window-hours", "6")
    ingest = manage(env, tmp_path / "ingest.log", *command)
    job = wait_until(Backfill.objects.first, seconds=60, what="the backfill")

    def leases_out():
        wait_until(
            lambda: not job.runs.filter(lease_expires_at__gt=timezone.now()).exists(),
            seconds=10,
            what="the dead process's leases running out",
        )

    def again():  # the kill fell between two windows: run the command again, kill again
        leases_out()
        return manage(env, tmp_path / "ingest.log", "ingest", demo_source_row.name)

    interrupted, _ = _kill_mid_window(ingest, job, after=3, restart=again)
    done_before = set(job.runs.filter(status=Status.SUCCEEDED).values_list("pk", flat=True))

    # Its lease runs out: the page says so before any sweeper has passed by.
    leases_out()
    client.force_login(django_user_model.objects.create_user("ada", password="pw"))
    progress = client.get(reverse("api-backfill-progress", kwargs={"pk": job.pk})).json()
    assert progress["state"] == "interrupted" and progress["finished"] is True
    assert progress["windows_running"] == progress["windows_queued"] == 0
    assert progress["eta_text"] == "—"
    assert progress["windows_interrupted"] == job.runs.count() - len(done_before)

    # Running the command again resumes the backfill: only the windows not in run.
    out = io.StringIO()
    call_command("ingest", demo_source_row.name, stdout=out)
    left = job.runs.count() - len(done_before)
    assert f"Resuming backfill #{job.pk}" in out.getvalue()
    assert f"{left} of {job.windows_total} windows left" in out.getvalue()
    assert Backfill.objects.count() == 1 and _status(job)[Status.SUCCEEDED] == job.runs.count()
    assert set(job.runs.filter(pk__in=done_before).values_list("attempts", flat=True)) == {1}
    interrupted.refresh_from_db()
    assert interrupted.attempts == 2
    demo_source_row.refresh_from_db()
    assert demo_source_row.watermark == job.end

    resumed = graph_fingerprint(embedded_store)
    assert resumed == _uninterrupted(embedded_store, demo_source_row, job)


# --- a Celery worker, killed --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("backend", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_a_worker_killed_mid_window_loses_nothing(
    backend, request, demo, demo_source_row, services, tmp_path, settings
):
    store = request.getfixturevalue(f"{backend}_store")
    services.start("redis")
    config = config_file(tmp_path, lease_seconds=LEASE_SECONDS)
    env = process_env(
        database_url=database_url_of_tests(),
        config=config,
        broker=services.redis_url,
        neo4j=settings.TEST_NEO4J_URI if backend == "neo4j" else "",
    )
    logs = iter(tmp_path / f"worker-{n}.log" for n in range(10))

    with celery_broker(services.redis_url):
        with transaction.atomic():
            job = backfill(source=demo_source_row, days=4, window_hours=6)
            enqueue_windows(job.runs.all())
        worker = celery_worker(env, next(logs))
        killed, _ = _kill_mid_window(
            worker, job, after=3, restart=lambda: celery_worker(env, next(logs))
        )
        # The killed window stays "running" until its lease runs out; then beat's sweeper
        # queues it again, long before Redis would hand its unacknowledged message back.
        assert killed.lease_owner.startswith("task:")
        wait_until(
            lambda: IngestionRun.objects.filter(
                pk=killed.pk, lease_expires_at__lt=timezone.now()
            ).exists(),
            seconds=10,
            what="the killed window's lease running out",
        )
        sweep_task.delay()
        worker = celery_worker(env, next(logs))
        try:
            wait_until(
                lambda: _status(job)[Status.SUCCEEDED] == job.runs.count(),
                seconds=120,
                what=f"every window in: {_status(job)}\n{worker.output()}",
                every=0.2,
            )
        finally:
            worker.stop()

    killed.refresh_from_db()
    assert killed.attempts == 2  # the killed attempt, then the one after the sweep
    demo_source_row.refresh_from_db()
    assert demo_source_row.watermark == job.end
    recovered = graph_fingerprint(store)
    assert recovered.edges > 0
    assert recovered == _uninterrupted(store, demo_source_row, job)


# --- Neo4j, stopped ------------------------------------------------------------------------


@pytest.mark.neo4j
@pytest.mark.django_db(transaction=True)
def test_neo4j_stopped_mid_run_fails_windows_cleanly_and_the_retry_completes(
    demo, services, tmp_path, client, django_user_model, settings
):
    from graph.store.neo4j import Neo4jStore

    services.start("redis")
    services.start("neo4j")
    store = Neo4jStore(uri=services.neo4j_uri, retry_seconds=1)
    store.ensure_schema()
    attempts = 2
    config = config_file(
        tmp_path,
        lease_seconds=LEASE_SECONDS,
        retry={"attempts": attempts, "backoff_seconds": 1, "backoff_max_seconds": 2},
    )
    env = process_env(
        database_url=database_url_of_tests(),
        config=config,
        broker=services.redis_url,
        neo4j=services.neo4j_uri,
    )
    # A warehouse source the pages may retry (the demo source itself is not startable),
    # its password in the environment as for a real account.
    env["SNOWFLAKE_PASSWORD"] = "emulator"
    settings.SNOWFLAKE = {**settings.SNOWFLAKE, "password": "emulator"}
    options = {k: v for k, v in demo.source_options().items() if k != "emulator"}
    source = Source.objects.create(name="emulated", kind=Source.Kind.SNOWFLAKE, options=options)
    logs = iter(tmp_path / f"worker-{n}.log" for n in range(10))

    with celery_broker(services.redis_url):
        with transaction.atomic():
            job = backfill(source=source, days=2, window_hours=6, end=demo.history.end)
            enqueue_windows(job.runs.all())
        worker = celery_worker(env, next(logs))
        wait_until(
            lambda: (
                job.runs.filter(status=Status.SUCCEEDED).count() >= 2
                and job.runs.filter(status=Status.RUNNING).exists()
            ),
            seconds=120,
            what=f"two windows in and one running\n{worker.output()}",
            every=0.005,
        )
        services.kill_neo4j()
        wait_until(
            lambda: not job.runs.exclude(status__in=DONE).exists(),
            seconds=120,
            what=f"every window finished: {_status(job)}\n{worker.output()}",
            every=0.2,
        )
        counts = _status(job)
        failed = job.runs.filter(status=Status.FAILED).order_by("window_start")
        assert counts[Status.FAILED] >= 1 and counts[Status.SUCCEEDED] >= 2
        for run in failed:  # each failed once, for good, after its retries, saying why
            assert run.attempts == attempts and not run.interrupted
            assert "Neo4j" in run.error and run.finished_at is not None
        source.refresh_from_db()
        assert source.watermark == failed[0].window_start  # not moved past the failure
        client.force_login(django_user_model.objects.create_user("ada", password="pw"))
        progress = client.get(reverse("api-backfill-progress", kwargs={"pk": job.pk})).json()
        assert progress["state"] == "failed" and progress["windows_failed"] == len(failed)
        assert not progress["completeness"]["complete"]
        assert "none missing" not in progress["completeness"]["summary"]

        services.start("neo4j")
        assert jobs.backfill_retry(backfill=job) == len(failed)
        try:
            wait_until(
                lambda: _status(job)[Status.SUCCEEDED] == job.runs.count(),
                seconds=120,
                what=f"the retried windows in: {_status(job)}\n{worker.output()}",
                every=0.2,
            )
        finally:
            worker.stop()

    source.refresh_from_db()
    assert source.watermark == job.end
    retried = graph_fingerprint(store)
    assert retried == _uninterrupted(store, source, job)
    store.close()


# --- Postgres and Redis, restarted ------------------------------------------------------------


class PrivateDatabase:
    """The test's own Postgres, read straight (the portal's processes write it)."""

    def __init__(self, url: str):
        self.url = url.replace("postgres://", "postgresql://")
        self.connection = psycopg.connect(self.url, autocommit=True)

    def query(self, sql: str) -> list[tuple] | None:
        """The rows, or None while the server restarts (then it connects again)."""
        try:
            return self.connection.execute(sql).fetchall()
        except psycopg.OperationalError:
            with contextlib.suppress(psycopg.OperationalError):
                self.connection = psycopg.connect(self.url, autocommit=True)
            return None


def _private_database(env: dict, tmp_path, *, source: dict) -> None:
    """The test's own Postgres, migrated, with one enabled warehouse source in it."""
    for args in (
        ("migrate", "--noinput", "-v", "0"),
        (
            "shell",
            "-c",
            "import json, os; from datetime import datetime; from graph.models import Source; "
            "spec = json.loads(os.environ['CRASH_SOURCE']); "
            "spec['watermark'] = datetime.fromisoformat(spec['watermark']); "
            "Source.objects.create(**spec)",
        ),
    ):
        done = manage({**env, "CRASH_SOURCE": json.dumps(source)}, tmp_path / "manage.log", *args)
        assert done.popen.wait(timeout=180) == 0, done.output()


@pytest.mark.django_db(transaction=True)
def test_postgres_and_redis_restarted_during_a_sync_lose_nothing(
    demo, demo_source_row, embedded_store, services, tmp_path, settings
):
    services.start("postgres")
    services.start("redis")
    config = config_file(
        tmp_path,
        lease_seconds=LEASE_SECONDS,
        window_hours=3,
        visibility_timeout_seconds=8,
        retry={"attempts": 3, "backoff_seconds": 1, "backoff_max_seconds": 2},
    )
    env = process_env(database_url=services.database_url, config=config, broker=services.redis_url)
    env["SNOWFLAKE_PASSWORD"] = "emulator"
    options = {k: v for k, v in demo.source_options().items() if k != "emulator"}
    since = demo.history.end - timedelta(hours=36)
    _private_database(
        env,
        tmp_path,
        source={"name": "emulated", "kind": "snowflake", "options": options,
                "watermark": since.isoformat()},
    )  # fmt: skip
    private = PrivateDatabase(services.database_url)

    def runs() -> dict[str, int]:
        rows = private.query("SELECT status, count(*) FROM graph_ingestionrun GROUP BY 1")
        return dict(rows or [])

    # The worker runs beat too: the sweeper every lease, as in production; and it runs
    # supervised, as in production: started again if it exits.
    worker = Supervisor(
        lambda: celery_worker(env, tmp_path / "worker.log", beat=True, schedule=tmp_path / "beat")
    )
    try:
        with celery_broker(services.redis_url):
            incremental_sync_task.delay()
        for service in ("postgres", "redis"):
            done = runs().get(Status.SUCCEEDED, 0)
            wait_until(
                lambda done=done: (
                    worker.check()
                    and runs().get(Status.SUCCEEDED, 0) >= done + 2
                    and runs().get(Status.RUNNING, 0)
                ),
                seconds=120,
                what=f"a window running before {service} restarts: {runs()}\n{worker.output()}",
                every=0.005,
            )
            services.stop(service)
            services.start(service)
        wait_until(
            lambda: worker.check() and set(runs()) == {Status.SUCCEEDED},
            seconds=120,
            what=f"every window of the sync in: {runs()}\n{worker.output()}",
            every=0.2,
        )
    finally:
        worker.stop()

    windows = private.query(
        "SELECT window_start, window_end, attempts FROM graph_ingestionrun ORDER BY window_start"
    )
    starts = [w[0] for w in windows]
    assert len(set(starts)) == len(windows) >= 10 and starts[0] == since  # each window once
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))  # no gap
    assert max(w[2] for w in windows) >= 2  # the restart cut a window short: it ran again
    assert private.query("SELECT watermark FROM graph_source") == [(windows[-1][1],)]
    with private.connection.cursor() as cursor:
        edges, reads = embedded_rows(cursor)
    assert edges
    private.connection.close()

    # The same windows, uninterrupted, in this process.
    for start, end, _ in windows:
        IngestionRun.objects.create(source=demo_source_row, window_start=start, window_end=end)
    assert not run_windows(runs=demo_source_row.runs.all(), store=embedded_store).failed
    with connection.cursor() as cursor:
        assert fingerprint_of(*embedded_rows(cursor), None) == fingerprint_of(edges, reads, None)
