"""The lineage engine's YAML configuration: loaded once, `${VAR}`-interpolated, validated.

Every key is known in advance; an unknown key or a value of the wrong kind is an error
that names the key by its dotted path, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """The configuration file is missing, malformed, or has a bad key."""


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

RISK_LEVELS = ("HIGH", "MEDIUM", "LOW")

# The schema is the defaults: each leaf's type is the type of its default value.
DEFAULTS: dict[str, Any] = {
    "telemetry": {
        "warehouse": "snowflake",
        "backfill_days": 90,
        "scan_interval_minutes": 15,
        "window_hours": 24,
        "batch_size": 5000,
        "retry": {"attempts": 3, "backoff_seconds": 5, "backoff_max_seconds": 300, "jitter": True},
        # A running window's lease: heartbeats renew it every quarter of it; a window whose
        # lease ran out (its process was killed) is swept, queued again or failed.
        "lease_seconds": 60,
        # How long the broker keeps a delivered message unacknowledged before it sends it
        # again, and how long a queued window may wait before the sweeper resends it.
        "visibility_timeout_seconds": 1800,
        "query_filters": {
            "include_types": [
                "CREATE_TABLE_AS_SELECT",
                "INSERT",
                "MERGE",
                "UPDATE",
                "COPY",
                "CREATE_VIEW",
                "ALTER",
                "RENAME",
            ],
            "exclude_temporary": True,
            "exclude_users": [],
            "successful_only": False,
        },
    },
    "graph": {"backend": "auto", "max_depth": 10, "write_batch_size": 1000},
    "compliance": {
        "review_cycle_days": 90,
        "steward_enforcement": True,
        "regulated_tags": ["pii", "financial", "phi", "pci", "hipaa", "gdpr", "ccpa", "sox"],
        "risk_levels": {"pii_exposure": "HIGH", "financial_data": "MEDIUM", "public_data": "LOW"},
    },
    "monitoring": {
        "slack_webhook_url": "",
        "alert_email": "",
        "alert_on": ["failed_backfill", "pii_exposure"],
    },
}

_FREE_FORM = {("compliance", "risk_levels")}


def interpolate(text: str, environ: dict[str, str]) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}``; an unset variable without default is an error."""

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"environment variable {name} is referenced but not set")

    return _VAR.sub(replace, text)


def load_config(path: str | os.PathLike[str], *, environ: dict[str, str] | None = None) -> dict:
    """Read, interpolate and validate the file; a missing default file means all defaults."""
    environ = dict(os.environ) if environ is None else environ
    file = Path(path)
    if not file.exists():
        if "LINEAGE_CONFIG" in environ:
            raise ConfigError(f"file {file} does not exist")
        return copy.deepcopy(DEFAULTS)
    try:
        raw = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}") from exc
    return validate_config(_interpolate_values(raw, environ))


def _interpolate_values(value: Any, environ: dict[str, str]) -> Any:
    # Values, not the raw text: a `${VAR}` in a comment must not demand a variable.
    if isinstance(value, str):
        return interpolate(value, environ)
    if isinstance(value, dict):
        return {key: _interpolate_values(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate_values(item, environ) for item in value]
    return value


def validate_config(raw: Any) -> dict:
    """Merge ``raw`` over the defaults, rejecting unknown keys and wrong types by name."""
    if not isinstance(raw, dict):
        raise ConfigError("the top level must be a mapping of sections")
    config = _merge(DEFAULTS, raw, path=())
    risk = config["compliance"]["risk_levels"]
    for name, level in risk.items():
        if str(level).upper() not in RISK_LEVELS:
            raise ConfigError(
                f"compliance.risk_levels.{name}: {level!r} is not one of {', '.join(RISK_LEVELS)}"
            )
        risk[name] = str(level).upper()
    telemetry = config["telemetry"]
    for key in (
        "backfill_days",
        "scan_interval_minutes",
        "window_hours",
        "batch_size",
        "lease_seconds",
        "visibility_timeout_seconds",
    ):
        if telemetry[key] <= 0:
            raise ConfigError(f"telemetry.{key}: must be a positive number")
    retry = telemetry["retry"]
    if retry["attempts"] < 1:
        raise ConfigError("telemetry.retry.attempts: at least 1 (the first attempt counts)")
    if retry["backoff_max_seconds"] >= telemetry["visibility_timeout_seconds"]:
        # A retry waiting longer than the visibility timeout would be delivered twice.
        raise ConfigError(
            "telemetry.retry.backoff_max_seconds: must be shorter than "
            "telemetry.visibility_timeout_seconds"
        )
    if config["telemetry"]["window_hours"] > 24:
        raise ConfigError("telemetry.window_hours: at most 24 (query windows of at most a day)")
    if config["graph"]["backend"] not in {"auto", "neo4j", "embedded"}:
        raise ConfigError("graph.backend: must be one of auto, neo4j, embedded")
    return config


def _merge(defaults: dict, given: dict, *, path: tuple[str, ...]) -> dict:
    result = copy.deepcopy(defaults)
    for key, value in given.items():
        dotted = ".".join((*path, str(key)))
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise ConfigError(f"unknown key {dotted!r} (known here: {known})")
        default = defaults[key]
        if (*path, key) in _FREE_FORM:
            if not isinstance(value, dict):
                raise ConfigError(f"{dotted}: must be a mapping")
            result[key] = dict(value)
        elif isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{dotted}: must be a mapping")
            result[key] = _merge(default, value, path=(*path, key))
        else:
            result[key] = _coerce(dotted, default, value)
    return result


def _coerce(dotted: str, default: Any, value: Any) -> Any:
    expected = type(default)
    if expected is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in {"true", "false"}:
            return str(value).lower() == "true"
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
    elif expected is list:
        if isinstance(value, list):
            return value
    elif expected is str:
        if value is None:
            return ""
        if isinstance(value, (str, int, float)):
            return str(value)
    raise ConfigError(f"{dotted}: expected {expected.__name__}, got {value!r}")
