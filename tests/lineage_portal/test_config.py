"""The seed-style YAML config: interpolation, defaults, and errors that name the bad key."""

import subprocess
import sys
from pathlib import Path

import pytest

from lineage_portal.config import DEFAULTS, ConfigError, load_config, validate_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lineage-engine.config.yaml"
    path.write_text(text)
    return path


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
    assert config["compliance"]["risk_levels"]["pii_exposure"] == "HIGH"
    assert config["monitoring"]["slack_webhook_url"] == ""


def test_variables_are_interpolated_from_the_environment(tmp_path):
    path = write(
        tmp_path,
        "monitoring:\n  slack_webhook_url: ${HOOK}\ntelemetry:\n  backfill_days: ${DAYS:-30}\n",
    )
    config = load_config(path, environ={"HOOK": "http://127.0.0.1:9/hook"})
    assert config["monitoring"]["slack_webhook_url"] == "http://127.0.0.1:9/hook"
    assert config["telemetry"]["backfill_days"] == 30


def test_unset_variable_is_an_error_naming_it(tmp_path):
    path = write(tmp_path, "monitoring:\n  alert_email: ${ALERT_TO}\n")
    with pytest.raises(ConfigError, match="ALERT_TO"):
        load_config(path, environ={})


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"telemetry": {"backfil_days": 10}}, "telemetry.backfil_days"),
        ({"graf": {}}, "graf"),
        ({"telemetry": {"retry": {"attempts": "many"}}}, "telemetry.retry.attempts"),
        (
            {"compliance": {"risk_levels": {"pii_exposure": "SEVERE"}}},
            "compliance.risk_levels.pii_exposure",
        ),
        ({"telemetry": {"window_hours": 48}}, "telemetry.window_hours"),
        ({"graph": {"backend": "memgraph"}}, "graph.backend"),
        ({"compliance": {"steward_enforcement": "sometimes"}}, "compliance.steward_enforcement"),
    ],
)
def test_bad_keys_and_values_are_named(raw, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        validate_config(raw)


def test_partial_sections_keep_other_defaults():
    config = validate_config({"telemetry": {"backfill_days": 7}})
    assert config["telemetry"]["backfill_days"] == 7
    assert config["telemetry"]["query_filters"] == DEFAULTS["telemetry"]["query_filters"]


def test_bad_setting_stops_startup_with_its_name(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "NEO4J_URI": "http://127.0.0.1:7474"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "NEO4J_URI" in result.stderr

    bad = write(tmp_path, "telemetry:\n  scan_intervall_minutes: 5\n")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**env, "LINEAGE_CONFIG": str(bad)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "telemetry.scan_intervall_minutes" in result.stderr
