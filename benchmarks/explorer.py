"""The lineage explorer at scale: 1,000 datasets around a centre, in headless Chromium.

A portal of its own (SQLite and the embedded store in var/bench/explorer/, served by
``runserver`` on a free loopback port) holds a centre dataset and 999 datasets downstream
of it within three hops. Two shapes are measured:

* **spread**: the 999 spread over 20 schemas — the page folds them by schema, as it does
  for any neighbourhood over 300 datasets;
* **one schema**: all 1,000 in the centre's schema, which the page never folds — every
  dataset is drawn and laid out.

For each, five page loads: the time from navigation to the graph drawn (the page's own
``data-state="ready"``, read as ``performance.now()``: server, transfer, layout and first
paint), then the time a pan takes to reach the screen (``panBy`` until two animation
frames later). The median of the five is reported.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench" / "explorer"
NODES = 1_000
LOADS = 5
GOAL_SECONDS = 1.5
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "bench-explorer"

# Run inside the portal's Django (manage.py shell): 1 → 9 → 90 → 900 datasets downstream.
BUILD = """
from django.contrib.auth import get_user_model
from graph.models import Dataset
from graph.store import get_store
from graph.store.base import DatasetNode, EdgeObservation
from datetime import datetime, UTC

shape = {shape!r}
store = get_store()
store.ensure_schema()
store.clear()
Dataset.objects.all().delete()
when = datetime(2026, 6, 1, tzinfo=UTC)
keys, edges, layer = ["snowflake://bench.core.center"], [], ["snowflake://bench.core.center"]
fanout = (9, 10, 10)
for depth, wide in enumerate(fanout, start=1):
    nxt = []
    for parent in layer:
        for i in range(wide):
            n = len(keys)
            schema = "core" if shape == "one-schema" else f"s{{n % 20:02}}"
            key = f"snowflake://bench.{{schema}}.t{{n:04}}"
            keys.append(key); nxt.append(key)
            edges.append(EdgeObservation(upstream=parent, downstream=key, level="dataset",
                transformation_type="CTAS", first_seen=when, last_seen=when))
            if len(keys) >= {nodes}:
                break
        if len(keys) >= {nodes}:
            break
    layer = nxt
store.merge_datasets(DatasetNode(key=k, platform="snowflake", name=k.split("://")[1]) for k in keys)
store.merge_edges(edges)
for k in keys:
    db, schema, name = k.split("://")[1].split(".")
    Dataset.objects.create(key=k, platform="snowflake", database=db, schema=schema, name=name)
User = get_user_model()
if not User.objects.filter(username="bench").exists():
    User.objects.create_user("bench", password={password!r})
print(len(keys), len(edges))
"""


def measure(nodes: int = NODES, loads: int = LOADS) -> dict:
    """Both shapes measured; a dict for the report (``skipped`` with a reason if impossible)."""
    if not os.access(CHROMIUM, os.X_OK):
        return {"skipped": f"no Chromium at {CHROMIUM}"}
    WORK.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{WORK / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "lineage_portal.settings.local",
        "NEO4J_URI": "",
        "CELERY_BROKER_URL": "",
    }
    _manage(env, "migrate", "--noinput", "-v", "0")
    results: dict = {"nodes": nodes, "loads": loads, "goal_seconds": GOAL_SECONDS, "shapes": {}}
    load_start = os.getloadavg()[0]
    for shape in ("spread", "one-schema"):
        _manage(env, "shell", "-c", BUILD.format(shape=shape, nodes=nodes, password=PASSWORD))
        with _server(env) as base:
            results["shapes"][shape] = _browse(base, loads)
    results["load"] = [round(load_start, 1), round(os.getloadavg()[0], 1)]
    results["cores"] = os.cpu_count()
    return results


def _manage(env: dict, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed: {proc.stderr[-2000:]}")
    return proc.stdout


class _server:
    """``runserver`` on a free loopback port for the duration of a ``with``."""

    def __init__(self, env: dict):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = env

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                return base
            except OSError:
                time.sleep(0.2)
        self.proc.kill()
        raise RuntimeError("the benchmark portal did not start")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _browse(base: str, loads: int) -> dict:
    from playwright.sync_api import sync_playwright

    url = f"{base}/lineage/?dataset=snowflake://bench.core.center&depth=3&direction=downstream"
    drawn, pans, counts = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        # The page's CSP forbids eval, which Playwright's polling uses; the page itself needs none.
        page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "bench")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        for _ in range(loads):
            page.goto(url, wait_until="commit")
            page.wait_for_function(
                "document.getElementById('cy') && document.getElementById('cy').dataset.state === 'ready'",
                timeout=120_000,
            )
            drawn.append(page.evaluate("performance.now()") / 1000)
            pans.append(page.evaluate(PAN) / 1000)
        counts = page.evaluate(
            "({drawn: window.lineageGraph.nodes('.dataset').length,"
            " groups: window.lineageGraph.nodes('.schema.folded').length,"
            " data: JSON.parse(document.getElementById('graph-data').textContent).elements"
            ".filter(e => e.group === 'nodes').length})"
        )
        browser.close()
    return {
        "drawn_seconds": statistics.median(drawn),
        "drawn_max_seconds": max(drawn),
        "pan_seconds": statistics.median(pans),
        "datasets_in_page": counts["data"],
        "datasets_drawn": counts["drawn"],
        "folded_groups": counts["groups"],
    }


# A pan as a drag does it: move the viewport, wait until the frame that shows it is painted.
PAN = """() => new Promise((resolve) => {
    const cy = window.lineageGraph;
    const start = performance.now();
    cy.panBy({x: 120, y: 40});
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - start)));
})"""


def render(result: dict | None) -> str:
    """The report's section on the explorer."""
    if not result:
        return ""
    if "skipped" in result:
        return f"{HEADING}\n\nSkipped: {result['skipped']}.\n"
    rows = []
    for shape, label in (("spread", "spread over 20 schemas"), ("one-schema", "one schema")):
        r = result["shapes"][shape]
        met = "yes" if r["drawn_seconds"] + r["pan_seconds"] <= result["goal_seconds"] else "**no**"
        rows.append(
            f"| {result['nodes']:,} datasets, {label} | {r['datasets_drawn']:,} drawn"
            f" ({r['folded_groups']} folded groups) | {r['drawn_seconds']:.2f} s"
            f" (max {r['drawn_max_seconds']:.2f} s) | {r['pan_seconds'] * 1000:.0f} ms | {met} |"
        )
    return (
        f"{HEADING}\n\n"
        f"Goal: a {result['nodes']:,}-node neighbourhood drawn and pannable in ≤ "
        f"{result['goal_seconds']} s in headless Chromium (1280 × 900). Median of "
        f"{result['loads']} page loads; the time runs from navigation to the graph drawn "
        "(server, transfer, layout, first paint), the pan from `panBy` to the frame that "
        "shows it. See `benchmarks/explorer.py`; `python -m benchmarks.run --explorer-only` "
        "measures it alone.\n\n"
        f"Load average during the run: {result['load'][0]} → {result['load'][1]} on "
        f"{result['cores']} cores (other work on the machine slows every figure alike).\n\n"
        "| neighbourhood | on screen | drawn | pan | met |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


HEADING = "## Lineage explorer at scale"


def splice(report: str, section: str) -> str:
    """``report`` with its explorer section replaced by ``section`` (or added before Goals)."""
    if HEADING in report:
        before, _, rest = report.partition(HEADING)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        return before + section + ("\n" + after if after else "")
    before, goals, after = report.partition("## Goals")
    return before + section + "\n" + goals + after if goals else report + "\n" + section


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
