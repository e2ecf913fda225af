"""Completeness: lineage found versus the warehouse's own count, through the real connector."""

from __future__ import annotations

import contextlib
import io
from datetime import timedelta

import pytest
import snowflake.connector
from django.core.management import call_command
from django.urls import reverse

from graph.ingestion import backfill, ingest_window, run_execute
from graph.ingestion.completeness import Completeness, run_completeness, runs_completeness
from graph.models import Backfill, IngestionRun
from graph.sources.snowflake import SnowflakeSource

from .conftest import EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)

# The QUERY_TYPEs the demo history holds that move data; written out rather than derived
# from the filter, so that the test checks the count instead of repeating it.
MATERIALIZING = {
    "CREATE_TABLE_AS_SELECT",
    "INSERT",
    "MERGE",
    "COPY",
    "CREATE_VIEW",
    "ALTER_TABLE_ADD_COLUMN",
    "RENAME_TABLE",
}
NOT_MATERIALIZING = {"SELECT", "SHOW", "USE", "DESCRIBE", "UNKNOWN"}


def generated_count(history, start, end) -> int:
    """Successful materializing statements the demo generator put in [start, end)."""
    return sum(
        1
        for row in history.query_history
        if start <= row["START_TIME"] < end
        and row["EXECUTION_STATUS"] == "SUCCESS"
        and row["QUERY_TYPE"] in MATERIALIZING
    )


@pytest.fixture
def fetcher(demo_source_row):
    with SnowflakeSource.from_model(demo_source_row) as source:
        yield source


# --- the warehouse's count -------------------------------------------------------------


def test_the_demo_history_has_both_kinds_of_statement(demo):
    types = {row["QUERY_TYPE"] for row in demo.history.query_history}
    assert types <= MATERIALIZING | NOT_MATERIALIZING, "a new type: say whether it materializes"
    assert types & NOT_MATERIALIZING and types & MATERIALIZING
    assert any(
        row["EXECUTION_STATUS"] != "SUCCESS" and row["QUERY_TYPE"] in MATERIALIZING
        for row in demo.history.query_history
    ), "failed materializing statements must be there to be left out"


@pytest.mark.parametrize(
    ("start_day", "days"), [(0, None), (3, 1), (-1, 1)], ids=["whole", "middle-day", "last-day"]
)
def test_the_count_equals_the_successful_materializing_statements_generated(
    demo, fetcher, start_day, days
):
    history = demo.history
    day0 = history.start if start_day >= 0 else history.end
    start = day0 + timedelta(days=start_day)
    end = history.end if days is None else start + timedelta(days=days)

    count = fetcher.count_materializing(start, end)

    assert count == generated_count(history, start, end) > 0


def test_the_count_uses_the_given_types(demo, fetcher):
    history = demo.history
    copies = sum(
        1
        for row in history.query_history
        if row["QUERY_TYPE"] == "COPY" and row["EXECUTION_STATUS"] == "SUCCESS"
    )
    alters = sum(1 for row in history.query_history if row["QUERY_TYPE"].startswith("ALTER_"))

    assert fetcher.count_materializing(history.start, history.end, query_types=["COPY"]) == copies
    # A type counts its `_` variants too: ALTER is ALTER_TABLE_ADD_COLUMN.
    assert fetcher.count_materializing(history.start, history.end, query_types=["ALTER"]) == alters


# --- runs ---------------------------------------------------------------------------


def test_a_run_records_the_count_and_accounts_for_every_statement(
    embedded_store, demo_source_row, demo
):
    end = demo.history.end
    run = ingest_window(
        source=demo_source_row,
        window_start=end - timedelta(days=1),
        window_end=end,
        store=embedded_store,
    )

    assert run.warehouse_statements == generated_count(demo.history, run.window_start, end)
    figure = run_completeness(run=run)
    assert figure.missing == 0 and figure.complete
    assert figure.with_lineage + figure.excluded == run.warehouse_statements
    assert figure.summary.endswith("— none missing")


def test_a_statement_that_fails_to_parse_is_the_gap(
    embedded_store, demo_source_row, demo, extra_history, client, django_user_model
):
    at = demo.history.end + timedelta(days=5)
    kpis = "SELECT KPI_DATE FROM MARTS.FINANCE_KPIS"
    extra_history("q-ctas", f"CREATE OR REPLACE TABLE MARTS.T_DAILY AS {kpis}", at)
    extra_history("q-insert", f"INSERT INTO MARTS.T_DAILY {kpis}", at, query_type="INSERT")
    extra_history("q-broken", "INSERT INTO MARTS.T_DAILY SELECT ((( FROM", at, query_type="INSERT")
    extra_history("q-temp", "CREATE TEMPORARY TABLE TMP_KPIS AS SELECT 1 AS A", at)
    extra_history("q-failed", f"CREATE TABLE MARTS.T_NEVER AS {kpis}", at, status="FAIL")
    extra_history("q-select", kpis, at, query_type="SELECT")

    run = ingest_window(
        source=demo_source_row,
        window_start=at - timedelta(hours=1),
        window_end=at + timedelta(hours=1),
        store=embedded_store,
    )

    # The failed CTAS and the SELECT are not counted on either side.
    assert run.warehouse_statements == 4
    assert (run.statements_with_lineage, run.statements_excluded) == (2, 1)
    figure = run_completeness(run=run)
    assert figure.missing == 1 and figure.percent_missing == 25.0
    assert figure.summary == (
        "2 of 4 materializing statements produced lineage, 1 left out on purpose"
        " — 1 missing (25.00 %)"
    )
    [failure] = run.failures.all()
    assert failure.query_id == "q-broken"

    client.force_login(django_user_model.objects.create_user("ada", password="pw"))
    html = client.get(reverse("ingestion_run_detail", kwargs={"pk": run.pk})).content.decode()
    assert figure.summary in html
    assert '<a href="#failures">See the 1 statement that could not be used' in html
    assert "q-broken" in html


def test_a_count_that_fails_leaves_the_run_unchecked_not_failed(
    embedded_store, demo_source_row, demo, monkeypatch
):
    def refuse(*args, **kwargs):
        raise snowflake.connector.errors.ProgrammingError("Insufficient privileges")

    monkeypatch.setattr(SnowflakeSource, "count_materializing", refuse)
    end = demo.history.end

    run = ingest_window(
        source=demo_source_row,
        window_start=end - timedelta(hours=6),
        window_end=end,
        store=embedded_store,
    )

    assert run.status == IngestionRun.Status.SUCCEEDED and run.warehouse_statements is None
    assert run_completeness(run=run) is None
    assert runs_completeness(runs=IngestionRun.objects.filter(pk=run.pk)) is None


def test_a_backfill_sums_the_checked_runs(embedded_store, demo_source_row, demo):
    end = demo.history.end
    runs = [
        ingest_window(
            source=demo_source_row,
            window_start=end - timedelta(hours=12 * (i + 1)),
            window_end=end - timedelta(hours=12 * i),
            store=embedded_store,
        )
        for i in range(2)
    ]

    figure = runs_completeness(runs=IngestionRun.objects.filter(pk__in=[r.pk for r in runs]))

    assert figure.runs_checked == 2 and figure.runs_unchecked == 0
    expected = generated_count(demo.history, end - timedelta(days=1), end)
    assert figure.warehouse_statements == expected
    assert figure.summary.startswith(f"{figure.with_lineage:,} of {expected:,} materializing")


def test_the_ingest_command_ends_with_the_completeness_figure(embedded_store, demo_source_row):
    out = io.StringIO()

    call_command(
        "ingest", demo_source_row.name, "--backfill-days", "1", "--window-hours", "12", stdout=out
    )

    runs = Backfill.objects.get().runs.all()
    figure = runs_completeness(runs=runs)
    assert figure.runs_checked == 2
    last = out.getvalue().splitlines()[-1]
    assert last == f"Completeness: {figure.summary}"
    assert "materializing statements produced lineage" in last


# --- the figure ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "summary"),
    [
        (
            Completeness(17_560, 17_556, 0, 4),
            "17,556 of 17,560 materializing statements produced lineage — 4 missing (0.02 %)",
        ),
        (
            Completeness(2_000_000, 1_999_999, 0, 1),
            "1,999,999 of 2,000,000 materializing statements produced lineage"
            " — 1 missing (< 0.01 %)",
        ),
        (
            Completeness(1, 1, 0, 0),
            "1 of 1 materializing statement produced lineage — none missing",
        ),
        (
            Completeness(10, 9, 2, 0),  # more than counted: never a negative gap
            "9 of 10 materializing statements produced lineage, 2 left out on purpose"
            " — none missing",
        ),
    ],
)
def test_the_figure_in_words(figure, summary):
    assert figure.summary == summary


# --- windows that are not in ---------------------------------------------------------------


def unreachable_store():
    """A real Neo4j store whose server is not there: every write fails, as when Neo4j stops."""
    from graph.store.neo4j import Neo4jStore

    return Neo4jStore(uri="bolt://127.0.0.1:9", retry_seconds=0.2)


def test_a_backfill_with_a_failed_window_is_never_complete(
    embedded_store, demo_source_row, demo, client, django_user_model
):
    end = demo.history.end
    days = [(end - timedelta(days=n + 1), end - timedelta(days=n)) for n in reversed(range(3))]
    job = backfill(source=demo_source_row, days=3, window_hours=24, end=end)
    first, middle, last = job.runs.order_by("window_start")
    down = unreachable_store()

    for run, store in ((first, embedded_store), (middle, down), (last, embedded_store)):
        with contextlib.suppress(Exception):
            run_execute(run=run, store=store)
    down.close()

    middle.refresh_from_db()
    assert middle.status == IngestionRun.Status.FAILED
    # The warehouse still answered: the failed window's statements are counted as missing.
    in_middle = generated_count(demo.history, *days[1])
    assert middle.warehouse_statements == in_middle > 0
    figure = runs_completeness(runs=job.runs.all())
    assert not figure.complete and figure.windows_missing == 1
    assert figure.missing >= in_middle
    assert figure.ran == generated_count(demo.history, days[0][0], end)
    assert "none missing" not in figure.summary
    assert f"1 window not ingested (failed or not yet run) holding {in_middle:,}" in figure.summary
    # "Synced up to" stops before the failed window, though the next one succeeded.
    demo_source_row.refresh_from_db()
    assert demo_source_row.watermark == days[0][1]

    client.force_login(django_user_model.objects.create_user("ada", password="pw"))
    html = client.get(reverse("home")).content.decode()
    assert "Last ingestion" in html and "status-failed" in html
    assert f"backfill #{job.pk}: 1 of 3 windows not in" in html


def test_a_statement_the_parser_cannot_read_is_missing_with_its_query_id(
    embedded_store, demo_source_row, demo, extra_history, client, django_user_model
):
    at = demo.history.end + timedelta(days=6)
    kpis = "SELECT KPI_DATE FROM MARTS.FINANCE_KPIS"
    extra_history("q-good", f"CREATE OR REPLACE TABLE MARTS.T_GOOD AS {kpis}", at)
    # Parsed as opaque commands: no error from the parser, and no table either (the SQL
    # that EXECUTE IMMEDIATE runs is in a variable, not in the statement).
    extra_history("q-exec", "EXECUTE IMMEDIATE :STMT", at, query_type="INSERT")
    extra_history("q-call", "CALL MARTS.REFRESH_KPIS()", at, query_type="MERGE")
    start = at - timedelta(hours=1)
    job = backfill(source=demo_source_row, days=1, window_hours=2, end=at + timedelta(hours=1))
    run = job.runs.get(window_start=start)
    run_execute(run=run, store=embedded_store)

    run.refresh_from_db()
    assert run.warehouse_statements == 3 and run.statements_with_lineage == 1
    assert sorted(run.failures.values_list("query_id", flat=True)) == ["q-call", "q-exec"]
    figure = run_completeness(run=run)
    assert (
        figure.missing == 2 and "1 of 3 materializing statements produced lineage" in figure.summary
    )

    client.force_login(django_user_model.objects.create_user("ada", password="pw"))
    html = client.get(reverse("backfill_detail", kwargs={"pk": job.pk})).content.decode()
    assert "2 parse failures: q-exec, q-call" in html or "2 parse failures: q-call, q-exec" in html
