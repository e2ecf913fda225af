"""``telemetry.query_filters`` as the original template writes it (a list) drives ingestion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from graph.ingestion import ingest_window
from lineage_portal.config import apply_environment, load_config

from ..lineage_portal.test_config import TEMPLATE, TEMPLATE_ENV
from .conftest import EMULATOR_NOISE

pytestmark = pytest.mark.filterwarnings(EMULATOR_NOISE)
SF = "snowflake://prod_db"


@pytest.fixture
def template_config():
    config = load_config(TEMPLATE, environ=TEMPLATE_ENV)
    apply_environment(config, {})
    return config


def test_its_query_filters_list_drives_the_ingestion_filter(
    template_config, embedded_store, demo_source_row, demo, extra_history
):
    at = demo.history.end + timedelta(days=5)
    source = "SELECT KPI_DATE FROM MARTS.FINANCE_KPIS"
    extra_history("tpl-ctas", f"CREATE OR REPLACE TABLE MARTS.T_TPL AS {source}", at)
    extra_history(
        "tpl-view",
        f"CREATE OR REPLACE VIEW MARTS.V_TPL AS {source}",
        at + timedelta(minutes=5),
        query_type="CREATE_VIEW",
    )
    extra_history(
        "tpl-alter",
        "ALTER TABLE MARTS.T_TPL ADD COLUMN NOTE TEXT",
        at + timedelta(minutes=10),
        query_type="ALTER_TABLE_ADD_COLUMN",
    )
    window = {"window_start": at, "window_end": at + timedelta(hours=1)}

    with override_settings(LINEAGE_CONFIG=template_config):
        run = ingest_window(source=demo_source_row, store=embedded_store, **window)
    # CTAS and ALTER_TABLE_… are listed (ALTER_TABLE matches its variants); CREATE_VIEW is not.
    assert (run.statements_kept, run.statements_filtered) == (2, 1)
    assert embedded_store.get_dataset(f"{SF}.marts.t_tpl") is not None
    assert embedded_store.get_dataset(f"{SF}.marts.v_tpl") is None

    run = ingest_window(source=demo_source_row, store=embedded_store, **window)  # today's defaults
    assert (run.statements_kept, run.statements_filtered) == (3, 0)
    assert embedded_store.get_dataset(f"{SF}.marts.v_tpl") is not None
