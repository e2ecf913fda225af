"""What the crash tests start and kill: their own servers, real Celery workers, ingest processes.

Every server here is the test's own instance (``scripts/services.sh`` with a private state
directory and free ports), so stopping or restarting it never touches the servers other
test runs share. Processes are started in their own process group and killed by that id.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], *, seconds: float, what: str, every: float = 0.05):
    """Poll ``check`` until it returns something true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:.0f} s")


class Services:
    """Servers of this test alone: ``services.sh`` under a private directory and ports."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.ports = {"PG_PORT": free_port(), "REDIS_PORT": free_port()}
        self.ports["NEO4J_BOLT_PORT"] = free_port()
        self.started: list[str] = []

    def _run(self, action: str, service: str) -> str:
        env = {**os.environ, "SERVICES_DIR": str(self.directory)}
        env.update({k: str(v) for k, v in self.ports.items()})
        done = subprocess.run(
            ["bash", str(SERVICES), action, service],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"services.sh {action} {service}: {done.stderr[-2000:]}"
        return done.stdout

    def start(self, service: str) -> None:
        self._run("start", service)
        self.started.append(service)

    def stop(self, service: str) -> None:
        self._run("stop", service)

    def stop_all(self) -> None:
        for service in dict.fromkeys(reversed(self.started)):
            self.stop(service)

    def kill_neo4j(self) -> None:
        """Neo4j gone at once, as when its machine dies (a clean stop lets windows finish)."""
        pid = int((self.directory / "neo4j.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), seconds=30, what="Neo4j exiting")

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['REDIS_PORT']}/0"

    @property
    def neo4j_uri(self) -> str:
        return f"bolt://127.0.0.1:{self.ports['NEO4J_BOLT_PORT']}"

    @property
    def database_url(self) -> str:
        return f"postgres://lineage:lineage@127.0.0.1:{self.ports['PG_PORT']}/lineage"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def config_file(directory: Path, **telemetry) -> Path:
    """The repository's configuration with some ``telemetry`` keys changed (short leases)."""
    config = yaml.safe_load((ROOT / "lineage-engine.config.yaml").read_text())
    for key, value in telemetry.items():
        if isinstance(value, dict):
            config["telemetry"].setdefault(key, {}).update(value)
        else:
            config["telemetry"][key] = value
    path = directory / "lineage-engine.config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def database_url_of_tests() -> str:
    """The test database, for processes started by a test that uses it committed."""
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(*, database_url: str, config: Path, broker: str = "", neo4j: str = "") -> dict:
    """The environment of a portal process (a worker, ``manage.py``) for a crash test."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local",
        "DJANGO_DEBUG": "false",
        # DEBUG off refuses the public development keys: these processes get their own.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "NEO4J_URI": neo4j,
        "NEO4J_AUTH": "none",
        "NEO4J_RETRY_SECONDS": "1",
        "LINEAGE_CONFIG": str(config),
        "PYTHONUNBUFFERED": "1",
    }


class Process:
    """A portal process in a process group of its own, killed by that group's id."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL, the whole group (a prefork worker's children too)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._out.close()

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def celery_worker(env: dict, log: Path, *, beat: bool = False, schedule: Path | None = None):
    """A real Celery worker over the test's own Redis, one window at a time."""
    args = [sys.executable, "-m", "celery", "-A", "lineage_portal", "worker"]
    args += ["--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    args += ["--hostname", f"crash-test-{os.getpid()}-{time.monotonic_ns()}@%h"]
    if beat:
        args += ["--beat", "--schedule", str(schedule)]
    return Process(args, env, log)


class Supervisor:
    """Starts a process again whenever it exits, as compose's or systemd's restart policy does.

    A Celery worker may exit when Redis restarts under it (kombu fails closing a channel
    whose connection is gone, with messages unacknowledged); production runs workers
    under such a policy, and so does a test that restarts Redis.
    """

    def __init__(self, start: Callable[[], Process]):
        self.start, self.process, self.restarts = start, start(), 0

    def check(self) -> bool:
        """Restart the process if it has exited; always True (to sit inside a condition)."""
        if self.process.popen.poll() is not None:
            self.restarts += 1
            self.process = self.start()
        return True

    def output(self) -> str:
        return self.process.output()

    def stop(self) -> None:
        self.process.stop()


def manage(env: dict, log: Path, *args: str) -> Process:
    return Process([sys.executable, "manage.py", *args], env, log)


@contextmanager
def celery_broker(url: str):
    """This test process's Celery app sends to ``url`` (the test's Redis), not in-process."""
    from lineage_portal.celery import app

    names = ("broker_url", "broker_write_url", "broker_read_url", "task_always_eager")
    before = {name: app.conf[name] for name in names}
    _drop_pools(app)
    app.conf.update(
        broker_url=url, broker_write_url=url, broker_read_url=url, task_always_eager=False
    )
    try:
        yield app
    finally:
        _drop_pools(app)
        app.conf.update(before)


def _drop_pools(app) -> None:
    # Only forget them: kombu keeps one pool per broker URL for the whole process, and a
    # closed one would be handed back the next time that URL is used.
    app._pool = None
    app.amqp._producer_pool = None
