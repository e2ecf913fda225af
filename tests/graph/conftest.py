"""Fixtures for the ingestion tests: the demo Snowflake emulator, served in this process.

Tests read it only through the real connector. A short history (DEMO_DAYS) keeps the
suite quick; its end is fixed once per session so that every server started in the
session serves exactly the same rows.
"""

from __future__ import annotations

import pytest

# The demo emulator fixtures live in tests/conftest.py (governance tests use them too).
from tests.conftest import DEMO_DAYS, EMULATOR_NOISE  # noqa: E402, F401


@pytest.fixture
def demo_source_row(db, demo):
    """The ``demo-snowflake`` Source, pointing at the session's emulator."""
    from graph.demo import demo_source

    return demo_source(demo)


# --- OpenLineage: the endpoint's store, a producer's token, the real client ---------------


@pytest.fixture
def app_store(embedded_store):
    """The store the endpoint uses (``get_store()``), rebuilt on the empty test database."""
    from graph import store as graph_store

    graph_store.reset_store()
    yield graph_store.get_store()
    graph_store.reset_store()


@pytest.fixture
def token(db) -> str:
    """A producer's DRF token, made the way the docs tell users to: ``drf_create_token``."""
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("lineage_producer", "airflow")
    call_command("drf_create_token", "airflow")
    return Token.objects.get(user__username="airflow").key


@pytest.fixture
def emit(live_server, token):
    """Send events with the real OpenLineage client over HTTP, as Airflow or dbt would."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport

    def send(*events, compression=None):
        config = HttpConfig(
            url=live_server.url,
            endpoint="api/v1/lineage",
            auth=ApiKeyTokenProvider({"apiKey": token}),
            compression=compression,
        )
        client = OpenLineageClient(transport=HttpTransport(config))
        for event in events:
            client.emit(event)  # raises on any non-2xx answer
        client.close()

    return send


# --- dbt: artifacts a real dbt build writes ------------------------------------------------


@pytest.fixture(scope="session")
def dbt_target(tmp_path_factory):
    """manifest.json, run_results.json and catalog.json, fresh from a real ``dbt build``."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("dbt-artifacts")
    done = subprocess.run(
        ["bash", str(root / "scripts" / "dbt-artifacts.sh"), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


@pytest.fixture
def artifacts_dir(dbt_target, tmp_path):
    """A private copy of the artifacts, for tests that damage them."""
    import shutil
    from pathlib import Path

    return Path(shutil.copytree(dbt_target, tmp_path / "target"))


@pytest.fixture
def dbt_source(db):
    from graph.models import Source

    return Source.objects.create(name="shop-dbt", kind=Source.Kind.DBT)
