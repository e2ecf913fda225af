"""Where the file and the environment name the same connection, the environment wins.

The file says how the engine behaves; the environment says where it runs. Connection
strings and secrets are set per deployment (a container's environment, a secret store),
so a value there overrides the file's. Each disagreement is kept, and ``manage.py check``
reports it naming both sides and which one is in effect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# (dotted key in the file, environment variable, is it a secret?)
CONNECTIONS = (
    ("graph.uri", "NEO4J_URI", False),
    ("graph.credentials", "NEO4J_AUTH", True),
    ("telemetry.role", "SNOWFLAKE_ROLE", False),
    ("compliance.classification_db", "DATABASE_URL", True),
    ("monitoring.slack_webhook", "SLACK_WEBHOOK_URL", True),
)


@dataclass(frozen=True)
class Disagreement:
    """A connection the file and the environment both set, to different values."""

    key: str
    variable: str
    file_value: str
    env_value: str

    @property
    def message(self) -> str:
        return (
            f"{self.key} in the configuration file ({self.file_value}) and the environment "
            f"variable {self.variable} ({self.env_value}) disagree; {self.variable} is in effect"
        )


def apply_environment(config: dict[str, Any], environ: dict[str, str]) -> list[Disagreement]:
    """Write the environment's value into ``config`` where it is set; list the disagreements."""
    found = []
    for dotted, variable, secret in CONNECTIONS:
        section, key = dotted.split(".")
        file_value = config[section][key]
        env_value = (environ.get(variable) or "").strip()
        if not env_value:
            continue
        if file_value and _normal(variable, file_value) != _normal(variable, env_value):
            show = _masked if secret else str
            found.append(Disagreement(dotted, variable, show(file_value), show(env_value)))
        config[section][key] = "" if env_value == "none" else env_value
    return found


def _normal(variable: str, value: str) -> str:
    if variable == "NEO4J_AUTH":
        return "" if value in {"none", "/"} else value
    return value.rstrip("/")


def _masked(value: str) -> str:
    """Enough of a secret to tell two apart, never the secret itself."""
    if value == "none":
        return "none (no authentication)"
    if "://" not in value:
        user = value.partition("/")[0]
        return f"{user}/***" if user else "***"
    parts = urlsplit(value)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}:***@" if parts.username else ""
    tail = re.sub(r"[^/]+$", "…", parts.path) if parts.scheme.startswith("http") else parts.path
    return f"{parts.scheme}://{user}{host}{port}{tail}"
