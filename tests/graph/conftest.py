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
