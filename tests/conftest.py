"""Shared fixtures: real services only. A missing service fails loudly, it is never skipped."""

from __future__ import annotations

import fcntl
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings


def _require_port(service: str, url: str, default_port: int) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return
    except OSError as exc:
        pytest.fail(
            f"{service} is not answering at {host}:{port} ({exc}). "
            "Start the test services with `bash scripts/services.sh start all` "
            "(make test does this for you).",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _audit_checkpoint_dir(tmp_path, settings):
    """Each test appends audit checkpoints to a file of its own, as a fresh install would."""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "audit-checkpoints")


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    _require_port("Neo4j (Bolt)", settings.TEST_NEO4J_URI, 7687)
    return settings.TEST_NEO4J_URI


@pytest.fixture
def embedded_store(db):
    """The embedded graph store on the test database (Postgres), empty."""
    from graph.store.embedded import EmbeddedStore

    store = EmbeddedStore()
    store.ensure_schema()
    store.clear()
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_uri):
    """The Neo4j graph store on the real server, emptied before each test.

    Community edition has one database, so test runs sharing a server (two checkouts,
    CI beside a developer) take a file lock around each test instead of wiping each
    other's graphs.
    """
    from graph.store.neo4j import Neo4jStore

    port = urlparse(neo4j_uri).port or 7687
    lock_path = Path(tempfile.gettempdir()) / f"lineage-portal-neo4j-{port}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        store = Neo4jStore(uri=neo4j_uri, auth=settings.TEST_NEO4J_AUTH, database="neo4j")
        store.ensure_schema()
        store.clear()
        yield store
        store.clear()
        store.close()


@pytest.fixture(
    params=[
        pytest.param("embedded", marks=pytest.mark.django_db),
        pytest.param("neo4j", marks=pytest.mark.neo4j),
    ]
)
def store(request):
    """Each backend in turn: the contract suite runs the same assertions on both."""
    return request.getfixturevalue(f"{request.param}_store")


# --- the demo warehouse, served by its emulator for the whole session ----------------------
# fakesnow warns on every query it answers (an extra copy in DuckDB's arrow path); the
# demo server filters that out, but pytest resets filters around each test.
EMULATOR_NOISE = "ignore:Arrow output on a DB-API result:UserWarning"
DEMO_DAYS = 7


@pytest.fixture(scope="session")
def demo_end():
    """The end of the demo history for this session (the current hour when it started)."""
    from graph.demo.history import current_hour

    return current_hour()


@pytest.fixture(scope="session")
def demo_emulator(demo_end):
    """The demo emulator, running for the whole session (a ``DemoServer``)."""
    from graph.demo import demo_server

    with demo_server(days=DEMO_DAYS, end=demo_end) as server:
        yield server


@pytest.fixture
def demo(demo_emulator, demo_end):
    """The session's emulator, holding the session's history.

    The emulator keeps one account per process, and whatever starts a demo server of its
    own (``seed_demo``, the demo tag sync) replaces it: put the session's back if so.
    """
    from graph.demo.server import DEMO_SEED, load_demo_data

    load_demo_data(days=DEMO_DAYS, end=demo_end, seed=DEMO_SEED)
    return demo_emulator


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
