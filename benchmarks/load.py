"""Load on the production-shaped server: ``python -m benchmarks.load [--users 50 --seconds 60]``.

Starts what docker-compose's web service runs — gunicorn serving ``wsgi.py`` with the
production settings (DEBUG off, WhiteNoise) — on a throwaway Postgres database, seeds it
through its own API, then runs N concurrent users for S seconds. Each user loops over a
mix of page and API reads, OpenLineage posts (``POST /api/v1/lineage`` with a token) and
steward edits (``PATCH`` of a dataset's governance). Any answer other than the expected
status, and any connection error, counts as an error. Writes the ``load`` section of
docs/benchmarks.md: requests, errors and p50/p95/p99 per endpoint.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

from benchmarks.sections import section_write
from benchmarks.throwaway import database_create, database_drop

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_load"
TABLES = 60
PASSWORD = "load-test-password-" + secrets.token_hex(4)

USERS_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from governance.services import role_groups_ensure
groups = {g.name: g for g in role_groups_ensure()}
User = get_user_model()
admin = User.objects.create_superuser("load-admin", password="{pw}")
steward = User.objects.create_user("load-steward", password="{pw}")
steward.groups.add(groups["Steward"])
auditor = User.objects.create_user("load-auditor", password="{pw}")
auditor.groups.add(groups["Auditor"])
# The producer posting lineage: a superuser, whatever producer role a deployment defines.
producer = User.objects.create_superuser("load-producer", password="{pw}")
for user in (admin, steward, producer):
    print(user.username, Token.objects.create(user=user).key)
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AUDIT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="lineage_portal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        AUDIT_HMAC_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_STATIC_ROOT=str(tmp / "static"),
        AUDIT_CHECKPOINT_DIR=str(tmp / "audit"),
        CSV_IMPORT_DIR=str(tmp / "imports"),
        # Far above what 50 users reach: the benchmark measures the server, not the lockout.
        AXES_FAILURE_LIMIT="1000",
    )
    env.pop("CELERY_BROKER_URL", None)  # tasks in-process, as without a broker
    # The graph in Postgres too (the embedded store): the test Neo4j is shared and wiped.
    env.pop("NEO4J_URI", None)
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _event(n: int, upstream: str, downstream: str) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2026-06-01T{n % 24:02d}:{n % 60:02d}:00Z",
        "run": {"runId": f"00000000-0000-4000-8000-{n:012d}"},
        "job": {"namespace": "load", "name": f"job_{n % TABLES}"},
        "inputs": [{"namespace": "snowflake://load", "name": upstream}],
        "outputs": [{"namespace": "snowflake://load", "name": downstream}],
        "producer": "https://example.com/load",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    }


def _seed(base: str, tokens: dict[str, str]) -> list[dict]:
    """Lineage through the endpoint, then a steward over half the tables; the datasets."""
    producer = {"Authorization": f"Token {tokens['load-producer']}"}
    for n in range(TABLES):
        for a, b in ((f"db.raw.t{n}", f"db.stg.t{n}"), (f"db.stg.t{n}", f"db.mart.t{n}")):
            response = requests.post(
                f"{base}/api/v1/lineage", json=_event(n, a, b), headers=producer
            )
            if response.status_code != 201:
                raise RuntimeError(f"seeding failed: {response.status_code} {response.text[:300]}")
    admin = {"Authorization": f"Token {tokens['load-admin']}"}
    requests.post(
        f"{base}/api/v1/governance/stewards/",
        json={"name": "Load Steward", "members": ["load-steward"]},
        headers=admin,
    ).raise_for_status()
    datasets = requests.get(f"{base}/api/v1/datasets/?page_size=500", headers=admin).json()[
        "results"
    ]
    for dataset in datasets[::2]:
        requests.patch(
            f"{base}/api/v1/governance/datasets/{dataset['id']}/",
            json={"steward": "Load Steward", "classification": "confidential"},
            headers=admin,
        ).raise_for_status()
    return datasets[::2]


class Recorder:
    """Latencies per endpoint and the errors, from every user thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def call(self, name: str, expected: int, session, method: str, url: str, **kw) -> None:
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=120, **kw)
            status = response.status_code
            problem = None if status == expected else f"{status} {response.text[:120]!r}"
        except requests.RequestException as exc:
            problem = f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[name].append(elapsed)
            if problem:
                self.errors[name].append(problem)


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {response.status_code}")
    return session


def _user(base, tokens, datasets, recorder, stop, seed, auditor) -> None:
    rng = random.Random(seed)
    api = requests.Session()
    producer = {"Authorization": f"Token {tokens['load-producer']}"}
    steward = {"Authorization": f"Token {tokens['load-steward']}"}
    n = 10_000 + seed * 100_000
    call = recorder.call
    while not stop.is_set():
        dataset = rng.choice(datasets)
        key, roll = dataset["key"], rng.random()
        if roll < 0.15:
            call("GET / (dashboard)", 200, auditor, "GET", f"{base}/")
        elif roll < 0.30:
            call("GET /datasets/", 200, auditor, "GET", f"{base}/datasets/?q=t1")
        elif roll < 0.45:
            url = f"{base}/lineage/?dataset={key}&depth=2"
            call("GET /lineage/ (page)", 200, auditor, "GET", url)
        elif roll < 0.55:
            url = f"{base}/api/v1/lineage/?key={key}&depth=2"
            call("GET /api/v1/lineage/", 200, auditor, "GET", url)
        elif roll < 0.65:
            call("GET /governance/catalog/", 200, auditor, "GET", f"{base}/governance/catalog/?q=t")
        elif roll < 0.85:
            n += 1
            event = _event(n, f"db.raw.t{n % TABLES}", f"db.stg.t{n % TABLES}")
            url = f"{base}/api/v1/lineage"
            call("POST /api/v1/lineage", 201, api, "POST", url, json=event, headers=producer)
        else:
            level = rng.choice(["restricted", "confidential", "internal"])
            url = f"{base}/api/v1/governance/datasets/{dataset['id']}/"
            body = {"classification": level, "reason": "load test"}
            call("PATCH governance (steward)", 200, api, "PATCH", url, json=body, headers=steward)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(users: int, seconds: float, workers: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="lineage-load-"))
    env = _env(tmp)
    env["DATABASE_URL"] = database_create(DATABASE)
    server = None
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "collectstatic", "--noinput", "-v", "0")
        made = _manage(env, "shell", "-c", USERS_SCRIPT.replace("{pw}", PASSWORD))
        tokens = dict(line.split() for line in made.splitlines() if line.startswith("load-"))
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "lineage_portal.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4",
                "--timeout", "120", "--keep-alive", "75",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait(base)
        datasets = _seed(base, tokens)
        recorder, stop = Recorder(), threading.Event()
        # Signed in before the clock starts: password hashing is slow on purpose.
        sessions = [_login(base, "load-auditor") for _ in range(users)]
        threads = [
            threading.Thread(
                target=_user, args=(base, tokens, datasets, recorder, stop, i, sessions[i])
            )
            for i in range(users)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=60)
        database_drop(DATABASE)
    return _summary(recorder, elapsed, users, workers)


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def _summary(recorder: Recorder, elapsed: float, users: int, workers: int) -> dict:
    endpoints = {}
    for name, values in sorted(recorder.latencies.items()):
        endpoints[name] = {
            "requests": len(values),
            "errors": len(recorder.errors.get(name, [])),
            "p50": statistics.median(values),
            "p95": _percentile(values, 0.95),
            "p99": _percentile(values, 0.99),
            "examples": recorder.errors.get(name, [])[:3],
        }
    total = sum(e["requests"] for e in endpoints.values())
    return {
        "users": users,
        "workers": workers,
        "seconds": round(elapsed, 1),
        "requests": total,
        "errors": sum(e["errors"] for e in endpoints.values()),
        "throughput": round(total / elapsed, 1),
        "endpoints": endpoints,
        "load": round(os.getloadavg()[0], 1),
    }


def render(result: dict) -> str:
    ms = lambda seconds: f"{1000 * seconds:,.0f}"  # noqa: E731
    lines = [
        "## Load: the production-shaped server",
        "",
        f"`python -m benchmarks.load`: {result['users']} concurrent users for "
        f"{result['seconds']} s against gunicorn ({result['workers']} workers × 4 threads, "
        "keep-alive 75 s, production settings) on Postgres (governance and the embedded graph store), on this machine (2 shared cores; load average "
        f"{result['load']} when it ended; the load generator runs on the same cores). Each "
        "user loops over page and API reads, OpenLineage posts with a token and steward "
        "edits.",
        "",
        f"**{result['requests']:,} requests, {result['errors']} errors**, "
        f"{result['throughput']:,} requests/s.",
        "",
        "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, e in result["endpoints"].items():
        lines.append(
            f"| {name} | {e['requests']:,} | {e['errors']} | {ms(e['p50'])} | {ms(e['p95'])} | "
            f"{ms(e['p99'])} |"
        )
    problems = [f"{name}: {x}" for name, e in result["endpoints"].items() for x in e["examples"]]
    if problems:
        lines += ["", "Errors seen (first of each endpoint):", ""]
        lines += [f"- {problem}" for problem in problems]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print, do not touch the docs")
    args = parser.parse_args(argv)
    result = run(args.users, args.seconds, args.workers)
    text = render(result)
    print(text)
    if not args.no_write:
        section_write("load", text)
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
