"""The demo account, served by a local Snowflake emulator (fakesnow's HTTP server).

Everything that depends on the emulator lives here: the data is *written* straight into
the emulator's in-process DuckDB (the connector would insert 25,000 rows one at a time),
but it is only ever *read* through ``snowflake.connector.connect`` over HTTP, exactly as
a real account is read. The account-usage views are plain tables in a database named
SNOWFLAKE, schema ACCOUNT_USAGE, so the source's SQL is the same as for a real account.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from . import security
from .history import DEMO_SEED, SCHEMA_IDS, DemoHistory, current_hour, generate_history
from .warehouse import DATABASE, RENAMED_FROM, VIEWS, demo_tables

ACCOUNT_USAGE_DDL = [
    """CREATE OR REPLACE TABLE QUERY_HISTORY (
        QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, DATABASE_ID NUMBER, DATABASE_NAME VARCHAR,
        SCHEMA_ID NUMBER, SCHEMA_NAME VARCHAR, QUERY_TYPE VARCHAR, SESSION_ID NUMBER,
        USER_NAME VARCHAR, ROLE_NAME VARCHAR, WAREHOUSE_NAME VARCHAR, WAREHOUSE_SIZE VARCHAR,
        QUERY_TAG VARCHAR, EXECUTION_STATUS VARCHAR, ERROR_CODE VARCHAR, ERROR_MESSAGE VARCHAR,
        START_TIME TIMESTAMP_LTZ, END_TIME TIMESTAMP_LTZ, TOTAL_ELAPSED_TIME NUMBER,
        BYTES_SCANNED NUMBER, ROWS_PRODUCED NUMBER)""",
    """CREATE OR REPLACE TABLE ACCESS_HISTORY (
        QUERY_ID VARCHAR, QUERY_START_TIME TIMESTAMP_LTZ, USER_NAME VARCHAR,
        DIRECT_OBJECTS_ACCESSED ARRAY, BASE_OBJECTS_ACCESSED ARRAY, OBJECTS_MODIFIED ARRAY,
        OBJECT_MODIFIED_BY_DDL OBJECT)""",
    """CREATE OR REPLACE TABLE COLUMNS (
        COLUMN_ID NUMBER, COLUMN_NAME VARCHAR, TABLE_ID NUMBER, TABLE_NAME VARCHAR,
        TABLE_SCHEMA_ID NUMBER, TABLE_SCHEMA VARCHAR, TABLE_CATALOG_ID NUMBER,
        TABLE_CATALOG VARCHAR, ORDINAL_POSITION NUMBER, IS_NULLABLE VARCHAR, DATA_TYPE VARCHAR,
        DELETED TIMESTAMP_LTZ)""",
    """CREATE OR REPLACE TABLE TABLES (
        TABLE_ID NUMBER, TABLE_NAME VARCHAR, TABLE_SCHEMA VARCHAR, TABLE_CATALOG VARCHAR,
        TABLE_TYPE VARCHAR, CREATED TIMESTAMP_LTZ, LAST_ALTERED TIMESTAMP_LTZ,
        DELETED TIMESTAMP_LTZ)""",
    """CREATE OR REPLACE TABLE GRANTS_TO_ROLES (
        CREATED_ON TIMESTAMP_LTZ, MODIFIED_ON TIMESTAMP_LTZ, PRIVILEGE VARCHAR,
        GRANTED_ON VARCHAR, NAME VARCHAR, TABLE_CATALOG VARCHAR, TABLE_SCHEMA VARCHAR,
        GRANTED_TO VARCHAR, GRANTEE_NAME VARCHAR, GRANT_OPTION BOOLEAN, GRANTED_BY VARCHAR,
        DELETED_ON TIMESTAMP_LTZ)""",
    """CREATE OR REPLACE TABLE TAG_REFERENCES (
        TAG_DATABASE VARCHAR, TAG_SCHEMA VARCHAR, TAG_NAME VARCHAR, TAG_VALUE VARCHAR,
        OBJECT_DATABASE VARCHAR, OBJECT_SCHEMA VARCHAR, OBJECT_NAME VARCHAR,
        OBJECT_DELETED TIMESTAMP_LTZ, DOMAIN VARCHAR, COLUMN_NAME VARCHAR,
        APPLY_METHOD VARCHAR)""",
    """CREATE OR REPLACE TABLE POLICY_REFERENCES (
        POLICY_DB VARCHAR, POLICY_SCHEMA VARCHAR, POLICY_NAME VARCHAR, POLICY_KIND VARCHAR,
        REF_DATABASE_NAME VARCHAR, REF_SCHEMA_NAME VARCHAR, REF_ENTITY_NAME VARCHAR,
        REF_ENTITY_DOMAIN VARCHAR, REF_COLUMN_NAME VARCHAR, REF_ARG_COLUMN_NAMES VARCHAR,
        POLICY_STATUS VARCHAR)""",
]
# Snowflake reports VARCHAR columns as TEXT in its catalog views.
_CATALOG_TYPES = {"VARCHAR": "TEXT"}

_lock = threading.Lock()
_loaded: tuple[tuple, DemoHistory] | None = None  # (days, end, seed), and the history

# fakesnow 0.12 converts every result through DuckDB's DB-API arrow path, which warns
# about an extra copy on each query; harmless here, and noise in every log and test run.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", module=r"fakesnow\.")


@dataclass(frozen=True)
class DemoServer:
    """A running demo emulator: where it listens and the history it serves."""

    host: str
    port: int
    history: DemoHistory

    def connect_kwargs(self) -> dict:
        """``snowflake.connector.connect`` arguments for this emulator."""
        return {
            "account": "demo",
            "user": "LINEAGE_READER",
            "password": "emulator",
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        }

    def source_options(self) -> dict:
        """``Source.options`` for ingesting from this emulator (no secrets: it checks none)."""
        return {
            "account": "demo",
            "user": "LINEAGE_READER",
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "emulator": True,
            "latency_minutes": 0,
        }


@contextmanager
def demo_server(
    *,
    days: int = 90,
    end: datetime | None = None,
    seed: int = DEMO_SEED,
    port: int | None = None,
    host: str = "127.0.0.1",
    quiet: bool = True,
) -> Iterator[DemoServer]:
    """Start the emulator in this process, loaded with ``days`` of history ending at ``end``.

    Needs the ``demo`` extra (``pip install -e ".[demo]"``, which ``make run`` installs).
    """
    _require_emulator()
    history = load_demo_data(days=days, end=end, seed=seed)
    with _emulator(host=host, port=port or _free_port(host), quiet=quiet) as bound_port:
        yield DemoServer(host=host, port=bound_port, history=history)


def _require_emulator() -> None:
    """Refuse clearly when the emulator is not installed: it is an extra, not a dependency."""
    try:
        import fakesnow.server  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            "The demo warehouse needs the Snowflake emulator, installed with the demo extra: "
            'pip install -e ".[demo]" (make run installs it).'
        ) from exc


@contextmanager
def _emulator(*, host: str, port: int, quiet: bool) -> Iterator[int]:
    """fakesnow's HTTP server in a thread.

    Not ``fakesnow.server()``: that name is shadowed by the ``fakesnow.server`` module as
    soon as the module is imported (which the loader needs), so it works once per process.
    """
    import uvicorn
    from fakesnow.server import app, logger

    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning" if quiet else "info")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="demo-snowflake-emulator", daemon=True)
    thread.start()
    while thread.is_alive() and not server.started:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError(f"the Snowflake emulator could not listen on {host}:{port}")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def load_demo_data(*, days: int, end: datetime | None, seed: int) -> DemoHistory:
    """(Re)load the emulator's shared in-memory account, unless it already holds this history.

    The emulator keeps one account per process: asking for another history replaces it.
    """
    global _loaded
    from fakesnow.server import shared_fs

    key = (days, end or current_hour(), seed)
    with _lock:
        if _loaded is None or _loaded[0] != key:
            history = generate_history(days=days, end=key[1], seed=seed)
            _create_prod_db(shared_fs)
            _load_account_usage(shared_fs, history)
            _loaded = (key, history)
        return _loaded[1]


def _create_prod_db(fake) -> None:
    """PROD_DB's tables (empty), so people poking at the emulator find what the history names."""
    with fake.connect(DATABASE, "PUBLIC") as conn:
        cursor = conn.cursor()
        for table in demo_tables().values():
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {DATABASE}.{table.schema}")
            # Views too are plain tables here: the emulator holds no data behind them.
            columns = ", ".join(f"{name} {data_type}" for name, data_type, _ in table.columns)
            cursor.execute(f"CREATE OR REPLACE TABLE {table.qualified} ({columns})")


def _load_account_usage(fake, history: DemoHistory) -> None:
    with fake.connect("SNOWFLAKE", "ACCOUNT_USAGE") as conn:
        for ddl in ACCOUNT_USAGE_DDL:
            conn.cursor().execute(ddl)
    import pyarrow as pa  # comes with the emulator (the demo extra)

    tables, columns = _catalog_rows(history)
    duck = fake.duck_conn.cursor()
    try:
        for name, rows in (
            ("QUERY_HISTORY", history.query_history),
            ("ACCESS_HISTORY", history.access_history),
            ("COLUMNS", columns),
            ("TABLES", tables),
            ("GRANTS_TO_ROLES", security.grants_to_roles(history.start, history.rename_at)),
            ("TAG_REFERENCES", security.tag_references(history.start)),
            ("POLICY_REFERENCES", security.policy_references()),
        ):
            if rows:
                duck.register("demo_rows", pa.Table.from_pylist(rows))
                duck.execute(
                    f"INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.{name} BY NAME SELECT * FROM demo_rows"
                )
                duck.unregister("demo_rows")
    finally:
        duck.close()


def _catalog_rows(history: DemoHistory) -> tuple[list[dict], list[dict]]:
    """ACCOUNT_USAGE.TABLES and COLUMNS as of the end of the history."""
    tables, columns = [], []
    for key, table in demo_tables().items():
        renamed = key in RENAMED_FROM
        tables.append(
            {
                "TABLE_ID": table.table_id,
                "TABLE_NAME": table.name,
                "TABLE_SCHEMA": table.schema,
                "TABLE_CATALOG": DATABASE,
                "TABLE_TYPE": "VIEW" if key in VIEWS else "BASE TABLE",
                "CREATED": history.start,
                "LAST_ALTERED": history.rename_at if renamed else history.end,
                "DELETED": None,
            }
        )
        for ordinal, (name, data_type, column_id) in enumerate(table.columns, start=1):
            columns.append(
                {
                    "COLUMN_ID": column_id,
                    "COLUMN_NAME": name,
                    "TABLE_ID": table.table_id,
                    "TABLE_NAME": table.name,
                    "TABLE_SCHEMA_ID": SCHEMA_IDS[table.schema],
                    "TABLE_SCHEMA": table.schema,
                    "TABLE_CATALOG_ID": 1,
                    "TABLE_CATALOG": DATABASE,
                    "ORDINAL_POSITION": ordinal,
                    "IS_NULLABLE": "YES",
                    "DATA_TYPE": _CATALOG_TYPES.get(data_type, data_type),
                    "DELETED": None,
                }
            )
    return tables, columns
