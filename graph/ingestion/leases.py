"""Leases on unfinished windows: how long they last, who holds them, and the heartbeats.

Whoever runs a window — a Celery task, or the ``manage.py ingest`` process — holds its
``IngestionRun`` under a lease (``telemetry.lease_seconds``) and renews it from a thread
of its own every quarter of the lease, whatever the window is busy with (a long fetch, a
slow parse, a big write). A process killed with -9 renews nothing: once its lease runs
out, the sweeper (``sweep``) knows the window was interrupted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from django.db import connection

from lineage_portal.config import engine

from .merge import run_heartbeat

logger = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a window's holder may stay silent before the window counts as interrupted."""
    return timedelta(seconds=engine().telemetry.lease_seconds)


def queue_wait() -> timedelta:
    """How long a queued window's message may wait before the sweeper sends it again.

    The broker's visibility timeout: after it, Redis itself delivers an unacknowledged
    message again, so waiting that long before resending says the same thing.
    """
    return timedelta(seconds=engine().telemetry.visibility_timeout_seconds)


def process_owner(what: str = "ingest") -> str:
    """A holder name for this process, unique even across restarts with the same pid."""
    return f"{what}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Heartbeat:
    """While open, renews every lease ``owner`` holds, from a daemon thread.

    Nested or repeated heartbeats for one owner share a thread (the ``ingest`` command
    holds a whole backfill and runs its windows one by one under the same name).
    """

    _lock = threading.Lock()
    _running: dict[str, tuple[threading.Thread, threading.Event, int]] = {}

    def __init__(self, owner: str, *, every: timedelta | None = None):
        self.owner = owner
        self.every = every

    def __enter__(self) -> Heartbeat:
        with self._lock:
            running = self._running.get(self.owner)
            if running is None:
                stop = threading.Event()
                thread = threading.Thread(
                    target=_beat,
                    args=(self.owner, stop, self.every or lease() / 4),
                    name=f"heartbeat {self.owner}",
                    daemon=True,
                )
                thread.start()
                running = (thread, stop, 0)
            self._running[self.owner] = (running[0], running[1], running[2] + 1)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            thread, stop, users = self._running[self.owner]
            if users > 1:
                self._running[self.owner] = (thread, stop, users - 1)
                return
            del self._running[self.owner]
        stop.set()
        thread.join(timeout=10)


def _beat(owner: str, stop: threading.Event, every: timedelta) -> None:
    """The heartbeat thread's loop; a failed beat (database restarting) is logged and retried."""
    try:
        while not stop.wait(every.total_seconds()):
            try:
                run_heartbeat(owner=owner, lease=lease())
            except Exception:  # noqa: BLE001 - the next beat tries again; the lease is long
                logger.warning("heartbeat of %s failed", owner, exc_info=True)
                connection.close()
    finally:
        connection.close()
