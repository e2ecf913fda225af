"""Runs every benchmark once and writes docs/benchmarks.md: ``python -m benchmarks.run``.

1. Workloads (var/bench/): the synthetic warehouse's schema, a corpus of distinct
   statements, a realistic query-history log, warm-up statements.
2. Parsers, each in its own process pinned to one core, one after the other: ours from
   .venv, DataHub and sqllineage from .venv-bench (scripts/bench-peers.sh builds it).
3. Agreement and accuracy from the per-statement results.
4. End-to-end ingestion into Neo4j (``INGESTION_BENCHMARK``; skipped, with the reason
   in the report, when Neo4j is not reachable).
5. The lineage explorer with 1,000 datasets in headless Chromium (benchmarks/explorer.py).
6. Scale-out: one backfill taken by one Celery worker, then by four, on servers of its
   own (``benchmarks.scale``): the time of each and whether the graphs are identical.

``--quick`` runs small sizes to check the machinery; its report goes to var/bench/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import compare, explorer, report, report_ingestion
from benchmarks.corpus import describe, distinct_corpus, realistic_log, write_jsonl
from benchmarks.sections import sections_keep
from benchmarks.warehouse import build_warehouse

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench"


@dataclass
class Options:
    """Sizes and time budgets; the defaults keep ``make bench`` near 15 minutes."""

    corpus_size: int = 6_000
    log_rows: int = 50_000
    log_jobs: int = 300
    warmup: int = 20
    corpus_chunks: int = 3
    core: int = 0
    datahub_corpus_budget: float = 240.0  # seconds; the corpus usually finishes first
    sqllineage_budget: float = 60.0
    datahub_log_budget: float = 120.0
    ingest_rows: int = 100_000
    ingest_full_rows: int = 1_000_000
    ingest_rows_per_day: int = 12_500  # 1,000,000 rows over an 80-day backfill
    ingest_full_max_seconds: float = 420.0  # run the 1M-row case only if projected below
    scale_rows_per_day: int = 12_500
    scale_days: int = 16
    scale_workers: tuple[int, ...] = (1, 4)
    peers: bool = True
    ingest: bool = True
    scale: bool = True
    report_only: bool = False
    keep_ingestion: bool = False
    explorer_only: bool = False
    out: Path = ROOT / "docs" / "benchmarks.md"


def _write_report(path: Path, text: str) -> None:
    """Write the report, keeping the sections other benchmarks own (CSV import, load)."""
    old = path.read_text() if path.exists() else ""
    path.write_text(sections_keep(old, text))


def main(argv: list[str] | None = None) -> None:
    opts = parse_options(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    if opts.explorer_only:  # the explorer alone, its section replaced in the report
        section = explorer.render(_explorer())
        opts.out.write_text(explorer.splice(opts.out.read_text(), section))
        log(f"wrote the explorer's section into {opts.out}")
        return
    if opts.report_only:  # figures and report again from the last run's files
        ctx = json.loads((WORK / "results.json").read_text())
        ctx["figures"] = figures()
        ctx["lineage_accuracy"] = lineage_accuracy(peer_python(opts)[0])
        _write_report(opts.out, report.render(ctx))
        log(f"wrote {opts.out} from {WORK / 'results.json'}")
        return
    started, load_start, code_start = time.monotonic(), os.getloadavg()[0], code_digest()
    ctx: dict = {"options": {k: str(v) for k, v in asdict(opts).items()}}
    ctx["workloads"] = prepare_workloads(opts)
    peers_python, ctx["peers_note"] = peer_python(opts)
    ctx["runs"] = parser_runs(opts, peers_python)
    ctx["figures"] = figures()
    log("lineage accuracy on the hand-written cases ...")
    ctx["lineage_accuracy"] = lineage_accuracy(peers_python)
    if opts.keep_ingestion:
        ctx["ingestion"] = report_ingestion.carried(opts.out)
        ctx["scale"] = report_ingestion.scale_carried(ctx["ingestion"])
    else:
        ctx["ingestion"] = (
            INGESTION_BENCHMARK(opts)
            if opts.ingest and INGESTION_BENCHMARK
            else {"skipped": "not requested (--no-ingest)"}
        )
        ctx["scale"] = (
            scale_benchmark(opts) if opts.scale else {"skipped": "not requested (--no-scale)"}
        )
    ctx["explorer"] = _explorer()
    ctx["elapsed_seconds"] = round(time.monotonic() - started, 1)
    ctx["load"] = (load_start, os.getloadavg()[0])
    ctx["code_changed"] = code_digest() != code_start
    ctx["environment"] = environment(ROOT)
    (WORK / "results.json").write_text(json.dumps(ctx, indent=2, default=str))
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    _write_report(opts.out, report.render(ctx))
    log(f"wrote {opts.out} in {ctx['elapsed_seconds']:.0f} s")


def _explorer() -> dict:
    """The lineage explorer with 1,000 datasets in headless Chromium (benchmarks/explorer.py)."""
    try:
        result = explorer.measure()
    except Exception as exc:  # noqa: BLE001 - the report says why, the other figures stand
        return {"skipped": f"the explorer benchmark failed: {exc}"}
    log(f"explorer: {result}")
    return result


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, report in var/bench")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-ingest", action="store_true")
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--report-only", action="store_true", help="re-render the last run")
    parser.add_argument(
        "--keep-ingestion",
        action="store_true",
        help="measure the parsers only; carry the ingestion figures over from --out",
    )
    parser.add_argument(
        "--explorer-only",
        action="store_true",
        help="measure only the lineage explorer and replace its section of the report",
    )
    args = parser.parse_args(argv)
    opts = Options(peers=not args.no_peers, ingest=not args.no_ingest, scale=not args.no_scale)
    if args.quick:
        opts = Options(
            corpus_size=300,
            log_rows=3_000,
            log_jobs=60,
            datahub_corpus_budget=20,
            sqllineage_budget=10,
            datahub_log_budget=10,
            ingest_rows=10_000,
            ingest_rows_per_day=2_000,
            ingest_full_max_seconds=0,
            scale_rows_per_day=2_000,
            scale_days=8,
            peers=opts.peers,
            ingest=opts.ingest,
            scale=opts.scale,
            out=WORK / "benchmarks-quick.md",
        )
    if args.out:
        opts.out = args.out
    opts.report_only = args.report_only
    opts.keep_ingestion = args.keep_ingestion
    opts.explorer_only = args.explorer_only
    return opts


def environment(root: Path) -> dict:
    """Date, machine, Python and the working tree the run measured."""

    def first(path: str, prefix: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return proc.stdout.strip()

    dirty = bool(git("status", "--porcelain", "--", "graph"))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": _gib(first("/proc/meminfo", "MemTotal")),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": (git("rev-parse", "--short", "HEAD") or "unknown")
        + (" + uncommitted changes under graph/" if dirty else ""),
    }


def _gib(meminfo: str) -> str:
    try:
        return f"{int(meminfo.split()[0]) / 1024**2:.0f} GiB"
    except (ValueError, IndexError):
        return meminfo


def code_digest() -> str:
    """A digest of the code measured (graph/), to notice it changing during the run."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted((ROOT / "graph").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --- workloads ------------------------------------------------------------------------
def prepare_workloads(opts: Options) -> dict:
    """Write schema, corpus, log and warm-up files; what they hold, for the report."""
    wh = build_warehouse()
    schema = wh.schema()
    (WORK / "schema.json").write_text(json.dumps(schema))
    warmup = distinct_corpus(wh, opts.warmup, seed=99)
    corpus = distinct_corpus(wh, opts.corpus_size)
    log_rows = realistic_log(wh, opts.log_rows, jobs=opts.log_jobs)
    write_jsonl(WORK / "warmup.jsonl", warmup)
    write_jsonl(WORK / "corpus.jsonl", corpus)
    write_jsonl(WORK / "log.jsonl", [r.statement for r in log_rows])
    runs_per_job: dict[int, int] = {}
    for row in log_rows:
        runs_per_job[row.template] = runs_per_job.get(row.template, 0) + 1
    counts = sorted(runs_per_job.values(), reverse=True)
    log(f"workloads: {len(corpus)} distinct statements, {len(log_rows)} log rows")
    return {
        "tables": len(wh.tables),
        "columns": sum(len(t.columns) for t in wh.tables),
        "corpus": describe(corpus),
        "log": {
            **describe([r.statement for r in log_rows]),
            "jobs": len(counts),
            "distinct_texts": len({r.statement.sql for r in log_rows}),
            "top_job_runs": counts[0],
            "top10_share": sum(counts[:10]) / len(log_rows),
            "median_job_runs": counts[len(counts) // 2],
            "days": 30,
        },
    }


# --- parsers --------------------------------------------------------------------------
def peer_python(opts: Options) -> tuple[str | None, str]:
    """The .venv-bench interpreter (building it if needed), or None and why not."""
    if not opts.peers:
        return None, "peers not requested (--no-peers)"
    script = ROOT / "scripts" / "bench-peers.sh"
    proc = subprocess.run(["bash", str(script)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"scripts/bench-peers.sh failed: {proc.stderr.strip()[-500:]}"
    return proc.stdout.strip().splitlines()[-1], ""


def parser_runs(opts: Options, peers: str | None) -> dict:
    """Every parser run, one process at a time; the corpus in alternating chunks."""
    ours, peer = (sys.executable, "benchmarks.runner_ours"), (peers, "benchmarks.runner_peers")
    runs: dict = {}
    # Ours and DataHub alternate chunk by chunk, so whatever else loads the machine
    # meanwhile weighs on both alike rather than on whichever ran second.
    size = -(-opts.corpus_size // opts.corpus_chunks)
    parts: dict[str, list] = {"ours-corpus": [], "datahub-corpus": []}
    for first in range(0, opts.corpus_size, size):
        stop = first + size
        log(f"corpus rows {first}..{stop - 1}: ours, DataHub ...")
        parts["ours-corpus"].append(
            _run(ours, "ours", "corpus", opts, f"ours-corpus-{first}", first=first, stop=stop)
        )
        budget = opts.datahub_corpus_budget / opts.corpus_chunks
        parts["datahub-corpus"].append(
            _run(
                peer,
                "datahub",
                "corpus",
                opts,
                f"datahub-corpus-{first}",
                budget=budget,
                first=first,
                stop=stop,
            )
        )
    for name, chunk_runs in parts.items():
        runs[name.replace("-", "_")] = combine(name, chunk_runs)
    log("sqllineage ...")
    runs["sqllineage_corpus"] = _run(
        peer, "sqllineage", "corpus", opts, "sqllineage-corpus", budget=opts.sqllineage_budget
    )
    log("log: DataHub ...")
    runs["datahub_log"] = _run(
        peer, "datahub", "log", opts, "datahub-log", budget=opts.datahub_log_budget, brief=True
    )
    log("log: ours ...")
    runs["ours_log"] = _run(ours, "ours", "log", opts, "ours-log", cache=True, brief=True)
    log("log: ours without a schema (what schema handling costs per call) ...")
    runs["ours_log_noschema"] = _run(
        ours, "ours", "log", opts, "ours-log-noschema", cache=True, brief=True, no_schema=True
    )
    for name, r in runs.items():
        log(f"{name}: {r.get('per_second', r.get('failed') or r.get('skipped'))} statements/s")
    return runs


def _run(runner: tuple, tool: str, workload: str, opts: Options, results: str, **how) -> dict:
    python, module = runner
    if python is None:
        return {"tool": tool, "workload": workload, "skipped": "no .venv-bench"}
    return run_tool(python, module, tool, workload, opts, results=results, **how)


def combine(name: str, chunk_runs: list[dict]) -> dict:
    """One summary (and one results file) from a tool's chunk runs."""
    ok = [r for r in chunk_runs if "per_second" in r]
    if len(ok) < len(chunk_runs):
        return next(r for r in chunk_runs if "per_second" not in r)
    with (WORK / f"{name}.jsonl").open("w") as out:
        for r in ok:
            path = WORK / f"{r['results_name']}.jsonl"
            out.write(path.read_text())
            path.unlink()
    total = {
        k: sum(r[k] for r in ok)
        for k in (
            "statements",
            "statements_total",
            "seconds",
            "with_out_table",
            "with_column_lineage",
            "errors",
        )
    }
    total["per_second"] = round(total["statements"] / total["seconds"], 2)
    total["chunks"] = len(ok)
    return {**ok[0], **total}


def run_tool(
    python: str,
    module: str,
    tool: str,
    workload: str,
    opts: Options,
    *,
    results: str,
    budget: float | None = None,
    cache: bool = False,
    brief: bool = False,
    no_schema: bool = False,
    first: int = 0,
    stop: int | None = None,
) -> dict:
    """One runner process; its JSON summary (or why it failed)."""
    path = WORK / f"{results}.jsonl"
    path.unlink(missing_ok=True)
    cmd = [
        python,
        "-m",
        module,
        tool,
        "--workload",
        workload,
        "--rows",
        str(WORK / f"{workload}.jsonl"),
        "--warmup",
        str(WORK / "warmup.jsonl"),
        "--schema",
        str(WORK / "schema.json"),
        "--core",
        str(opts.core),
        "--results",
        str(path),
    ]
    cmd += ["--budget", str(budget)] if budget else []
    cmd += ["--cache"] if cache else []
    cmd += ["--brief"] if brief else []
    cmd += ["--no-schema"] if no_schema else []
    cmd += ["--first", str(first)] + (["--stop", str(stop)] if stop is not None else [])
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"tool": tool, "workload": workload, "failed": proc.stderr.strip()[-800:]}
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "results_name": results}


def figures() -> dict:
    """Ratios on the same statements, success, agreement and accuracy."""
    res = {
        name: compare.load(WORK / f"{name}.jsonl")
        for name in (
            "ours-corpus",
            "datahub-corpus",
            "sqllineage-corpus",
            "ours-log",
            "datahub-log",
        )
    }
    corpus = compare.load(WORK / "corpus.jsonl")
    out: dict = {"success": {k: compare.success(v) for k, v in res.items() if v}}
    for peer in ("datahub-corpus", "sqllineage-corpus"):
        out[f"ratio_{peer}"] = compare.same_statement_ratio(res["ours-corpus"], res[peer])
    out["ratio_log"] = compare.same_statement_ratio(res["ours-log"], res["datahub-log"])
    if out["ratio_log"]:
        out["ratio_log"]["ours_hit_rate"] = compare.hit_rate(
            res["ours-log"], out["ratio_log"]["statements"]
        )
    out["ours_log_hit_rate"] = compare.hit_rate(res["ours-log"])
    if res["datahub-corpus"]:
        out["agreement"] = compare.agreement(res["ours-corpus"], res["datahub-corpus"], corpus)
    out["accuracy"] = {
        name: compare.accuracy(res[name], corpus)
        for name in ("ours-corpus", "datahub-corpus", "sqllineage-corpus")
        if res[name]
    }
    return out


def lineage_accuracy(peers_python: str | None) -> dict:
    """Ours, sqlglot.lineage and DataHub against the hand-written cases' truth."""
    from benchmarks import accuracy

    return accuracy.evaluate(peers_python)


# --- end-to-end ingestion -------------------------------------------------------------
def ingestion_benchmark(opts: Options) -> dict:
    """History rows through the pipeline into Neo4j: 100k rows, then 1M if it fits."""
    from benchmarks import ingest

    return ingest.benchmark(
        rows=opts.ingest_rows,
        full_rows=opts.ingest_full_rows,
        rows_per_day=opts.ingest_rows_per_day,
        full_max_seconds=opts.ingest_full_max_seconds,
        workdir=WORK,
        log=log,
    )


def scale_benchmark(opts: Options) -> dict:
    """``benchmarks.scale`` in its own process: its servers start and stop with it."""
    log(f"scale-out: {opts.scale_days} daily windows, workers {opts.scale_workers} ...")
    cmd = [sys.executable, "-m", "benchmarks.scale", "--rows-per-day", str(opts.scale_rows_per_day)]
    cmd += ["--days", str(opts.scale_days), "--workers", *map(str, opts.scale_workers)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"failed": (proc.stderr.strip() or "no output")[-800:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"scale-out: {result['speedup']}x with {opts.scale_workers[-1]} workers")
    return result


# The lead can swap in another end-to-end benchmark here (None skips it).
INGESTION_BENCHMARK: Callable[[Options], dict] | None = ingestion_benchmark


if __name__ == "__main__":
    sys.exit(main())
