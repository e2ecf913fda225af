"""Leases on windows: claims, heartbeats, the sweeper, and what the pages say of a dead holder."""

# ruff: noqa: F811 - the ingestion pages' fixtures, imported by name

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from graph import jobs
from graph.ingestion import leases
from graph.ingestion.merge import run_begin, run_heartbeat
from graph.ingestion.sweep import runs_sweep
from graph.models import IngestionRun

from .test_ingestion_pages import (
    Status,
    admin,  # noqa: F401
    done,
    enqueued,  # noqa: F401
    make_backfill,
    progress_json,
    source,  # noqa: F401
)

LEASE = timedelta(seconds=60)
CELERY, PROCESS = IngestionRun.Executor.CELERY, IngestionRun.Executor.PROCESS


def gone(status: str = Status.RUNNING, *, executor: str = PROCESS, attempts: int = 1) -> dict:
    """A window whose holder stopped renewing its lease a minute ago."""
    ago = timezone.now() - timedelta(minutes=2)
    return {
        "status": status,
        "executor": executor,
        "lease_owner": "ingest@host:4242:cafe",
        "lease_expires_at": ago + LEASE,
        "heartbeat_at": ago,
        "started_at": ago if status == Status.RUNNING else None,
        "attempts": attempts,
    }


def alive(status: str = Status.RUNNING, *, executor: str = CELERY) -> dict:
    now = timezone.now()
    return {
        "status": status,
        "executor": executor,
        "lease_owner": "task:live",
        "lease_expires_at": now + LEASE,
        "heartbeat_at": now,
        "started_at": now if status == Status.RUNNING else None,
    }


# --- claims -------------------------------------------------------------------------


def test_a_second_delivery_of_a_window_someone_runs_does_nothing(source):
    job = make_backfill(source, alive())
    run = job.runs.get()

    assert run_begin(run=run, owner="task:duplicate", lease=LEASE) is None
    run.refresh_from_db()
    assert (run.lease_owner, run.attempts) == ("task:live", 0)


def test_the_same_task_takes_its_window_back_and_anyone_takes_a_dead_one(source):
    job = make_backfill(source, alive(), gone())
    mine, dead = job.runs.order_by("window_start")

    assert run_begin(run=mine, owner="task:live", lease=LEASE) is not None
    assert run_begin(run=dead, owner="task:other", lease=LEASE) is not None
    assert dead.lease_owner == "task:other" and dead.attempts == 2 and not dead.interrupted


def test_a_finished_window_is_never_claimed_again(source):
    job = make_backfill(source, done(10, 1.0), {"status": Status.FAILED, "error": "boom"})
    for run in job.runs.all():
        assert run_begin(run=run, owner="task:late", lease=LEASE) is None


@pytest.mark.django_db(transaction=True)
def test_heartbeats_keep_the_lease_of_every_window_held(source):
    job = make_backfill(source, alive(Status.QUEUED, executor=PROCESS), alive())
    job.runs.update(lease_owner="ingest@here", lease_expires_at=timezone.now())
    before = timezone.now()

    with leases.Heartbeat("ingest@here", every=timedelta(seconds=0.1)):
        time.sleep(0.5)

    for run in job.runs.all():
        assert run.heartbeat_at > before
        assert run.lease_expires_at >= run.heartbeat_at + leases.lease() - timedelta(seconds=1)


def test_a_heartbeat_renews_only_its_own_unfinished_windows(source):
    job = make_backfill(source, alive(), done(1, 1.0, lease_owner="task:live"))
    other = make_backfill(source, alive())
    other.runs.update(lease_owner="task:someone-else")

    assert run_heartbeat(owner="task:live", lease=LEASE) == 1
    assert job.runs.filter(status=Status.SUCCEEDED).get().lease_expires_at is None


# --- the sweeper ----------------------------------------------------------------------


def test_a_dead_workers_window_is_queued_again_and_its_message_sent(source):
    job = make_backfill(source, gone(executor=CELERY), alive())
    dead, live = job.runs.order_by("window_start")

    swept = runs_sweep(requeue=True)

    assert swept.resend == [dead.pk] and swept.interrupted == []
    dead.refresh_from_db()
    assert dead.status == Status.QUEUED and dead.interrupted
    assert dead.error.startswith("Interrupted: the Celery worker running it stopped")
    assert dead.lease_expires_at > timezone.now()  # a new lease for the new message
    live.refresh_from_db()
    assert live.status == Status.RUNNING and live.lease_owner == "task:live"


def test_a_window_that_keeps_killing_its_worker_ends_failed(source, settings):
    attempts = settings.LINEAGE_CONFIG["telemetry"]["retry"]["attempts"]
    job = make_backfill(source, gone(executor=CELERY, attempts=attempts))

    swept = runs_sweep(requeue=True)

    run = job.runs.get()
    assert swept.interrupted == [run.pk]
    assert run.status == Status.FAILED and run.interrupted and run.finished_at is not None


def test_a_lost_queued_message_is_sent_again_without_calling_it_an_interruption(source):
    job = make_backfill(source, gone(Status.QUEUED, executor=CELERY))

    swept = runs_sweep(requeue=True)

    run = job.runs.get()
    assert swept.resend == [run.pk]
    assert run.status == Status.QUEUED and not run.interrupted and run.error == ""


def test_an_ingest_process_that_died_leaves_its_windows_interrupted(source):
    job = make_backfill(source, done(10, 1.0), gone(), gone(Status.QUEUED), gone(Status.QUEUED))

    swept = runs_sweep(requeue=True)

    left = job.runs.exclude(status=Status.SUCCEEDED).order_by("window_start")
    assert swept.interrupted == [r.pk for r in left] and swept.resend == []
    assert {(r.status, r.interrupted) for r in left} == {(Status.FAILED, True)}
    running, waiting = left[0], left[1]
    assert "manage.py ingest process running it stopped" in running.error
    assert "stopped before it started" in waiting.error


# --- what the pages say ------------------------------------------------------------------


def test_a_backfill_whose_process_died_is_interrupted_not_running(admin, source):
    # Before any sweeper has passed: the page reads the leases itself.
    job = make_backfill(source, done(100, 1.0), gone(), gone(Status.QUEUED))

    progress = progress_json(admin, job)

    assert progress["state"] == "interrupted" and progress["state_label"] == "Interrupted"
    assert progress["finished"] is True and progress["eta_text"] == "—"
    assert progress["windows_running"] == progress["windows_queued"] == 0
    assert (progress["windows_failed"], progress["windows_interrupted"]) == (2, 2)
    assert progress["window_states_text"] == "2 interrupted"
    assert [e["interrupted"] for e in progress["errors"]] == [True, True]
    html = admin.get(reverse("backfill_detail", kwargs={"pk": job.pk})).content.decode()
    assert "2</strong> of them were interrupted" in html
    assert reverse("backfill_retry", kwargs={"pk": job.pk}) in html


def test_retry_takes_the_interrupted_windows(
    admin, source, enqueued, django_capture_on_commit_callbacks
):
    job = make_backfill(source, done(100, 1.0), gone(), gone(Status.QUEUED))
    left = list(job.runs.exclude(status=Status.SUCCEEDED).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("backfill_retry", kwargs={"pk": job.pk}), follow=True)

    assert "Retrying 2 failed windows" in response.content.decode()
    assert sorted(call.args[0] for call in enqueued.call_args_list) == sorted(left)
    assert set(job.runs.filter(pk__in=left).values_list("status", flat=True)) == {Status.QUEUED}


def test_an_interrupted_backfill_does_not_block_a_new_one(source, enqueued):
    make_backfill(source, done(100, 1.0), gone(), gone(Status.QUEUED))

    job = jobs.backfill_start(source=source, days=2, created_by="carol")

    assert job.runs.count() == 2


def test_a_backfill_with_a_live_window_still_blocks_a_new_one(source):
    make_backfill(source, done(100, 1.0), alive())

    with pytest.raises(jobs.JobRefused, match="already has a backfill in progress"):
        jobs.backfill_start(source=source, days=2, created_by="carol")
