"""Scale-out: one backfill taken by one Celery worker, then by four; same graph, less time?

Run as its own process (``python -m benchmarks.scale``) with servers of its own, started
and stopped here with ``scripts/services.sh`` under var/bench/scale-services: a Neo4j, a
Redis and the relational database ``<DATABASE_URL>_scale`` (nothing else writes to them,
so the graphs can be compared edge for edge). Each round starts from empty stores, starts
N real workers (``benchmarks.scale_worker``: the portal's tasks over synthetic history),
waits until all of them listen, then times from queuing the backfill's windows to the
last window in. The graph of each round is fingerprinted — node and edge counts and a
SHA-256 over every FEEDS and READ edge with all its properties — and the rounds compared.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
SERVICES_DIR = ROOT / "var" / "bench" / "scale-services"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-per-day", type=int, default=12_500)
    parser.add_argument("--days", type=int, default=16)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lineage_portal.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"
    # DEBUG off refuses the public development keys; these throwaway processes get their own
    # (the workers inherit them).
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("AUDIT_HMAC_KEY", secrets.token_urlsafe(50))
    print(json.dumps(benchmark(args.rows_per_day, args.days, args.workers)))


def benchmark(rows_per_day: int, days: int, workers: list[int]) -> dict:
    """Every round's time and graph; whether the graphs are identical; the speed-up."""
    env = _services_start()
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        rounds = {n: _round(n, rows_per_day, days, env) for n in workers}
    finally:
        _services_stop()
    first, last = rounds[workers[0]], rounds[workers[-1]]
    return {
        "rows_per_day": rows_per_day,
        "days": days,
        "rounds": rounds,
        "identical": len({r["fingerprint"] for r in rounds.values()}) == 1,
        "speedup": round(first["seconds"] / last["seconds"], 2),
    }


def _round(n: int, rows_per_day: int, days: int, env: dict) -> dict:
    from django.db import transaction

    from benchmarks.ingest import PLATFORM, START
    from graph.ingestion import backfill
    from graph.models import Column, Dataset, IngestionRun, Source
    from graph.store import build_store
    from graph.tasks import enqueue_windows

    store = build_store()
    store.ensure_schema()
    store.clear()
    for model in (IngestionRun, Source, Column, Dataset):  # every round starts from nothing
        model.objects.all().delete()
    ready = ROOT / "var" / "bench" / f"scale-ready-{n}"
    shutil.rmtree(ready, ignore_errors=True)
    procs = [_worker(i, env, rows_per_day, ready) for i in range(n)]
    try:
        _wait(lambda: ready.exists() and len(list(ready.iterdir())) >= n, 300, "workers ready")
        source = Source.objects.create(name=f"bench-{n}", kind="snowflake")
        started = time.perf_counter()
        with transaction.atomic():
            job = _backfill(backfill, source, days, START)
            enqueue_windows(job.runs.all())
        _wait(lambda: _finished(job), 1800, "every window in")
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=120)
    runs = job.runs.all()
    failed = runs.exclude(status=IngestionRun.Status.SUCCEEDED).count()
    rows = sum(runs.values_list("rows_read", flat=True))
    fingerprint, edges = _fingerprint(store, PLATFORM)
    store.close()
    return {
        "workers": n,
        "windows": runs.count(),
        "failed_windows": failed,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds, 1),
        "edges": edges,
        "fingerprint": fingerprint,
        "attempts": sum(runs.values_list("attempts", flat=True)),
    }


def _backfill(backfill, source, days: int, start):
    """The backfill's daily windows (the source's latency asked of its synthetic fetcher)."""
    # The package exports a function of the module's name: fetch the module itself.
    windows = importlib.import_module("graph.ingestion.windows")
    portal_source_for = windows.source_for
    windows.source_for = lambda s: SimpleNamespace(latency=timedelta(0))
    try:
        return backfill(source=source, days=days, window_hours=24, end=start + timedelta(days))
    finally:
        windows.source_for = portal_source_for


def _finished(job) -> bool:
    from graph.models import IngestionRun

    unfinished = (IngestionRun.Status.QUEUED, IngestionRun.Status.RUNNING)
    return not job.runs.filter(status__in=unfinished).exists()


def _fingerprint(store, platform: str) -> tuple[str, int]:
    """Counts and a SHA-256 of every edge and read, every property included."""
    driver = store._driver
    edges, _, _ = driver.execute_query(
        "MATCH (u)-[e:FEEDS]->(d) RETURN u.key AS u, d.key AS d, properties(e) AS e"
    )
    reads, _, _ = driver.execute_query(
        "MATCH (p:Principal)-[r:READ]->(d) RETURN p.name AS p, d.key AS d, properties(r) AS r"
    )
    rows = sorted(
        repr((r["u"], r["d"], sorted((k, str(v)) for k, v in r["e"].items()))) for r in edges
    )
    rows += sorted(
        repr((r["p"], r["d"], sorted((k, str(v)) for k, v in r["r"].items()))) for r in reads
    )
    counts = store.counts()
    digest = hashlib.sha256("\n".join([repr(counts), *rows]).encode()).hexdigest()
    return digest[:16], len(edges)


def _worker(index: int, env: dict, rows_per_day: int, ready: Path) -> subprocess.Popen:
    log = (ROOT / "var" / "bench" / f"scale-worker-{index}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "benchmarks.scale_worker", "worker"]
        + ["--pool=solo", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        + ["--hostname", f"bench-{index}-{time.monotonic_ns()}@%h"],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "BENCH_ROWS_PER_DAY": str(rows_per_day),
            "BENCH_READY_DIR": str(ready),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"scale benchmark: {what} not within {seconds:.0f} s")
        time.sleep(0.2)


# --- servers of its own -------------------------------------------------------------------


_PORTS: dict[str, str] = {}


def _ports() -> dict[str, str]:
    """Free ports, chosen once per run (``stop`` must name the ones ``start`` used)."""
    if not _PORTS:
        for name in ("NEO4J_BOLT_PORT", "REDIS_PORT"):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                _PORTS[name] = str(sock.getsockname()[1])
    return _PORTS


def _services(action: str, service: str) -> None:
    env = {**os.environ, "SERVICES_DIR": str(SERVICES_DIR), **_ports()}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "services.sh"), action, service],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"services.sh {action} {service}: {done.stderr[-1000:]}")


def _services_start() -> dict[str, str]:
    """A Neo4j and a Redis of its own, and a database of its own on the usual Postgres."""
    import psycopg

    for service in ("neo4j", "redis"):
        _services("start", service)
    url = os.environ.get("DATABASE_URL", "postgres://lineage:lineage@127.0.0.1:54329/lineage")
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/{name}".replace("postgres://", "postgresql://")) as conn:
        conn.autocommit = True
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_scale" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}_scale"')
    ports = _ports()
    return {
        "DATABASE_URL": f"{base}/{name}_scale",
        "NEO4J_URI": f"bolt://127.0.0.1:{ports['NEO4J_BOLT_PORT']}",
        "NEO4J_AUTH": "none",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{ports['REDIS_PORT']}/0",
    }


def _services_stop() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    for service in ("redis", "neo4j"):
        _services("stop", service)
    scale = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
    base, _, name = scale.rpartition("/")
    with psycopg.connect(f"{base}/{name.removesuffix('_scale')}", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
