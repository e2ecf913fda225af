"""The lineage engine's YAML configuration (``lineage-engine.config.yaml``).

``load_config`` reads and validates the file (settings do this once, at start-up);
``engine()`` is how the rest of the code reads the configuration in effect.
"""

from .environment import Disagreement, apply_environment
from .loading import ConfigError, interpolate, load_config, validate_config
from .schema import DEFAULTS, RISK_LEVELS
from .typed import Engine, build_engine, engine

__all__ = [
    "DEFAULTS",
    "RISK_LEVELS",
    "ConfigError",
    "Disagreement",
    "Engine",
    "apply_environment",
    "build_engine",
    "engine",
    "interpolate",
    "load_config",
    "validate_config",
]
