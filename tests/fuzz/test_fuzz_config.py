"""The YAML config loader: any file gives a configuration or a ConfigError, nothing else."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from lineage_portal.config import ConfigError, load_config

from .conftest import time_box

KEYS = [
    "telemetry",
    "graph",
    "compliance",
    "monitoring",
    "scan_interval_minutes",
    "backfill_days",
    "retry",
    "attempts",
    "backoff_seconds",
    "review_cycle_days",
    "risk_thresholds",
    "pii_exposure",
    "neo4j",
    "uri",
    "${SECRET}",
    "${MISSING}",
    "x",
]

values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=20),
        st.sampled_from(["${SECRET}", "${MISSING:-1}", "${", "-1", "1e9"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=25,
)


def _load(tmp_path, text: str):
    path = tmp_path / "lineage-engine.config.yaml"
    path.write_text(text)
    with time_box(5):
        try:
            return load_config(path, environ={"SECRET": "s3cret", "LINEAGE_CONFIG": str(path)})
        except ConfigError as exc:
            assert str(exc)  # a reason, naming what is wrong
            return None


@given(document=st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_any_structure_is_loaded_or_refused_with_a_reason(tmp_path, document):
    result = _load(tmp_path, yaml.safe_dump(document))
    assert result is None or isinstance(result, dict)


@given(text=st.text(max_size=300))
def test_any_text_is_loaded_or_refused_with_a_reason(tmp_path, text):
    result = _load(tmp_path, text)
    assert result is None or isinstance(result, dict)
