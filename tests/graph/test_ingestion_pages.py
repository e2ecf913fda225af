"""The ingestion pages: backfill progress (page and JSON), starting jobs, retrying, and who may."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from graph.demo import demo_source
from graph.models import Backfill, IngestionRun, ParseFailure, Source
from lineage_portal.access import AUDITOR, COMPLIANCE_ADMIN, STEWARD

from .conftest import EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

START = datetime(2026, 6, 1, tzinfo=UTC)
Status = IngestionRun.Status


def make_backfill(source: Source, *runs: dict) -> Backfill:
    """A backfill with one daily window per ``runs`` entry (IngestionRun fields)."""
    job = Backfill.objects.create(
        source=source,
        start=START,
        end=START + timedelta(days=len(runs)),
        windows_total=len(runs),
        created_by="ada",
    )
    for day, fields in enumerate(runs):
        IngestionRun.objects.create(
            source=source,
            backfill=job,
            window_start=START + timedelta(days=day),
            window_end=START + timedelta(days=day + 1),
            **fields,
        )
    return job


def done(rows: int, seconds: float, **fields) -> dict:
    """A succeeded window that read ``rows`` in ``seconds``."""
    return {
        "status": Status.SUCCEEDED,
        "rows_read": rows,
        "duration_seconds": seconds,
        "started_at": START,
        "finished_at": START + timedelta(seconds=seconds),
        **fields,
    }


def failed(reason: str) -> dict:
    return {"status": Status.FAILED, "duration_seconds": 1.0, "attempts": 3, "error": reason}


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(
        name="prod-snowflake", kind=Source.Kind.SNOWFLAKE, options={"latency_minutes": 0}
    )


def _login(client, django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username, password="pw")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    client.force_login(user)
    return client


@pytest.fixture
def admin(client, django_user_model):
    return _login(client, django_user_model, "carol", COMPLIANCE_ADMIN)


@pytest.fixture(params=[STEWARD, AUDITOR, None], ids=["steward", "auditor", "viewer"])
def non_admin(request, client, django_user_model):
    return _login(client, django_user_model, "sam", request.param)


@pytest.fixture
def enqueued():
    """The run ids handed to Celery (``ingest_window_task.delay``), instead of running them."""
    with mock.patch("graph.tasks.ingest_window_task.delay") as delay:
        yield delay


def delayed_ids(delay) -> list[int]:
    return [call.args[0] for call in delay.call_args_list]


def progress_json(client, job: Backfill) -> dict:
    response = client.get(reverse("api-backfill-progress", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    return response.json()


# --- progress ------------------------------------------------------------------------


def test_progress_json_is_computed_from_the_runs(admin, source):
    job = make_backfill(
        source,
        done(1000, 2.0, statements_kept=40, statements_filtered=960, edges_written=12,
             parse_failures=1, warehouse_statements=41, statements_with_lineage=39,
             statements_excluded=1),
        done(3000, 4.0, statements_kept=60, statements_filtered=2940, edges_written=8,
             warehouse_statements=60, statements_with_lineage=60),
        {"status": Status.RUNNING, "started_at": START},
        {},
    )  # fmt: skip

    progress = progress_json(admin, job)

    assert progress["state"] == "running" and progress["state_label"] == "Running"
    assert progress["finished"] is False
    assert (progress["windows_done"], progress["windows_total"]) == (2, 4)
    assert (progress["windows_running"], progress["windows_queued"]) == (1, 1)
    assert progress["percent"] == 50.0
    assert progress["rows_read"] == 4000
    assert progress["rows_per_second"] == pytest.approx(4000 / 6)
    # Two windows left at 3 s each, one running at a time.
    assert progress["eta_seconds"] == 6 and progress["eta_text"] == "under a minute"
    assert progress["window_states_text"] == "1 running · 1 queued"
    assert (progress["statements_kept"], progress["statements_filtered"]) == (100, 3900)
    assert (progress["edges_written"], progress["parse_failures"]) == (20, 1)
    assert progress["errors"] == []
    assert progress["completeness"] == {
        "warehouse_statements": 101,
        "with_lineage": 99,
        "excluded": 1,
        "missing": 1,
        "percent_missing": pytest.approx(100 / 101),
        "runs_checked": 2,
        "runs_unchecked": 0,
        # The two windows not done yet are missing too, until they are in.
        "windows_missing": 2,
        "statements_in_missing_windows": 0,
        "complete": False,
        "summary": "99 of 101 materializing statements produced lineage, "
        "1 left out on purpose — 1 missing (0.99 %), 2 windows not ingested "
        "(failed or not yet run); their statements were not counted",
    }
    [window] = progress["parse_failure_windows"]
    assert window["url"] == reverse(
        "ingestion_run_detail", kwargs={"pk": job.runs.order_by("window_start")[0].pk}
    )


def test_a_finished_backfill_with_failed_windows_reports_why(admin, source):
    job = make_backfill(
        source, done(500, 1.0), failed("OperationalError: warehouse suspended"), done(700, 1.0)
    )

    progress = progress_json(admin, job)

    assert progress["state"] == "failed" and progress["finished"] is True
    assert progress["eta_seconds"] is None and progress["windows_failed"] == 1
    [error] = progress["errors"]
    assert error["error"] == "OperationalError: warehouse suspended"
    assert error["window_start"].startswith("2026-06-02T00:00")
    assert error["url"] == reverse("ingestion_run_detail", kwargs={"pk": error["run"]})
    assert progress["retry_refusal"] is None


def test_a_backfill_that_has_not_started_is_queued(admin, source):
    progress = progress_json(admin, make_backfill(source, {}, {}))

    assert progress["state"] == "queued" and progress["windows_done"] == 0
    assert progress["eta_text"] == "estimating…" and progress["completeness"] is None


def test_the_backfill_page_draws_the_progress_for_the_script(admin, source):
    job = make_backfill(source, done(800, 2.0), {}, {}, {})

    html = admin.get(reverse("backfill_detail", kwargs={"pk": job.pk})).content.decode()

    assert f'data-progress-url="{reverse("api-backfill-progress", kwargs={"pk": job.pk})}"' in html
    assert 'aria-valuenow="1"' in html and 'aria-valuemax="4"' in html
    assert "prod-snowflake: backfill of 4 days" in html
    assert "js/ingestion.js" in html
    assert html.count("status-queued") >= 3  # the windows table


def test_a_failed_backfill_offers_admins_a_retry(admin, source):
    job = make_backfill(source, done(800, 2.0), failed("Timeout: statement canceled"))

    html = admin.get(reverse("backfill_detail", kwargs={"pk": job.pk})).content.decode()

    assert '1</span> of <span data-field="windows_total">2</span> windows failed' in html
    assert "Timeout: statement canceled" in html
    assert reverse("backfill_retry", kwargs={"pk": job.pk}) in html


def test_others_see_the_failure_but_no_buttons(non_admin, source):
    job = make_backfill(source, done(800, 2.0), failed("Timeout: statement canceled"))

    backfill_page = non_admin.get(reverse("backfill_detail", kwargs={"pk": job.pk}))
    ingestion_page = non_admin.get(reverse("ingestion_run_list"))

    assert "Timeout: statement canceled" in backfill_page.content.decode()
    assert reverse("backfill_retry", kwargs={"pk": job.pk}) not in backfill_page.content.decode()
    html = ingestion_page.content.decode()
    assert "Run backfill" not in html and "Sync now" not in html
    assert "a compliance admin can start a backfill" in html


def test_the_ingestion_page_offers_admins_jobs_and_shows_backfills(admin, source):
    job = make_backfill(source, done(800, 2.0), {"status": Status.RUNNING})

    html = admin.get(reverse("ingestion_run_list")).content.decode()

    assert reverse("source_backfill_start", kwargs={"pk": source.pk}) in html
    assert reverse("source_sync_start", kwargs={"pk": source.pk}) in html
    assert 'name="days" value="90"' in html and "Run backfill" in html and "Sync now" in html
    assert reverse("api-backfill-progress", kwargs={"pk": job.pk}) in html


def test_the_demo_source_offers_jobs_while_its_emulator_runs(admin, demo):
    source = demo_source(demo)

    html = admin.get(reverse("ingestion_run_list")).content.decode()

    assert reverse("source_backfill_start", kwargs={"pk": source.pk}) in html
    assert "Run backfill" in html and "Sync now" in html


def test_a_stopped_demo_emulator_is_explained_instead_of_a_button(admin, demo):
    source = demo_source(demo)
    # The emulator moved on (the demo was stopped): nothing answers on the recorded port.
    Source.objects.filter(pk=source.pk).update(options={**source.options, "port": _closed_port()})

    html = admin.get(reverse("ingestion_run_list")).content.decode()

    assert "its emulator is not running: `make run` starts it with the portal" in html
    assert "Run backfill" not in html


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_missing_backfill_is_a_friendly_404(admin, db):
    response = admin.get(reverse("backfill_detail", kwargs={"pk": 404}))

    assert response.status_code == 404 and "There is no backfill" in response.content.decode()
    assert admin.get(reverse("api-backfill-progress", kwargs={"pk": 404})).status_code == 404


# --- who may ------------------------------------------------------------------------


def _posts(source: Source, job: Backfill) -> list[tuple[str, dict]]:
    return [
        (reverse("source_backfill_start", kwargs={"pk": source.pk}), {"days": 2}),
        (reverse("source_sync_start", kwargs={"pk": source.pk}), {}),
        (reverse("backfill_retry", kwargs={"pk": job.pk}), {}),
    ]


def test_only_compliance_admins_may_start_jobs(non_admin, source, enqueued):
    job = make_backfill(source, failed("boom"))

    for url, data in _posts(source, job):
        assert non_admin.post(url, data).status_code == 403, url

    assert Backfill.objects.count() == 1 and not enqueued.called
    assert job.runs.get().status == Status.FAILED


def test_strangers_are_sent_to_log_in(client, source, enqueued):
    job = make_backfill(source, failed("boom"))

    for url, data in _posts(source, job):
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse("backfill_detail", kwargs={"pk": job.pk})).status_code == 302
    progress = client.get(reverse("api-backfill-progress", kwargs={"pk": job.pk}))
    assert progress.status_code in (401, 403)
    assert not enqueued.called


# --- starting jobs ------------------------------------------------------------------


def test_an_admin_starts_a_backfill_one_task_per_window(
    admin, source, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("source_backfill_start", kwargs={"pk": source.pk}), {"days": 3}
        )

    job = Backfill.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backfill_detail", kwargs={"pk": job.pk})
    assert job.windows_total == 3 and job.created_by == "carol"  # 24-hour windows
    assert delayed_ids(enqueued) == list(
        job.runs.order_by("window_start").values_list("pk", flat=True)
    )


def test_a_second_backfill_waits_for_the_first(admin, source, enqueued):
    make_backfill(source, done(10, 1.0), {})

    response = admin.post(
        reverse("source_backfill_start", kwargs={"pk": source.pk}), {"days": 3}, follow=True
    )

    assert Backfill.objects.count() == 1 and not enqueued.called
    assert "already has a backfill in progress" in response.content.decode()


@pytest.mark.parametrize("days", ["0", "400", "many", ""])
def test_backfill_days_are_checked(admin, source, enqueued, days):
    response = admin.post(
        reverse("source_backfill_start", kwargs={"pk": source.pk}), {"days": days}, follow=True
    )

    assert "A backfill covers a whole number of days, from 1 to 365." in response.content.decode()
    assert not Backfill.objects.exists()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"enabled": False}, "is disabled"),
        ({"kind": Source.Kind.OPENLINEAGE}, "sends its lineage to the portal"),
        ({"options": {"emulator": True}}, "is the demo warehouse"),
    ],
)
def test_jobs_are_refused_on_sources_that_cannot_run_them(admin, source, enqueued, change, reason):
    Source.objects.filter(pk=source.pk).update(**change)

    for url in ("source_backfill_start", "source_sync_start"):
        response = admin.post(reverse(url, kwargs={"pk": source.pk}), {"days": 2}, follow=True)
        assert reason in response.content.decode()
    assert not Backfill.objects.exists() and not IngestionRun.objects.exists()


def test_sync_now_queues_the_windows_since_the_watermark(
    admin, source, enqueued, django_capture_on_commit_callbacks
):
    Source.objects.filter(pk=source.pk).update(
        watermark=datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=30)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("source_sync_start", kwargs={"pk": source.pk}), follow=True)

    runs = list(IngestionRun.objects.order_by("window_start"))
    assert len(runs) == 2 and all(r.backfill_id is None for r in runs)  # 24 h + 6 h
    assert delayed_ids(enqueued) == [r.pk for r in runs]
    assert "Sync of prod-snowflake started: 2 windows" in response.content.decode()


# --- retry --------------------------------------------------------------------------


def test_retry_requeues_only_the_failed_windows(
    admin, source, enqueued, django_capture_on_commit_callbacks
):
    job = make_backfill(
        source, done(100, 1.0), failed("boom"), done(100, 1.0), failed("bang"), done(1, 1.0)
    )
    failed_ids = list(
        job.runs.filter(status=Status.FAILED).order_by("window_start").values_list("pk", flat=True)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("backfill_retry", kwargs={"pk": job.pk}), follow=True)

    assert delayed_ids(enqueued) == failed_ids
    statuses = dict(job.runs.values_list("pk", "status"))
    assert {pk for pk, s in statuses.items() if s == Status.QUEUED} == set(failed_ids)
    assert sum(s == Status.SUCCEEDED for s in statuses.values()) == 3
    assert not job.runs.filter(pk__in=failed_ids).exclude(error="").exists()
    assert "Retrying 2 failed windows" in response.content.decode()
    assert progress_json(admin, job)["state"] == "running"


def test_retry_with_nothing_failed_says_so(admin, source, enqueued):
    job = make_backfill(source, done(100, 1.0))

    response = admin.post(reverse("backfill_retry", kwargs={"pk": job.pk}), follow=True)

    assert "nothing to retry" in response.content.decode() and not enqueued.called


# --- end to end, without a broker ------------------------------------------------------


def test_a_backfill_started_from_the_page_runs_and_reports_completeness(
    admin, demo, embedded_store, settings, django_capture_on_commit_callbacks
):
    """No broker: the tasks run inside the POST, through the real connector to the emulator."""
    settings.SNOWFLAKE = {**settings.SNOWFLAKE, "password": "emulator"}
    options = {k: v for k, v in demo.source_options().items() if k != "emulator"}
    source = Source.objects.create(name="emulated", kind=Source.Kind.SNOWFLAKE, options=options)
    ParseFailure.objects.all().delete()

    # The test's transaction never commits: the captured callbacks (the tasks) run at the
    # end of the block, as they would run once the request's transaction committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("source_backfill_start", kwargs={"pk": source.pk}), {"days": 2}
        )

    job = Backfill.objects.get(source=source)
    assert {r.status for r in job.runs.all()} == {Status.SUCCEEDED}
    html = admin.get(response["Location"]).content.decode()
    assert "Backfill of emulated started: 2 days in 2 windows." in html
    assert 'data-final="succeeded">' in html  # shown: not hidden
    progress = progress_json(admin, job)
    assert progress["state"] == "succeeded" and progress["rows_read"] > 0
    figure = progress["completeness"]
    assert figure["warehouse_statements"] > 0 and figure["runs_checked"] == 2
    assert figure["summary"] in html


def test_failed_windows_are_grouped_by_their_error(admin, source):
    job = make_backfill(
        source,
        {"status": Status.FAILED, "error": "OperationalError: could not connect to Snowflake"},
        {"status": Status.FAILED, "error": "OperationalError: could not connect to Snowflake"},
        {"status": Status.FAILED, "error": "ProgrammingError: permission denied"},
        {"status": Status.FAILED, "error": "OperationalError: could not connect to Snowflake"},
    )

    progress = admin.get(reverse("api-backfill-progress", kwargs={"pk": job.pk})).json()
    html = admin.get(reverse("backfill_detail", kwargs={"pk": job.pk})).content.decode()

    first, second = progress["error_groups"]
    assert (first["count"], first["error"]) == (
        3,
        "OperationalError: could not connect to Snowflake",
    )
    assert first["first"]["window_start"] < first["last"]["window_start"]
    assert (second["count"], second["error"]) == (1, "ProgrammingError: permission denied")
    assert "<strong>3 windows:</strong>" in html
    assert re.search(r"All <span[^>]*>4</span> failed windows run again at once", html)
