"""The YAML configuration: interpolation, defaults, the original template, and named errors."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from graph.store.neo4j import cypher
from lineage_portal.config import DEFAULTS, ConfigError, engine, load_config, validate_config
from lineage_portal.config.schema import GRAPH_INDEXES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "tests" / "fixtures" / "original-template.config.yaml"
TEMPLATE_ENV = {
    "NEO4J_USER": "neo4j",
    "NEO4J_PASSWORD": "s3cret",
    "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lineage-engine.config.yaml"
    path.write_text(text)
    return path


def manage_check(**environ) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local"}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_repo_config_loads_with_documented_defaults():
    config = load_config(ROOT / "lineage-engine.config.yaml", environ={})
    assert config["telemetry"]["backfill_days"] == 90
    assert config["telemetry"]["scan_interval_minutes"] == 15
    assert config["telemetry"]["retry"] == {
        "attempts": 3,
        "backoff_seconds": 5,
        "backoff_max_seconds": 300,
        "jitter": True,
    }
    assert config["telemetry"]["lease_seconds"] == 60
    assert config["telemetry"]["visibility_timeout_seconds"] == 1800
    assert config["compliance"]["risk_thresholds"]["pii_exposure"] == "HIGH"
    assert config["monitoring"]["slack_webhook"] == ""
    assert config["graph"]["type"] == "auto"


def test_the_original_template_loads_as_written():
    config = load_config(TEMPLATE, environ=TEMPLATE_ENV)
    assert config["telemetry"]["provider"] == "snowflake"
    assert config["telemetry"]["role"] == "LINEAGE_OBSERVER"
    assert config["telemetry"]["query_filters"]["include_types"] == [
        "CREATE_TABLE_AS_SELECT",
        "INSERT",
        "MERGE",
        "ALTER_TABLE",
    ]
    # The rest of the filter keeps its defaults.
    assert config["telemetry"]["query_filters"]["exclude_temporary"] is True
    assert config["graph"]["type"] == "neo4j"
    assert config["graph"]["uri"] == "bolt://localhost:7687"
    assert config["graph"]["credentials"] == "neo4j/s3cret"
    assert config["graph"]["indexes"] == ["dataset_key", "column_key"]
    assert config["compliance"]["classification_db"].startswith("postgresql://lineage@")
    assert config["compliance"]["risk_tags"]["pii_exposure"] == [
        "pii",
        "gdpr",
        "ccpa",
        "hipaa",
        "phi",
    ]
    assert config["monitoring"]["slack_webhook"] == "http://127.0.0.1:9/hook"
    assert config["monitoring"]["alert_on"] == [
        "unmasked_pii_path",
        "failed_backfill",
        "steward_missing",
    ]


def test_the_original_template_passes_check():
    result = manage_check(LINEAGE_CONFIG=str(TEMPLATE), **TEMPLATE_ENV)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_says_the_environment_wins_where_they_disagree():
    result = manage_check(
        LINEAGE_CONFIG=str(TEMPLATE),
        NEO4J_URI="bolt://127.0.0.1:7688",
        NEO4J_AUTH="reader/other-secret",
        SNOWFLAKE_ROLE="LINEAGE_READER",
        DATABASE_URL="postgres://portal:pw@127.0.0.1:54329/portal",
        **TEMPLATE_ENV,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout + result.stderr
    for key, variable in [
        ("graph.uri", "NEO4J_URI"),
        ("graph.credentials", "NEO4J_AUTH"),
        ("telemetry.role", "SNOWFLAKE_ROLE"),
        ("compliance.classification_db", "DATABASE_URL"),
    ]:
        line = next(line for line in out.splitlines() if f"{key} in the configuration" in line)
        assert variable in line and f"{variable} is in effect" in line
    assert "bolt://localhost:7687" in out and "bolt://127.0.0.1:7688" in out
    # Secrets are told apart, never shown.
    assert "s3cret" not in out and "other-secret" not in out and ":pw@" not in out


def test_a_webhook_in_the_file_gives_way_to_the_environment(tmp_path):
    path = write(tmp_path, "monitoring:\n  slack_webhook: http://127.0.0.1:9/services/T1/B1/file\n")
    result = manage_check(
        LINEAGE_CONFIG=str(path), SLACK_WEBHOOK_URL="http://127.0.0.1:9/services/T2/B2/env"
    )
    assert "monitoring.slack_webhook in the configuration file" in result.stderr + result.stdout
    assert "SLACK_WEBHOOK_URL is in effect" in result.stderr + result.stdout
    assert "/file" not in result.stderr + result.stdout  # the secret path is not shown


def test_check_refuses_neo4j_without_a_uri(tmp_path):
    path = write(tmp_path, "graph:\n  type: neo4j\n")
    result = manage_check(LINEAGE_CONFIG=str(path))
    assert result.returncode != 0
    assert "lineage.E001" in result.stderr and "graph.uri" in result.stderr


def test_variables_are_interpolated_from_the_environment(tmp_path):
    path = write(
        tmp_path,
        "monitoring:\n  slack_webhook: ${HOOK}\ntelemetry:\n  backfill_days: ${DAYS:-30}\n",
    )
    config = load_config(path, environ={"HOOK": "http://127.0.0.1:9/hook"})
    assert config["monitoring"]["slack_webhook"] == "http://127.0.0.1:9/hook"
    assert config["telemetry"]["backfill_days"] == 30


def test_unset_variable_is_an_error_naming_it(tmp_path):
    path = write(tmp_path, "monitoring:\n  slack_webhook: ${HOOK_URL}\n")
    with pytest.raises(ConfigError, match="HOOK_URL"):
        load_config(path, environ={})


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"telemetry": {"backfil_days": 10}}, "unknown key 'telemetry.backfil_days'"),
        ({"graf": {}}, "unknown key 'graf'"),
        (
            {"telemetry": {"retry": {"attempts": "many"}}},
            "telemetry.retry.attempts: expected a whole number",
        ),
        ({"graph": {"max_depth": "deep"}}, "graph.max_depth: expected a whole number"),
        ({"graph": {"indexes": "dataset_key"}}, "graph.indexes: expected a list"),
        ({"graph": {"indexes": ["dataset_key", "colum_key"]}}, "graph.indexes[1]"),
        (
            {"telemetry": {"query_filters": ["INSERT", "SELECT"]}},
            "telemetry.query_filters.include_types[1]",
        ),
        ({"telemetry": {"query_filters": "INSERT"}}, "telemetry.query_filters: expected a mapping"),
        (
            {"compliance": {"risk_thresholds": {"pii_exposure": "SEVERE"}}},
            "compliance.risk_thresholds.pii_exposure",
        ),
        (
            {"compliance": {"risk_levels": {"pii_exposure": "SEVERE"}}},
            "compliance.risk_levels (compliance.risk_thresholds).pii_exposure",
        ),
        ({"compliance": {"risk_tags": {"health": ["phi"]}}}, "compliance.risk_tags.health"),
        ({"compliance": {"risk_tags": {"financial_data": ["pii"]}}}, "compliance.risk_tags"),
        ({"telemetry": {"window_hours": 48}}, "telemetry.window_hours"),
        ({"telemetry": {"lease_seconds": 0}}, "telemetry.lease_seconds"),
        ({"telemetry": {"retry": {"attempts": 0}}}, "telemetry.retry.attempts: at least 1"),
        (
            {"telemetry": {"retry": {"backoff_max_seconds": 1800}}},
            "telemetry.retry.backoff_max_seconds: must be shorter than",
        ),
        ({"telemetry": {"provider": "oracle"}}, "telemetry.provider"),
        ({"graph": {"type": "memgraph"}}, "graph.type"),
        ({"graph": {"backend": "memgraph"}}, "graph.backend (graph.type)"),
        ({"graph": {"credentials": "justuser"}}, "graph.credentials"),
        ({"graph": {"uri": "http://localhost:7474"}}, "graph.uri"),
        ({"compliance": {"classification_db": "mysql://x/y"}}, "compliance.classification_db"),
        (
            {"compliance": {"steward_enforcement": "sometimes"}},
            "compliance.steward_enforcement: expected true or false",
        ),
        (
            {"monitoring": {"alert_on": ["unmasked_pii_path", "disk_full"]}},
            "monitoring.alert_on[1]",
        ),
        ({"monitoring": {"slack_webhook": "hooks.slack.com/x"}}, "monitoring.slack_webhook"),
        (
            {"monitoring": {"email": {"to": "a@example.com"}}},
            "monitoring.email.to: expected a list",
        ),
        ({"graph": {"type": "neo4j", "backend": "embedded"}}, "graph.backend and graph.type"),
    ],
)
def test_bad_keys_and_values_are_named(raw, named):
    with pytest.raises(ConfigError) as caught:
        validate_config(raw)
    assert named in str(caught.value)


def test_older_key_names_are_aliases():
    config = validate_config(
        {
            "telemetry": {"warehouse": "postgres"},
            "graph": {"backend": "embedded"},
            "compliance": {"risk_levels": {"pii_exposure": "medium", "public_data": "low"}},
            "monitoring": {
                "slack_webhook_url": "http://127.0.0.1:9/h",
                "alert_email": "a@example.com, b@example.com",
                "alert_on": ["pii_exposure"],
            },
        }
    )
    assert config["telemetry"]["provider"] == "postgres"
    assert config["graph"]["type"] == "embedded"
    assert config["compliance"]["risk_thresholds"] == {
        "pii_exposure": "MEDIUM",
        "public_data": "LOW",
    }
    # A risk key no longer in the thresholds drops its default tags.
    assert set(config["compliance"]["risk_tags"]) == {"pii_exposure", "public_data"}
    assert config["monitoring"]["slack_webhook"] == "http://127.0.0.1:9/h"
    assert config["monitoring"]["email"]["to"] == ["a@example.com", "b@example.com"]
    assert config["monitoring"]["alert_on"] == ["unmasked_pii_path"]


def test_partial_sections_keep_other_defaults():
    config = validate_config({"telemetry": {"backfill_days": 7}})
    assert config["telemetry"]["backfill_days"] == 7
    assert config["telemetry"]["query_filters"] == DEFAULTS["telemetry"]["query_filters"]


def test_risk_comes_from_tags_through_a_configurable_map():
    risk = engine().compliance
    assert risk.risk_level(["gdpr", "pii"]) == "HIGH"
    assert risk.risk_level(["sox"]) == "MEDIUM"
    assert risk.risk_level(["PCI", "marketing"]) == "MEDIUM"
    assert risk.risk_level([]) == "LOW" and risk.risk_key([]) == "public_data"
    custom = validate_config(
        {
            "compliance": {
                "risk_thresholds": {"pii_exposure": "HIGH", "health": "HIGH", "rest": "LOW"},
                "risk_tags": {"pii_exposure": ["pii"], "health": ["hipaa", "phi"], "rest": []},
            }
        }
    )
    with override_settings(LINEAGE_CONFIG=custom):
        assert engine().compliance.risk_key(["hipaa"]) == "health"
        assert engine().compliance.risk_key(["gdpr"]) == "rest"
        assert engine().compliance.risk_level(["gdpr"]) == "LOW"


def test_engine_is_typed_frozen_and_follows_the_settings():
    import dataclasses

    config = engine()
    assert config.telemetry.retry.attempts == 3
    assert config.telemetry.retry.backoff_max_seconds == 300
    assert config.telemetry.lease_seconds == 60
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.telemetry.window_hours = 1  # type: ignore[misc]
    changed = validate_config({"telemetry": {"window_hours": 6}})
    with override_settings(LINEAGE_CONFIG=changed):
        assert engine().telemetry.window_hours == 6
    assert engine().telemetry.window_hours == 24


def test_graph_index_names_are_the_stores():
    assert set(GRAPH_INDEXES) == set(cypher.SCHEMA_NAMES)


def test_bad_setting_stops_startup_with_its_name(tmp_path):
    result = manage_check(NEO4J_URI="http://127.0.0.1:7474")
    assert result.returncode != 0
    assert "NEO4J_URI" in result.stderr

    bad = write(tmp_path, "telemetry:\n  scan_intervall_minutes: 5\n")
    result = manage_check(LINEAGE_CONFIG=str(bad))
    assert result.returncode != 0
    assert "telemetry.scan_intervall_minutes" in result.stderr
