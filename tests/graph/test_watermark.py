"""Synced up to" is the end of the last contiguous success, and the sync never loses a window."""

# ruff: noqa: F811 - the ingestion pages' fixtures, imported by name

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from graph.ingestion.merge import first_uncovered, watermark_update
from graph.ingestion.windows import failed_sync_windows, sync_windows
from graph.models import IngestionRun

from .test_ingestion_pages import (
    START,
    Status,
    admin,  # noqa: F401
    done,
    failed,
    make_backfill,
    source,  # noqa: F401
)

DAY = timedelta(days=1)


def test_the_watermark_stops_before_a_failed_window(source):
    make_backfill(source, done(1, 1.0), done(1, 1.0), failed("boom"), done(1, 1.0))

    assert watermark_update(source_id=source.pk) == START + 2 * DAY
    source.refresh_from_db()
    assert source.watermark == START + 2 * DAY


def test_the_watermark_stops_before_a_window_not_yet_run(source):
    make_backfill(source, done(1, 1.0), {}, done(1, 1.0), done(1, 1.0))

    assert watermark_update(source_id=source.pk) == START + DAY


def test_a_window_finishing_out_of_order_does_not_move_the_watermark_past_a_gap(source):
    job = make_backfill(source, {}, {}, {})
    first, second, third = job.runs.order_by("window_start")
    for run in (third, first):  # four workers: the third window finishes before the second
        IngestionRun.objects.filter(pk=run.pk).update(status=Status.SUCCEEDED)
        watermark_update(source_id=source.pk)
    source.refresh_from_db()
    assert source.watermark == START + DAY

    IngestionRun.objects.filter(pk=second.pk).update(status=Status.SUCCEEDED)
    assert watermark_update(source_id=source.pk) == START + 3 * DAY


def test_a_failed_window_covered_by_a_later_success_holds_nothing_back(source):
    make_backfill(source, done(1, 1.0), failed("boom"), done(1, 1.0))
    again = make_backfill(source, done(1, 1.0), done(1, 1.0))  # a new backfill, same days

    assert again.runs.count() == 2
    assert watermark_update(source_id=source.pk) == START + 3 * DAY


def test_first_uncovered_finds_the_earliest_hole():
    t = [START + n * DAY for n in range(6)]
    assert first_uncovered([(t[1], t[2])], [(t[0], t[1]), (t[1], t[3])]) is None
    assert first_uncovered([(t[1], t[3])], [(t[0], t[2])]) == t[2]
    assert first_uncovered([(t[4], t[5]), (t[1], t[2])], [(t[0], t[1])]) == t[1]


def test_the_sources_table_shows_the_honest_watermark(admin, source):
    make_backfill(source, done(1, 1.0), failed("boom"), done(1, 1.0))
    watermark_update(source_id=source.pk)

    response = admin.get(reverse("ingestion_run_list"))

    [row] = response.context["overview"].sources
    assert row.source.watermark == START + DAY
    assert f'title="{(START + DAY):%Y-%m-%d %H:%M:%S}' in response.content.decode()


# --- the sync ------------------------------------------------------------------------


def test_the_sync_continues_after_a_failed_window_and_retries_it(source):
    make_backfill(source, done(1, 1.0), failed("boom"))
    watermark_update(source_id=source.pk)
    now = START + 2 * DAY + timedelta(hours=5)

    new = sync_windows(source=source, now=now)

    # Not recut from the watermark (START + 1 day): the sync starts after every window made.
    assert [r.window_start for r in new] == [START + 2 * DAY]
    sync_failed = IngestionRun.objects.create(
        source=source,
        window_start=START + 3 * DAY,
        window_end=START + 4 * DAY,
        status=Status.FAILED,
        error="Neo4j unreachable",
    )
    assert failed_sync_windows(source=source) == [sync_failed]
    sync_failed.refresh_from_db()
    assert sync_failed.status == Status.QUEUED and sync_failed.error == ""
