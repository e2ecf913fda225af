"""The demo warehouse: a Snowflake account ``PROD_DB`` served by a local emulator.

``demo_server()`` starts the emulator loaded with a generated 90-day history;
``demo_ingest()`` ingests that history through the same pipeline as a real account.
"""

from __future__ import annotations

from datetime import datetime

from .history import DEMO_SEED, DemoHistory, generate_history
from .server import DemoServer, demo_server

DEMO_SOURCE_NAME = "demo-snowflake"

__all__ = [
    "DEMO_SEED",
    "DEMO_SOURCE_NAME",
    "DemoHistory",
    "DemoServer",
    "demo_ingest",
    "demo_server",
    "demo_source",
    "generate_history",
]


def emulator_running(options: dict) -> bool:
    """Whether the demo emulator a Source points at answers on its port right now."""
    import socket

    try:
        with socket.create_connection((options["host"], int(options["port"])), timeout=0.5):
            return True
    except (KeyError, ValueError, OSError):
        return False


def demo_source(server: DemoServer):
    """Create or update the demo ``Source`` so that it points at this running emulator.

    It is left disabled: the emulator only runs while something holds it open, so there
    is nothing for the periodic sync to reach.
    """
    from graph.models import Source

    source, _ = Source.objects.update_or_create(
        name=DEMO_SOURCE_NAME,
        defaults={
            "kind": Source.Kind.SNOWFLAKE,
            "options": server.source_options(),
            "enabled": False,
        },
    )
    return source


def demo_ingest(*, store=None, progress=None, days: int = 90, end: datetime | None = None):
    """Start the emulator and backfill its ``days`` of history into ``store``; returns the Backfill."""
    from graph.ingestion import backfill, run_windows
    from graph.store import get_store

    store = store or get_store()
    with demo_server(days=days, end=end) as server:
        source = demo_source(server)
        job = backfill(source=source, days=days, end=server.history.end, created_by="demo")
        run_windows(runs=job.runs.all(), store=store, progress=progress)
    return job
