"""The demo Snowflake account: serve it for the connector, or ingest its history."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from graph.demo import DEMO_SOURCE_NAME, demo_ingest, demo_server, demo_source
from graph.management.commands.ingest import ProgressBar


class Command(BaseCommand):
    help = (
        "serve: run the demo Snowflake emulator in the foreground (Ctrl-C stops it), loaded "
        "with the generated query history; ingest: backfill that history into the graph store."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["serve", "ingest"])
        parser.add_argument("--port", type=int, default=8765, help="serve: the port to listen on")
        parser.add_argument("--host", default="127.0.0.1", help="serve: the address to listen on")
        parser.add_argument("--days", type=int, default=90, help="days of query history")

    def handle(self, *args, action: str, port: int, host: str, days: int, **options):
        if action == "ingest":
            job = demo_ingest(days=days, progress=ProgressBar(self.stdout))
            self.stdout.write(
                f"Ingested {job.windows_total} windows into source {DEMO_SOURCE_NAME!r}"
            )
            return
        with demo_server(days=days, port=port, host=host, quiet=False) as server:
            demo_source(server)
            history = server.history
            self.stdout.write(
                f"Demo Snowflake account on http://{host}:{server.port} — "
                f"{len(history.query_history):,} statements from {history.start:%Y-%m-%d %H:%M} "
                f"to {history.end:%Y-%m-%d %H:%M} UTC.\n"
                "Connect with snowflake.connector.connect(account='demo', user='LINEAGE_READER', "
                f"password='emulator', host='{host}', port={server.port}, protocol='http'),\n"
                "e.g. SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY LIMIT 10.\n"
                f"Source {DEMO_SOURCE_NAME!r} now points here: "
                f"`python manage.py ingest {DEMO_SOURCE_NAME} --sync` reads from it.\n"
                "Ctrl-C stops the server."
            )
            _wait_for_stop()
            self.stdout.write("Stopped.")


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM (docker stop, a process manager), then return."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
