"""End-to-end ingestion into Neo4j: synthetic query history through the real pipeline.

Run as its own process (``python -m benchmarks.ingest --rows N``), so its peak memory is
its own. Each 24-hour window goes through ``graph.ingestion.ingest_window`` exactly as a
backfill window does — filter, parse (the pipeline's cached parser), normalize,
aggregate, merge into Neo4j in batches, catalog upsert, run record — with a
``LineageSource`` that yields synthetic ``QueryRecord``s instead of querying Snowflake.

Isolation, since Neo4j Community has one database shared with everyone's tests: the
source's platform is ``benchsnow``, so every dataset and column key starts with
``benchsnow://``, and users/roles are named ``BENCH_…``; only those nodes are deleted,
before and after, in batches. The relational side (runs, catalog) goes to a database of
its own: ``<DATABASE_URL>_bench`` on the same Postgres server, created and dropped here,
or a SQLite file under var/bench when DATABASE_URL is not Postgres.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.corpus import templates, zipf_counts
from benchmarks.statements import write_statement
from benchmarks.warehouse import Warehouse, build_warehouse

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "benchsnow"
PRINCIPAL_PREFIX = "BENCH_"
VARIANTS = 40  # literal variants per job: runs cycle through them
JOBS = 300
DML_SHARE = 0.6  # the rest are analysts' SELECTs: filtered, but they count as reads
START = datetime(2026, 1, 1, tzinfo=UTC)


def history_plan(wh: Warehouse, rows_per_day: int, seed: int = 11) -> dict:
    """What one day of history looks like; every day replays it with other literals."""
    from graph.sources.base import AccessedObject

    rng = random.Random(seed)
    jobs = templates(wh, JOBS, seed)
    variants, reads = [], []
    for job in jobs:
        stmts = [write_statement(wh, *job, rng.getrandbits(48), d) for d in range(VARIANTS)]
        variants.append(stmts)
        reads.append(tuple(AccessedObject(name=s.upper()) for s in stmts[0].sources))
    selects = []
    for n in range(500):
        table = rng.choice(wh.tables)
        cols = ", ".join(rng.sample(list(table.columns), k=min(4, len(table.columns))))
        selects.append(
            (
                f"SELECT {cols} FROM {table.key} WHERE 1 = 1 LIMIT {100 + n}",
                (AccessedObject(name=table.key.upper()),),
            )
        )
    dml_rows = int(rows_per_day * DML_SHARE)
    plan = []
    for job, runs in enumerate(zipf_counts(dml_rows, JOBS)):
        plan += [("job", job, rng.random()) for _ in range(runs)]
    plan += [
        ("select", rng.randrange(len(selects)), rng.random())
        for _ in range(rows_per_day - len(plan))
    ]
    plan.sort(key=lambda p: p[2])
    # The tag each job's runs carry, as the warehouse hands it over: text.
    tags = [json.dumps({"dag_id": "bench", "task_id": f"job_{job}"}) for job in range(len(jobs))]
    return {
        "jobs": jobs,
        "variants": variants,
        "reads": reads,
        "selects": selects,
        "plan": plan,
        "tags": tags,
    }


def bench_source(wh: Warehouse, plan: dict):
    """A LineageSource yielding each day's planned rows as QueryRecords."""
    from graph.sources.base import KnownColumn, LineageSource, QueryRecord

    class BenchSource(LineageSource):
        platform = PLATFORM
        dialect = "snowflake"

        def fetch(self, window_start, window_end, *, on_issue=None):
            day = (window_start - START).days
            for n, (kind, index, at) in enumerate(plan["plan"]):
                start = window_start + timedelta(days=at)
                qid = f"bench-{day}-{n}"
                if kind == "select":
                    text, reads = plan["selects"][index]
                    yield QueryRecord(
                        qid,
                        text,
                        "SELECT",
                        "SUCCESS",
                        start,
                        user=f"{PRINCIPAL_PREFIX}ANALYST_{n % 40}",
                        role=f"{PRINCIPAL_PREFIX}ANALYST",
                        base_objects_accessed=reads,
                    )
                    continue
                stmt = plan["variants"][index][(day + n) % VARIANTS]
                yield QueryRecord(
                    qid,
                    stmt.sql,
                    stmt.query_type,
                    "FAILED" if (n * 7 + day) % 100 == 0 else "SUCCESS",
                    start,
                    user=f"{PRINCIPAL_PREFIX}SVC_{index % 12}",
                    role=f"{PRINCIPAL_PREFIX}TRANSFORMER",
                    database=stmt.default_db,
                    schema=stmt.default_schema,
                    query_tag=plan["tags"][index],
                    base_objects_accessed=plan["reads"][index],
                )

        def fetch_columns(self):
            return [
                KnownColumn(t.key.upper(), c.upper(), typ, i)
                for t in wh.tables
                for i, (c, typ) in enumerate(t.columns.items(), start=1)
            ]

    return BenchSource()


class _TimedParser:
    """The pipeline's parser, counting the seconds spent in it."""

    def __init__(self, parser):
        self._parser, self.seconds = parser, 0.0

    def parse(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._parser.parse(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    @property
    def cache_hits(self) -> int:
        return self._parser.cache_hits

    @property
    def cache_misses(self) -> int:
        return self._parser.cache_misses


def timed_store(uri: str, auth: str):
    """A Neo4jStore that counts the seconds its batched merges take."""
    from graph.store.neo4j import Neo4jStore

    class TimedStore(Neo4jStore):
        seconds = 0.0

        def _timed(self, method, rows):
            started = time.perf_counter()
            try:
                return method(rows)
            finally:
                self.seconds += time.perf_counter() - started

        def merge_datasets(self, rows):
            return self._timed(super().merge_datasets, rows)

        def merge_columns(self, rows):
            return self._timed(super().merge_columns, rows)

        def merge_edges(self, rows):
            return self._timed(super().merge_edges, rows)

        def merge_reads(self, rows):
            return self._timed(super().merge_reads, rows)

    return TimedStore(uri=uri, auth=auth)


def delete_bench_nodes(uri: str, auth: str) -> int:
    """Delete only this benchmark's nodes (keys ``benchsnow://…``, ``BENCH_`` principals)."""
    from neo4j import GraphDatabase

    from graph.store.neo4j import parse_auth

    query = (
        "MATCH (n) WHERE (n:Dataset OR n:Column OR n:Alias) AND n.key STARTS WITH $prefix "
        "OR (n:Principal AND n.name STARTS WITH $principal) "
        "OR (n:IngestState AND n.scope STARTS WITH $platform) "
        "WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted"
    )
    total = 0
    with GraphDatabase.driver(uri, auth=parse_auth(auth)) as driver:
        while True:
            records, _, _ = driver.execute_query(
                query,
                prefix=f"{PLATFORM}://",
                principal=PRINCIPAL_PREFIX,
                platform=f"{PLATFORM}:",
            )
            deleted = records[0]["deleted"]
            total += deleted
            if not deleted:
                return total


def run(rows: int, days: int) -> dict:
    """Ingest ``rows`` rows spread over ``days`` daily windows; the figures."""
    import django

    django.setup()
    from django.core.management import call_command

    from graph.ingestion import ingest_window
    from graph.models import Source
    from graph.sql.shared import default_parser

    call_command("migrate", verbosity=0, interactive=False)
    uri, auth = (
        os.environ.get("NEO4J_URI") or "bolt://127.0.0.1:7688",
        os.environ.get("NEO4J_AUTH", "none"),
    )
    deleted_before = delete_bench_nodes(uri, auth)
    wh = build_warehouse()
    rows_per_day = rows // days
    plan = history_plan(wh, rows_per_day)
    fetcher = bench_source(wh, plan)
    store = timed_store(uri, auth)
    store.ensure_schema()
    source = Source.objects.create(name=f"bench-{time.time_ns()}", kind="snowflake")
    parser = _TimedParser(default_parser())
    totals: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        for day in range(days):
            window_start = START + timedelta(days=day)
            done = ingest_window(
                source=source,
                window_start=window_start,
                window_end=window_start + timedelta(days=1),
                store=store,
                parser=parser,
                fetcher=fetcher,
            )
            for field in (
                "rows_read",
                "statements_kept",
                "edges_written",
                "parse_failures",
                "datasets_written",
            ):
                totals[field] = totals.get(field, 0) + (getattr(done, field, 0) or 0)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        store.close()
        deleted_after = delete_bench_nodes(uri, auth)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lookups = parser.cache_hits + parser.cache_misses
    return {
        "rows": int(totals.get("rows_read", 0)),
        "days": days,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(totals.get("rows_read", 0) / elapsed, 1),
        # The ingesting process's own CPU time: less sensitive to what else loads the machine.
        "cpu_seconds": round(cpu, 2),
        "statements_kept": int(totals.get("statements_kept", 0)),
        "edges_written": int(totals.get("edges_written", 0)),
        "parse_failures": int(totals.get("parse_failures", 0)),
        "cache_hit_rate": round(parser.cache_hits / lookups, 4) if lookups else 0.0,
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "parse_seconds": round(parser.seconds, 2),
        "graph_write_seconds": round(store.seconds, 2),
        "bench_nodes_written": deleted_after,
        "stale_nodes_deleted_first": deleted_before,
        "dml_share": DML_SHARE,
        "jobs": JOBS,
    }


def database_env(workdir: Path) -> tuple[dict, callable]:
    """Environment for a private relational database, and a function dropping it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        base, _, name = url.rpartition("/")
        bench = f"{name}_bench"
        admin = f"{base}/{name}"

        def execute(sql: str) -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql)

        execute(f'DROP DATABASE IF EXISTS "{bench}"')
        execute(f'CREATE DATABASE "{bench}"')
        return {"DATABASE_URL": f"{base}/{bench}"}, lambda: execute(
            f'DROP DATABASE IF EXISTS "{bench}" WITH (FORCE)'
        )
    path = workdir / "ingest.sqlite3"
    path.unlink(missing_ok=True)
    return {"DATABASE_URL": f"sqlite:///{path.resolve()}"}, lambda: path.unlink(missing_ok=True)


def benchmark(
    *, rows: int, full_rows: int, rows_per_day: int, full_max_seconds: float, workdir: Path, log
) -> dict:
    """``rows`` rows, then ``full_rows`` if the first run projects it under the limit."""
    uri = os.environ.get("NEO4J_URI") or "bolt://127.0.0.1:7688"
    if not _reachable(uri):
        return {"skipped": f"Neo4j not reachable at {uri} (bash scripts/services.sh start all)"}
    first = ingest_process(rows, max(1, rows // rows_per_day), workdir, log)
    runs = [first]
    if "seconds" in first:
        projected = first["seconds"] * full_rows / max(1, first["rows"])
        first["projected_full_seconds"] = round(projected, 1)
        if projected <= full_max_seconds:
            days = max(1, full_rows // rows_per_day)
            runs.append(
                ingest_process(full_rows, days, workdir, log, timeout=full_max_seconds * 1.5)
            )
        else:
            first["full_skipped"] = (
                f"{full_rows:,} rows projected at {projected:,.0f} s from this run, over the "
                f"{full_max_seconds:.0f} s this benchmark allows itself"
            )
    return {"runs": runs}


def ingest_process(rows: int, days: int, workdir: Path, log, timeout: float | None = None) -> dict:
    """One ingestion process, in a private relational database; a second try on failure.

    Other people's tests share this Neo4j and may clear it while we write (a merge then
    fails with EntityNotFound); the report says when a retry was needed.
    """
    failures = []
    for _attempt in range(2):
        log(f"ingestion of {rows:,} rows over {days} daily windows ...")
        env_extra, drop = database_env(workdir)
        env = {**os.environ, **env_extra, "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local"}
        cmd = [sys.executable, "-m", "benchmarks.ingest", "--rows", str(rows), "--days", str(days)]
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            # Killed mid-run: its own clean-up never ran, so ours does it.
            delete_bench_nodes(
                os.environ.get("NEO4J_URI") or "bolt://127.0.0.1:7688",
                os.environ.get("NEO4J_AUTH", "none"),
            )
            return {
                "rows": rows,
                "failed": f"stopped after {timeout:.0f} s, the most this "
                "benchmark allows the full-size run",
            }
        finally:
            drop()
        if proc.returncode == 0 and proc.stdout.strip():
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            log(f"ingestion: {result['rows_per_second']:,.0f} rows/s")
            database = "postgres" if "postgres" in env_extra["DATABASE_URL"] else "sqlite"
            return {**result, "database": database, "earlier_failures": failures}
        failures.append(proc.stderr.strip().splitlines()[-1][-300:] if proc.stderr else "?")
        log(f"ingestion failed: {failures[-1]}")
    return {"rows": rows, "failed": "\n".join(failures)}


def _reachable(uri: str) -> bool:
    parsed = urlparse(uri)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 7687), 2):
            return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lineage_portal.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every SQL query in memory
    # DEBUG off refuses the public development keys; this throwaway process makes its own.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("AUDIT_HMAC_KEY", secrets.token_urlsafe(50))
    print(json.dumps(run(args.rows, args.days)))


if __name__ == "__main__":
    sys.exit(main())
