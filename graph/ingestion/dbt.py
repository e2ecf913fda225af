"""dbt artifacts into the graph: ``dbt_artifacts_ingest`` records them as one ``IngestionRun``.

What it writes (docs/sources.md):

* Dataset edges from each model's and snapshot's ``depends_on.nodes`` (transformation
  DBT_MODEL or DBT_SNAPSHOT), and column edges from its ``compiled_code``, parsed with the
  adapter's dialect as ``CREATE TABLE <relation> AS <compiled_code>``; a dataset edge is as
  leaky as its leakiest column edge, ``unknown`` without any.
* Every edge of a node carries the node's last run: ``execution_status`` SUCCESS, ERROR or
  SKIPPED from ``run_results.json`` (run_count 1 for a success, 0 otherwise: a failed run
  moved nothing), the time its execution started, ``job`` ``dbt:<unique_id>`` and
  ``job_version`` ``<dbt version>:<checksum of the node's file>``. Unlike a warehouse
  statement, a dbt node's dependencies are declared, so a failing model still has its
  edges, drawn as failed. A node that did not run (absent from run_results) only adds the
  edges the graph does not have yet, as NOT_RUN, so it never hides a real run's status.
* Problems are ``ParseFailure``s of the run, one per node and reason, named by the node's
  unique id: a node missing keys is left out, a node whose SQL cannot be parsed keeps its
  dataset edges. Only an unreadable manifest fails the run, with the reason as its error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from graph import keys
from graph.masking import Vocabulary, carries_value, leakiest, upstream_vocabulary
from graph.models import IngestionRun, ParseFailure, Source
from graph.sources.base import FetchIssue
from graph.sources.dbt import (
    NOT_RUN,
    TRANSFORMATIONS,
    DbtArtifacts,
    DbtArtifactsError,
    DbtNode,
    load_artifacts,
    statement_text,
    upstream_nodes,
)
from graph.sql import LineageParser
from graph.sql.shared import default_parser
from graph.store.base import DatasetNode, EdgeObservation, GraphStore, column_key

from .catalog import CatalogColumn, CatalogDataset
from .merge import LineageBatch, lineage_merge, run_finish

# The parser writes the model's columns into a table no schema knows: it maps a CTAS's
# outputs onto its target's known columns by position, and the catalog knows the model's
# columns in an order that need not be the SELECT's (a column added in the middle).
PARSE_TARGET = '"__dbt_model__"'


@dataclass
class DbtLineage:
    """What the artifacts contribute to the graph, before it is merged."""

    datasets: dict[str, DatasetNode] = field(default_factory=dict)
    columns: set[tuple[str, str]] = field(default_factory=set)
    edges: list[EdgeObservation] = field(default_factory=list)  # of nodes that ran
    unrun_edges: list[EdgeObservation] = field(default_factory=list)  # merged only if new
    issues: list[FetchIssue] = field(default_factory=list)
    nodes_with_sql: int = 0


def column_pairs(
    artifacts: DbtArtifacts, node: DbtNode, parser, schema: dict
) -> tuple[dict[tuple[str, str, str], Vocabulary], str | None]:
    """{(upstream key, upstream column, column): vocabulary} from the compiled SQL, and an error.

    The vocabulary is (masking, flow_type, subtype, masked), see ``graph.masking``.
    """
    if not node.compiled_sql:
        return {}, "no compiled SQL in the manifest (run dbt compile, build or docs generate)"
    result = parser.parse(
        statement_text(node, target=PARSE_TARGET),
        dialect=artifacts.platform,
        default_db=node.database,
        default_schema=node.schema,
        schema=schema,
    )
    if result.error:
        return {}, f"compiled SQL: {result.error}"
    pairs: dict[tuple[str, str, str], Vocabulary] = {}
    for lineage in result.column_lineage:
        for up in lineage.upstreams:
            key = keys.dataset_key(
                artifacts.platform, up.table, default_db=node.database, default_schema=node.schema
            )
            if key and key != artifacts.key(node):  # an incremental model reading itself
                pair = (key, up.column.lower(), lineage.column.lower())
                found = upstream_vocabulary(up)
                known = pairs.get(pair)
                if known is None or leakiest(known[0], found[0]) != known[0]:
                    pairs[pair] = found
    return pairs, None


def run_details(artifacts: DbtArtifacts, node: DbtNode) -> dict[str, Any]:
    """The execution metadata every edge of ``node`` carries: its last run."""
    result = artifacts.results.get(node.unique_id)
    at = artifacts.when(node.unique_id)
    status = result.status if result else NOT_RUN
    return {
        "transformation_type": TRANSFORMATIONS[node.resource_type],
        "first_seen": at,
        "last_seen": at,
        "run_count": 1 if status == "SUCCESS" else 0,
        "query_id": result.query_id if result else None,
        "job": f"dbt:{node.unique_id}"[:512],
        "job_version": f"{artifacts.dbt_version}:{node.checksum[:12]}"[:128],
        "execution_status": status,
    }


def node_lineage(
    artifacts: DbtArtifacts, node: DbtNode, parser, schema: dict, lineage: DbtLineage
) -> None:
    """Add one model's or snapshot's dataset and column edges to ``lineage``."""
    down = artifacts.key(node)
    details = run_details(artifacts, node)
    bucket = lineage.edges if node.unique_id in artifacts.results else lineage.unrun_edges
    pairs, error = column_pairs(artifacts, node, parser, schema)
    if error:
        lineage.issues.append(FetchIssue(node.unique_id, error, node.compiled_sql or ""))
    by_table: dict[str, str | None] = {}
    for (up, up_col, down_col), (masking, flow_type, subtype, masked) in sorted(pairs.items()):
        bucket.append(
            EdgeObservation(
                column_key(up, up_col),
                column_key(down, down_col),
                "column",
                masking=masking,
                flow_type=flow_type,
                subtype=subtype,
                masked=masked,
                **details,
            )
        )
        lineage.columns |= {(up, up_col), (down, down_col)}
        by_table.setdefault(up, None)
        if carries_value(flow_type):  # a filter or join column says nothing of what lands
            by_table[up] = leakiest(by_table[up], masking)
    declared = {artifacts.key(up) for up in upstream_nodes(artifacts, node, lineage.issues)}
    for up in sorted((declared | set(by_table)) - {down, None}):
        masking = by_table.get(up) or "unknown"
        bucket.append(EdgeObservation(up, down, "dataset", masking=masking, **details))
        _dataset(lineage, artifacts.platform, up, "table", details["first_seen"])


def _dataset(lineage: DbtLineage, platform: str, key: str, kind: str, at: datetime) -> None:
    """Record a dataset once; a node's own kind wins over a guess from an edge."""
    known = lineage.datasets.get(key)
    if known is None or (kind != "table" and known.kind == "table"):
        lineage.datasets[key] = DatasetNode(
            key=key, platform=platform, name=keys.key_name(key), kind=kind, first_seen=at
        )


def artifacts_lineage(artifacts: DbtArtifacts, parser) -> DbtLineage:
    """Datasets, columns and edges of every node; problems become per-node issues."""
    lineage = DbtLineage(issues=list(artifacts.issues))
    start, schema = artifacts.window()[0], artifacts.schema()
    for node in artifacts.nodes.values():
        if node.kind != "ephemeral":
            _dataset(lineage, artifacts.platform, artifacts.key(node), node.kind, start)
    for node in artifacts.nodes.values():
        if node.resource_type in TRANSFORMATIONS and node.kind != "ephemeral":
            lineage.nodes_with_sql += 1
            node_lineage(artifacts, node, parser, schema, lineage)
    return lineage


# --- the service ----------------------------------------------------------------------
def dbt_artifacts_ingest(
    *,
    source: Source,
    manifest_path: str | Path,
    run_results_path: str | Path | None = None,
    catalog_path: str | Path | None = None,
    store: GraphStore,
    parser: LineageParser | None = None,
) -> IngestionRun:
    """Record one set of dbt artifacts as an ``IngestionRun`` of ``source``.

    ``catalog.json`` is read from beside the manifest unless given. An unreadable manifest
    fails the run (its ``error`` says why); a failure while writing fails it and is raised
    again, for the caller's retry policy. The run's window spans the nodes' executions.
    """
    started, now = time.monotonic(), timezone.now()
    run = IngestionRun.objects.create(
        source=source,
        window_start=now,
        window_end=now,
        status=IngestionRun.Status.RUNNING,
        attempts=1,
        started_at=now,
    )
    beside = Path(manifest_path).with_name("catalog.json")
    catalog_path = catalog_path or (beside if beside.exists() else None)
    try:
        artifacts = load_artifacts(manifest_path, run_results_path, catalog_path)
    except DbtArtifactsError as exc:
        return run_finish(
            run=run, status=IngestionRun.Status.FAILED, started=started, error=str(exc)
        )
    run.window_start, run.window_end = artifacts.window()
    try:
        with transaction.atomic():
            _record(run, artifacts, store, parser or default_parser(), started)
    except Exception as exc:
        run_finish(
            run=run,
            status=IngestionRun.Status.FAILED,
            started=started,
            error=f"{type(exc).__name__}: {exc}",
        )
        raise
    return run


def artifacts_batch(artifacts: DbtArtifacts, lineage: DbtLineage, end: datetime) -> LineageBatch:
    """The artifacts' lineage as one batch for ``merge``: unrun edges only where new."""
    known = [
        CatalogColumn(f"{artifacts.platform}://{c.table}", c.column, c.data_type, c.ordinal)
        for c in artifacts.columns
    ]
    return LineageBatch(
        datasets=[
            CatalogDataset(d.key, d.platform, d.name, d.kind, None, d.first_seen, end)
            for d in lineage.datasets.values()
        ],
        columns=[CatalogColumn(key, name) for key, name in sorted(lineage.columns)] + known,
        edges=lineage.edges,
        edges_if_new=lineage.unrun_edges,
    )


def _record(run, artifacts: DbtArtifacts, store: GraphStore, parser, started: float) -> None:
    """Lineage into the store and the catalog, failures and watermark onto the run."""
    hits = parser.cache_hits
    lineage = artifacts_lineage(artifacts, parser)
    merged = lineage_merge(store=store, batch=artifacts_batch(artifacts, lineage, run.window_end))
    failures = [
        ParseFailure(run=run, query_id=i.query_id[:128], statement=i.statement, reason=i.reason)
        for i in lineage.issues
    ]
    nodes = len(artifacts.nodes) + artifacts.other_nodes
    run_finish(
        run=run,
        status=IngestionRun.Status.SUCCEEDED,
        started=started,
        failures=failures,
        rows_read=nodes + sum(i.skipped for i in artifacts.issues),
        statements_kept=lineage.nodes_with_sql,
        statements_filtered=nodes - lineage.nodes_with_sql,
        cache_hits=parser.cache_hits - hits,
        parse_failures=len(lineage.issues),
        datasets_written=len(lineage.datasets),
        edges_written=merged.edges,
    )
