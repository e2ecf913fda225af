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


@pytest.fixture
def extra_history(demo):
    """Add QUERY_HISTORY/ACCESS_HISTORY rows to the emulator (through the connector).

    Tests put their rows days after the demo history ends, so that no other test's
    window sees them; they are deleted afterwards.
    """
    import json

    import snowflake.connector

    conn = snowflake.connector.connect(**demo.connect_kwargs())
    added: list[str] = []

    def add(
        query_id,
        text,
        start,
        *,
        query_type="CREATE_TABLE_AS_SELECT",
        status="SUCCESS",
        error=None,
        user="TEST_USER",
        role="TEST_ROLE",
        schema="MARTS",
        access=None,
    ):
        added.append(query_id)
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (QUERY_ID, QUERY_TEXT, QUERY_TYPE, "
                "DATABASE_NAME, SCHEMA_NAME, USER_NAME, ROLE_NAME, EXECUTION_STATUS, ERROR_MESSAGE, "
                "START_TIME, END_TIME) VALUES (%s, %s, %s, 'PROD_DB', %s, %s, %s, %s, %s, %s, %s)",
                (query_id, text, query_type, schema, user, role, status, error, start, start),
            )
            if access is not None:
                direct, base, modified = (
                    v if isinstance(v, str) else json.dumps(v) for v in access
                )
                cur.execute(
                    "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY (QUERY_ID, QUERY_START_TIME, "
                    "USER_NAME, DIRECT_OBJECTS_ACCESSED, BASE_OBJECTS_ACCESSED, OBJECTS_MODIFIED) "
                    "SELECT %s, %s, %s, PARSE_JSON(%s), PARSE_JSON(%s), PARSE_JSON(%s)",
                    (query_id, start, user, direct, base, modified),
                )

    yield add
    with conn.cursor() as cur:
        for table in ("QUERY_HISTORY", "ACCESS_HISTORY"):
            for query_id in added:
                cur.execute(
                    f"DELETE FROM SNOWFLAKE.ACCOUNT_USAGE.{table} WHERE QUERY_ID = %s", (query_id,)
                )
    conn.close()
