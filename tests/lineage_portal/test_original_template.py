"""The original configuration template, copied as written, drives the engine.

Its ingestion filter is exercised in tests/graph/test_query_filters_config.py, its alerts
in tests/governance/alerts/.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from graph.store import build_store, reset_store
from lineage_portal.config import apply_environment, load_config

from .test_config import ROOT, TEMPLATE, TEMPLATE_ENV


@pytest.fixture
def template_config():
    config = load_config(TEMPLATE, environ=TEMPLATE_ENV)
    apply_environment(config, {})
    return config


def test_its_connections_become_the_settings_in_effect():
    code = (
        "from django.conf import settings as s; "
        "print(s.NEO4J_URI, s.NEO4J_AUTH, s.SNOWFLAKE['role'], "
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'])"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**env, "LINEAGE_CONFIG": str(TEMPLATE), **TEMPLATE_ENV},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "bolt://localhost:7687",
        "neo4j/s3cret",
        "LINEAGE_OBSERVER",
        "django.db.backends.postgresql",
        "lineage",
    ]


def test_its_graph_type_picks_the_backend(template_config, neo4j_uri, db):
    with override_settings(LINEAGE_CONFIG=template_config, NEO4J_URI=neo4j_uri):
        store = build_store(auth=settings.TEST_NEO4J_AUTH)
        assert store.name == "neo4j"
        store.close()
    embedded = {**template_config, "graph": {**template_config["graph"], "type": "embedded"}}
    with override_settings(LINEAGE_CONFIG=embedded, NEO4J_URI=neo4j_uri):
        assert build_store().name == "embedded"


def test_graph_schema_creates_its_indexes(template_config, neo4j_uri):
    out = io.StringIO()
    reset_store()
    try:
        with override_settings(
            LINEAGE_CONFIG=template_config,
            NEO4J_URI=neo4j_uri,
            NEO4J_AUTH=settings.TEST_NEO4J_AUTH,
        ):
            call_command("graph_schema", stdout=out)
    finally:
        reset_store()
    lines = out.getvalue().splitlines()
    assert any("constraint lineage_dataset_key" in line and "skipped" not in line for line in lines)
    assert any("constraint lineage_column_key" in line and "skipped" not in line for line in lines)
    # Listed in no graph.indexes entry, an optional index is left out and the output says so.
    assert "neo4j: skipped index lineage_dataset_object_id (not in graph.indexes)" in lines
