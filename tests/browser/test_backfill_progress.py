"""Backfill progress in a real browser: the bar follows the runs as they finish, without a reload.

The test thread plays the worker: it advances IngestionRun rows between the page's polls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from graph.models import Backfill, IngestionRun, Source
from lineage_portal.access import COMPLIANCE_ADMIN

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = datetime(2026, 6, 1, tzinfo=UTC)
POLLED = 10_000  # ms: a few of the page's 2-second polls
Status = IngestionRun.Status


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="prod-snowflake", kind=Source.Kind.SNOWFLAKE)


@pytest.fixture
def admin_page(page, live_server, django_user_model):
    """A page signed in as a compliance admin, who is offered the retry button."""
    admin = django_user_model.objects.create_user("carol", password=PASSWORD)
    admin.groups.add(Group.objects.get_or_create(name=COMPLIANCE_ADMIN)[0])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "carol")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def backfill_of(source: Source, windows: int) -> tuple[Backfill, list[IngestionRun]]:
    job = Backfill.objects.create(
        source=source,
        start=START,
        end=START + timedelta(days=windows),
        windows_total=windows,
        created_by="carol",
    )
    runs = [
        IngestionRun.objects.create(
            source=source,
            backfill=job,
            window_start=START + timedelta(days=day),
            window_end=START + timedelta(days=day + 1),
        )
        for day in range(windows)
    ]
    return job, runs


def start(run: IngestionRun) -> None:
    IngestionRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING, attempts=1, started_at=datetime.now(UTC)
    )


def succeed(run: IngestionRun, rows: int = 1000) -> None:
    """The window done: ``rows`` read in 2 s, every statement accounted for."""
    IngestionRun.objects.filter(pk=run.pk).update(
        status=Status.SUCCEEDED,
        attempts=1,
        rows_read=rows,
        statements_kept=rows // 10,
        statements_filtered=rows - rows // 10,
        edges_written=rows // 100,
        duration_seconds=2.0,
        started_at=datetime.now(UTC),
        finished_at=datetime.now(UTC),
        warehouse_statements=rows // 10,
        statements_with_lineage=rows // 10,
    )


def fail(run: IngestionRun, error: str) -> None:
    IngestionRun.objects.filter(pk=run.pk).update(
        status=Status.FAILED, attempts=3, error=error, duration_seconds=1.0
    )


def wait_for_windows_done(page, done: int, *, panel: str = "[data-progress-url]") -> None:
    page.wait_for_function(
        """([panel, done]) => document.querySelector(panel + ' [role="progressbar"]')
            .getAttribute('aria-valuenow') === String(done)""",
        arg=[panel, done],
        timeout=POLLED,
    )


def mark_page(page) -> None:
    """A flag a reload would wipe: still there at the end means the page never reloaded."""
    page.evaluate("window.notReloaded = true")


def bar_width(page, part: str) -> float:
    return page.evaluate(f"parseFloat(document.querySelector('[data-bar=\"{part}\"]').style.width)")


def test_the_bar_moves_to_done_without_a_reload(signed_in_page, live_server, source, artifacts):
    page = signed_in_page
    job, runs = backfill_of(source, 4)
    succeed(runs[0])
    start(runs[1])
    page.goto(f"{live_server.url}/ingestion/backfills/{job.pk}/")
    panel = page.locator("[data-progress-url]")
    assert "1 of 4 windows" in panel.inner_text() and "Running" in panel.inner_text()
    assert bar_width(page, "succeeded") == 25
    mark_page(page)

    succeed(runs[1])
    start(runs[2])
    wait_for_windows_done(page, 2)
    assert "2 of 4 windows" in panel.inner_text()
    assert "500 rows/s" in panel.inner_text()  # 2,000 rows in 4 s of windows
    assert page.locator('[data-final="succeeded"]').is_hidden()
    page.screenshot(path=str(artifacts / "backfill-progress-running.png"), full_page=True)

    succeed(runs[2], rows=3000)
    succeed(runs[3], rows=4000)
    wait_for_windows_done(page, 4)

    done = page.locator('[data-final="succeeded"]')
    done.wait_for(state="visible", timeout=POLLED)
    assert "Done: every window was ingested" in done.inner_text()
    assert "9,000" in done.inner_text()  # rows read
    assert "900 / 8,100" in done.inner_text()  # statements kept / filtered
    assert bar_width(page, "succeeded") == 100 and "Done" in panel.inner_text()
    figure = page.locator('[data-field="completeness_summary"]')
    assert figure.inner_text() == (
        "900 of 900 materializing statements produced lineage — none missing"
    )
    # The windows table was swapped for a fresh one as the windows finished.
    page.wait_for_function(
        "document.querySelectorAll('#backfill-windows .status-succeeded').length === 4",
        timeout=POLLED,
    )
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(artifacts / "backfill-progress-done.png"), full_page=True)


def test_a_failed_window_shows_why_and_a_retry_button(admin_page, live_server, source, artifacts):
    page = admin_page
    job, runs = backfill_of(source, 2)
    succeed(runs[0])
    start(runs[1])
    page.goto(f"{live_server.url}/ingestion/backfills/{job.pk}/")
    failed = page.locator('[data-final="failed"]')
    assert failed.is_hidden()
    mark_page(page)

    fail(runs[1], "OperationalError: 250001: Could not connect to Snowflake backend")

    failed.wait_for(state="visible", timeout=POLLED)
    assert "1 of 2 windows failed" in failed.inner_text()
    reason = failed.locator('[data-list="errors"] li')
    assert "Could not connect to Snowflake backend" in reason.inner_text()
    assert reason.locator("a").get_attribute("href") == f"/ingestion/runs/{runs[1].pk}/"
    assert failed.get_by_role("button", name="Retry the failed windows").is_visible()
    assert "Failed" in page.locator('[data-field="state_label"]').inner_text()
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=str(artifacts / "backfill-progress-failed.png"), full_page=True)


def test_the_ingestion_page_follows_running_backfills(signed_in_page, live_server, source):
    page = signed_in_page
    job, runs = backfill_of(source, 2)
    start(runs[0])
    page.goto(f"{live_server.url}/ingestion/")
    panel = f"#backfill-{job.pk}"
    assert "0 of 2 windows" in page.locator(panel).inner_text()
    mark_page(page)

    succeed(runs[0])
    succeed(runs[1])

    wait_for_windows_done(page, 2, panel=panel)
    page.locator(f'{panel} [data-final="succeeded"]').wait_for(state="visible", timeout=POLLED)
    assert page.evaluate("window.notReloaded") is True
