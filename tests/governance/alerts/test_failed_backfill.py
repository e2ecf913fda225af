"""A window that fails for good raises one ``failed_backfill`` alert; the same failure, none."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from governance.alerts.models import Alert
from graph.ingestion import run_windows
from graph.models import Backfill, IngestionRun, Source
from graph.store.embedded import EmbeddedStore
from graph.tasks import ingest_window_task
from lineage_portal.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_run(db):
    """A backfill window of a source that cannot be read (a dbt project is pushed, not pulled)."""
    source = Source.objects.create(name="finance-dbt", kind=Source.Kind.DBT)
    start = source.created - timedelta(days=1)
    job = Backfill.objects.create(source=source, start=start, end=source.created, windows_total=1)
    return IngestionRun.objects.create(
        source=source, backfill=job, window_start=start, window_end=source.created
    )


def run_task_like_a_worker(run_id: int):
    # Eager tasks retry only when their errors do not propagate, as on a worker.
    app.conf.task_eager_propagates = False
    try:
        return ingest_window_task.apply((run_id,))
    finally:
        app.conf.task_eager_propagates = True


def test_a_window_failing_after_its_retries_raises_one_alert(
    alerting, failing_run, django_capture_on_commit_callbacks
):
    slack, smtp = alerting
    # The task's retry policy is the configuration's at start-up (telemetry.retry: 3
    # attempts); eager retries do not wait for their backoff.
    config = copy.deepcopy(settings.LINEAGE_CONFIG)
    assert ingest_window_task.max_retries + 1 == config["telemetry"]["retry"]["attempts"] == 3
    with override_settings(LINEAGE_CONFIG=config), django_capture_on_commit_callbacks(execute=True):
        result = run_task_like_a_worker(failing_run.pk)
    assert result.failed()
    failing_run.refresh_from_db()
    assert failing_run.status == IngestionRun.Status.FAILED and failing_run.attempts == 3

    # Three attempts, one alert: the retries that came before the last are not alerts.
    assert len(slack.payloads) == 1 and len(smtp.messages) == 1
    text = slack.payloads[0]["text"]
    assert text.startswith("MEDIUM · Backfill window of finance-dbt failed")
    blocks = str(slack.payloads[0]["blocks"])
    assert "no fetcher for kind" in blocks and f"/ingestion/runs/{failing_run.pk}" in blocks

    # The same window failing the same way again (a retry from the page) is the same event.
    with override_settings(LINEAGE_CONFIG=config), django_capture_on_commit_callbacks(execute=True):
        run_task_like_a_worker(failing_run.pk)
    assert len(slack.payloads) == 1 and Alert.objects.filter(kind="failed_backfill").count() == 1


def test_an_in_process_run_that_fails_raises_one_alert(
    alerting, db, django_capture_on_commit_callbacks
):
    """``manage.py ingest`` does not retry: a window that fails there has failed for good."""
    slack, _ = alerting
    db_settings = settings.DATABASES["default"]
    source = Source.objects.create(
        name="gone-pg",
        kind=Source.Kind.POSTGRES,
        options={
            "host": db_settings["HOST"],
            "port": db_settings["PORT"],
            "user": db_settings["USER"],
            "dbname": "lineage_no_such_database",
        },
    )
    run = IngestionRun.objects.create(
        source=source, window_start=source.created - timedelta(hours=1), window_end=source.created
    )
    with django_capture_on_commit_callbacks(execute=True):
        done = run_windows(runs=[run], store=EmbeddedStore())
    assert [r.pk for r in done.failed] == [run.pk]
    assert len(slack.payloads) == 1
    assert slack.payloads[0]["text"].startswith("MEDIUM · Sync window of gone-pg failed")
    alert = Alert.objects.get(kind="failed_backfill")
    assert alert.details["run_id"] == run.pk and alert.status == Alert.Status.SENT
    assert alert.details["error"].startswith("OperationalError: connection failed")
