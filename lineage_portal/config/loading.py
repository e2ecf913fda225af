"""Reading the YAML file: ``${VAR}`` interpolation, aliases folded, defaults merged, checked.

Every key is known in advance; an unknown key or a value of the wrong kind is an error
that names the key by its dotted path (and, for a wrong type, the type expected), so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import yaml

from . import schema
from .schema import ALIASES, DEFAULTS, FREE_FORM


class ConfigError(ValueError):
    """The configuration file is missing, malformed, or has a bad key."""


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_TYPE_NAMES = {bool: "true or false", int: "a whole number", list: "a list", str: "a string"}


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


def load_config(
    path: str | os.PathLike[str], *, environ: dict[str, str] | None = None
) -> dict[str, Any]:
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


def validate_config(raw: Any) -> dict[str, Any]:
    """Fold aliases, merge ``raw`` over the defaults, and check every value by its key."""
    if not isinstance(raw, dict):
        raise ConfigError("the top level must be a mapping of sections")
    canonical = _canonical(raw)
    try:
        config = _merge(DEFAULTS, canonical, path=())
        _default_risk_tags(config["compliance"], canonical.get("compliance") or {})
        _check_telemetry(config["telemetry"])
        _check_graph(config["graph"])
        _check_compliance(config["compliance"])
        _check_monitoring(config["monitoring"])
        if config["reports"]["background_rows"] <= 0:
            raise ConfigError("reports.background_rows: must be a positive number")
        for key, value in config["openlineage"].items():
            if value <= 0:
                raise ConfigError(f"openlineage.{key}: must be a positive number")
    except ConfigError as exc:
        raise ConfigError(_as_written(str(exc), raw)) from None
    return config


def _as_written(message: str, raw: dict[str, Any]) -> str:
    """Name a key the way the file spelled it: ``graph.backend (graph.type)``."""
    for (section, old), new in ALIASES.items():
        if isinstance(raw.get(section), dict) and old in raw[section]:
            message = message.replace(f"{section}.{new}", f"{section}.{old} ({section}.{new})", 1)
    return message


# --- older spellings ------------------------------------------------------------------
def _canonical(raw: dict[str, Any]) -> dict[str, Any]:
    """The same configuration with older key names and shapes in their template form."""
    raw = copy.deepcopy(raw)
    for (section, old), new in ALIASES.items():
        part = raw.get(section)
        if isinstance(part, dict) and old in part:
            value = part.pop(old)
            if new in part and part[new] != value:
                raise ConfigError(
                    f"{section}.{old} and {section}.{new} name the same setting and disagree "
                    f"({value!r} vs {part[new]!r}); keep {section}.{new}"
                )
            part[new] = value
    telemetry = raw.get("telemetry")
    if isinstance(telemetry, dict) and isinstance(telemetry.get("query_filters"), list):
        # The original template lists statement kinds; today's form is a mapping.
        telemetry["query_filters"] = {"include_types": telemetry["query_filters"]}
    monitoring = raw.get("monitoring")
    if isinstance(monitoring, dict) and "alert_email" in monitoring:
        _fold_alert_email(monitoring)
    return raw


def _fold_alert_email(monitoring: dict[str, Any]) -> None:
    """``monitoring.alert_email`` (comma-separated) is the older spelling of ``email.to``."""
    value = monitoring.pop("alert_email")
    if not isinstance(value, str | type(None)):
        raise ConfigError(f"monitoring.alert_email: expected a string, got {value!r}")
    addresses = [part.strip() for part in (value or "").split(",") if part.strip()]
    email = monitoring.setdefault("email", {})
    if not isinstance(email, dict):
        return  # _merge names monitoring.email as the bad key
    if "to" in email and addresses and email["to"] != addresses:
        raise ConfigError(
            "monitoring.alert_email and monitoring.email.to name the same setting and disagree"
        )
    email.setdefault("to", addresses)


def _default_risk_tags(compliance: dict[str, Any], given: dict[str, Any]) -> None:
    """Risk keys the file names no tags for keep their default tags (when the key exists)."""
    defaults = DEFAULTS["compliance"]["risk_tags"]
    kept = {k: list(v) for k, v in defaults.items() if k in compliance["risk_thresholds"]}
    compliance["risk_tags"] = {**kept, **(given.get("risk_tags") or {})}


# --- merge ---------------------------------------------------------------------------
def _merge(
    defaults: dict[str, Any], given: dict[str, Any], *, path: tuple[str, ...]
) -> dict[str, Any]:
    result = copy.deepcopy(defaults)
    for key, value in given.items():
        dotted = ".".join((*path, str(key)))
        if key not in defaults:
            known = ", ".join(sorted(defaults))
            raise ConfigError(f"unknown key {dotted!r} (known here: {known})")
        default = defaults[key]
        if (*path, key) in FREE_FORM:
            if not isinstance(value, dict):
                raise ConfigError(f"{dotted}: expected a mapping, got {value!r}")
            result[key] = dict(value)
        elif isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{dotted}: expected a mapping, got {value!r}")
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
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
    raise ConfigError(f"{dotted}: expected {_TYPE_NAMES[expected]}, got {value!r}")


# --- values ---------------------------------------------------------------------------
def _one_of(dotted: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{dotted}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _strings(dotted: str, values: list[Any]) -> list[str]:
    for index, item in enumerate(values):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"{dotted}[{index}]: expected a non-empty string, got {item!r}")
    return [item.strip() for item in values]


def _check_telemetry(telemetry: dict[str, Any]) -> None:
    telemetry["provider"] = _one_of(
        "telemetry.provider", telemetry["provider"].lower(), schema.PROVIDERS
    )
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
    if telemetry["window_hours"] > 24:
        raise ConfigError("telemetry.window_hours: at most 24 (query windows of at most a day)")
    _check_retry(telemetry["retry"], telemetry["visibility_timeout_seconds"])
    filters = telemetry["query_filters"]
    dotted = "telemetry.query_filters.include_types"
    kinds = [kind.upper() for kind in _strings(dotted, filters["include_types"])]
    for index, kind in enumerate(kinds):
        if kind not in schema.STATEMENT_KINDS:
            raise ConfigError(
                f"{dotted}[{index}]: {kind!r} is not a statement kind "
                f"(known: {', '.join(schema.STATEMENT_KINDS)})"
            )
    if not kinds:
        raise ConfigError(f"{dotted}: list at least one statement kind")
    filters["include_types"] = kinds
    filters["exclude_users"] = _strings(
        "telemetry.query_filters.exclude_users", filters["exclude_users"]
    )


def _check_retry(retry: dict[str, Any], visibility_timeout_seconds: int) -> None:
    if retry["attempts"] < 1:
        raise ConfigError("telemetry.retry.attempts: at least 1 (the first attempt counts)")
    for key in ("backoff_seconds", "backoff_max_seconds"):
        if retry[key] < 0:
            raise ConfigError(f"telemetry.retry.{key}: must not be negative")
    if retry["backoff_max_seconds"] >= visibility_timeout_seconds:
        # A retry waiting longer than the visibility timeout would be delivered twice.
        raise ConfigError(
            "telemetry.retry.backoff_max_seconds: must be shorter than "
            "telemetry.visibility_timeout_seconds"
        )


def _check_graph(graph: dict[str, Any]) -> None:
    graph["type"] = _one_of("graph.type", graph["type"].lower(), schema.GRAPH_TYPES)
    uri = graph["uri"].strip()
    if uri and uri.split("://", 1)[0] not in {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s"}:
        raise ConfigError(f"graph.uri: {uri!r} must start with bolt:// or neo4j://")
    graph["uri"] = uri
    credentials = graph["credentials"].strip()
    if credentials in {"/", "none"}:
        credentials = ""  # ${USER}/${PASSWORD} with both unset, or "none": no authentication
    if credentials and "/" not in credentials:
        raise ConfigError("graph.credentials: expected 'user/password'")
    graph["credentials"] = credentials
    if not 1 <= graph["max_depth"] <= 20:
        raise ConfigError("graph.max_depth: must be between 1 and 20")
    if graph["write_batch_size"] <= 0:
        raise ConfigError("graph.write_batch_size: must be a positive number")
    names = _strings("graph.indexes", graph["indexes"])
    for index, name in enumerate(names):
        _one_of(f"graph.indexes[{index}]", name.lower(), schema.GRAPH_INDEXES)
    graph["indexes"] = [name.lower() for name in names]


def _check_compliance(compliance: dict[str, Any]) -> None:
    db = compliance["classification_db"].strip()
    if db and db.split(":", 1)[0] not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"compliance.classification_db: {db!r} must be a sqlite:/// or postgresql:// URL"
        )
    compliance["classification_db"] = db
    if compliance["review_cycle_days"] <= 0:
        raise ConfigError("compliance.review_cycle_days: must be a positive number")
    thresholds = compliance["risk_thresholds"]
    for name, level in thresholds.items():
        dotted = f"compliance.risk_thresholds.{name}"
        thresholds[name] = _one_of(dotted, str(level).upper(), schema.RISK_LEVELS)
    seen: dict[str, str] = {}
    for name, tags in compliance["risk_tags"].items():
        dotted = f"compliance.risk_tags.{name}"
        if name not in thresholds:
            raise ConfigError(f"{dotted}: {name!r} has no level in compliance.risk_thresholds")
        if not isinstance(tags, list):
            raise ConfigError(f"{dotted}: expected a list, got {tags!r}")
        slugs = [tag.lower() for tag in _strings(dotted, tags)]
        for slug in slugs:
            if slug in seen and seen[slug] != name:
                raise ConfigError(f"{dotted}: tag {slug!r} is already listed under {seen[slug]}")
            seen[slug] = name
        compliance["risk_tags"][name] = slugs


def _check_monitoring(monitoring: dict[str, Any]) -> None:
    kinds = []
    for index, kind in enumerate(_strings("monitoring.alert_on", monitoring["alert_on"])):
        kind = schema.ALERT_KIND_ALIASES.get(kind.lower(), kind.lower())
        kinds.append(_one_of(f"monitoring.alert_on[{index}]", kind, schema.ALERT_KINDS))
    monitoring["alert_on"] = list(dict.fromkeys(kinds))
    digest = _strings("monitoring.digest_kinds", monitoring["digest_kinds"])
    for index, kind in enumerate(digest):
        _one_of(f"monitoring.digest_kinds[{index}]", kind.lower(), schema.ALERT_KINDS)
    monitoring["digest_kinds"] = [kind.lower() for kind in digest]
    if not 0 <= monitoring["digest_hour"] <= 23:
        raise ConfigError("monitoring.digest_hour: must be an hour of the day, 0 to 23 (UTC)")
    for key in ("rate_limit_per_hour", "group_seconds"):
        if monitoring[key] < 0:
            raise ConfigError(f"monitoring.{key}: must not be negative")
    hook = monitoring["slack_webhook"].strip()
    if hook and not hook.startswith(("http://", "https://")):
        raise ConfigError("monitoring.slack_webhook: expected an http(s):// URL")
    monitoring["slack_webhook"] = hook
    monitoring["email"]["to"] = _strings("monitoring.email.to", monitoring["email"]["to"])
