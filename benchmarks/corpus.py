"""The two workloads: a corpus of distinct statements, and a realistic query-history log.

* **Distinct corpus**: statements over random targets and kinds, kept only when their
  fingerprint (``graph.sql.fingerprint``: the text with literals, comments, whitespace
  and case normalized) is new — so no two could share a cache entry.
* **Realistic log**: a few hundred scheduled jobs (templates), each run many times over
  a month with that run's dates, batch ids and invocation ids, run counts following a
  Zipf law (a handful of frequent jobs, a long tail of daily ones), ordered by start
  time like ``QUERY_HISTORY``.

Both are deterministic for their seeds and written as JSON lines for the runners.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from benchmarks.statements import Statement, pick_kind, write_statement
from benchmarks.warehouse import Warehouse
from graph.sql import fingerprint

CORPUS_SEED = 20260301
LOG_SEED = 20260302
WARMUP_SEED = 99
LOG_START = datetime(2026, 3, 1)


@dataclass(frozen=True)
class LogRow:
    """One executed statement of the realistic log."""

    statement: Statement
    template: int
    start_time: datetime


def distinct_corpus(
    wh: Warehouse, size: int, *, seed: int = CORPUS_SEED, exclude: set[str] = frozenset()
) -> list[Statement]:
    """``size`` statements with pairwise different fingerprints (none in ``exclude``)."""
    rng, targets = random.Random(seed), wh.writable()
    seen, out, attempt = set(exclude), [], 0
    while len(out) < size:
        attempt += 1
        target = rng.choice(targets)
        stmt = write_statement(
            wh, target, pick_kind(rng), seed * 100_003 + attempt, attempt, rng.randint(0, 89)
        )
        key = fingerprint(stmt.sql, "snowflake")
        if key not in seen:
            seen.add(key)
            out.append(stmt)
    return out


def templates(wh: Warehouse, count: int, seed: int) -> list[tuple]:
    """``count`` jobs as (target, kind, shape seed), with distinct fingerprints."""
    rng, targets, jobs, seen = random.Random(seed), wh.writable(), [], set()
    while len(jobs) < count:
        job = (rng.choice(targets), pick_kind(rng), rng.getrandbits(48))
        key = fingerprint(write_statement(wh, *job, 0).sql, "snowflake")
        if key not in seen:
            seen.add(key)
            jobs.append(job)
    return jobs


def zipf_counts(total: int, n: int, s: float = 1.1) -> list[int]:
    """``n`` run counts adding up to ``total``, the k-th proportional to 1/k^s, each ≥ 1."""
    weights = [1 / (k**s) for k in range(1, n + 1)]
    scale = (total - n) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    counts[0] += total - sum(counts)
    return counts


def realistic_log(
    wh: Warehouse, rows: int, *, jobs: int = 300, days: int = 30, seed: int = LOG_SEED
) -> list[LogRow]:
    """``rows`` executions of ``jobs`` scheduled jobs, spread evenly over ``days``."""
    rng, out = random.Random(seed), []
    for index, (job, runs) in enumerate(
        zip(templates(wh, jobs, seed), zipf_counts(rows, jobs), strict=True)
    ):
        step = timedelta(days=days) / runs
        offset = timedelta(seconds=rng.randint(0, 3600))
        for run in range(runs):
            at = LOG_START + offset + step * run
            stmt = write_statement(wh, *job[:3], rng.getrandbits(48), (at - LOG_START).days)
            out.append(LogRow(stmt, index, at))
    out.sort(key=lambda r: (r.start_time, r.template))
    return out


def write_jsonl(path: Path, statements: list[Statement]) -> None:
    """One ``{"id", "sql", "default_db", "default_schema"}`` line per statement."""
    with path.open("w") as fh:
        for i, stmt in enumerate(statements):
            row = {"id": i, **asdict(stmt)}
            fh.write(json.dumps(row) + "\n")


def describe(statements: list[Statement]) -> dict:
    """Counts by kind and the text length range, for the report."""
    kinds: dict[str, int] = {}
    for stmt in statements:
        kinds[stmt.kind] = kinds.get(stmt.kind, 0) + 1
    lengths = sorted(len(s.sql) for s in statements)
    return {
        "statements": len(statements),
        "kinds": dict(sorted(kinds.items())),
        "chars_median": lengths[len(lengths) // 2],
        "chars_p95": lengths[int(len(lengths) * 0.95)],
        "with_join": sum(" JOIN " in s.sql.upper() for s in statements),
        "with_cte": sum(
            s.sql.lstrip().upper().startswith("WITH") or "\nWITH " in s.sql.upper()
            for s in statements
        ),
        "with_window": sum(" OVER (" in s.sql.upper() for s in statements),
    }
