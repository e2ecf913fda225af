"""dbt: what a project's artifacts say (``manifest.json``, ``run_results.json``, ``catalog.json``).

The artifacts are pushed, not fetched: a deployment uploads those of a ``dbt build`` and
``graph.ingestion.dbt.dbt_artifacts_ingest`` records them as one ``IngestionRun``.
This module reads and checks them, and serves them as a ``DbtSource`` in the shape every
source has (one CTAS-shaped record per model and snapshot), for the generic pipeline.

* Datasets: models, seeds, snapshots and sources, keyed ``<adapter type>://db.schema.table``
  from their ``relation_name`` (else database, schema and alias or identifier). Ephemeral
  models are no datasets: their dependants read through them.
* Columns from ``catalog.json`` (what the warehouse has, typed and in order) and, as hints,
  the ones ``schema.yml`` documents: without a catalog they are *documented only* — a
  plain ``dbt build`` writes no catalog and the YAML names only some columns, so they are
  never taken for the whole schema. A relation the catalog calls a VIEW is a view
  whatever its materialization says. Model, source and column descriptions come along.
* ``run_results.json`` only says how nodes ran when a command ran them (``args.which``
  run, build, seed, snapshot, retry); one written by ``docs generate``, ``compile``,
  ``ls``, ``parse``, ``test``, ``show`` is ignored, with an issue saying so.
* BigQuery relations (`` `project`.`dataset`.`table` ``) lose their backticks like any
  other identifier quotes (``graph.keys``), so they meet parsed SQL and OpenLineage keys.
* A node that cannot be used (missing keys, a relation that is no table name) is left out
  and reported as a ``FetchIssue`` named by its unique id; so is an unreadable
  ``run_results.json`` or ``catalog.json``. Only an unreadable manifest raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from graph import keys

from .base import (
    AccessedObject,
    FetchIssue,
    IssueHandler,
    KnownColumn,
    LineageSource,
    QueryRecord,
    log_issue,
)

if TYPE_CHECKING:
    from graph.models import Source

TRANSFORMATIONS = {"model": "DBT_MODEL", "snapshot": "DBT_SNAPSHOT"}
DATASET_TYPES = ("model", "seed", "snapshot")
STATUSES = {"success": "SUCCESS", "error": "ERROR", "skipped": "SKIPPED", "fail": "ERROR"}
# The dbt commands whose run_results.json says how models ran (its ``args.which``).
RUNNING_COMMANDS = ("run", "build", "seed", "snapshot", "retry")
NOT_RUN = "NOT_RUN"
VIEW_MATERIALIZATIONS = ("view", "materialized_view")


class DbtArtifactsError(ValueError):
    """An artifact file cannot be used at all (missing, not JSON, not a dbt artifact)."""


@dataclass(frozen=True)
class DbtNode:
    """A model, seed, snapshot or source of the manifest, as lineage needs it."""

    unique_id: str
    resource_type: str
    relation: str  # as the warehouse spells it: "shop"."marts"."orders"
    database: str
    schema: str
    kind: str  # table | view | ephemeral
    depends_on: tuple[str, ...] = ()
    compiled_sql: str | None = None
    checksum: str = ""


@dataclass(frozen=True)
class DbtResult:
    """A node's outcome in ``run_results.json``."""

    status: str  # SUCCESS | ERROR | SKIPPED
    started_at: datetime | None
    completed_at: datetime | None
    execution_time: float
    message: str | None
    query_id: str | None


@dataclass
class DbtArtifacts:
    """A manifest with its (optional) run results and catalog, read and checked."""

    platform: str
    dbt_version: str
    generated_at: datetime
    nodes: dict[str, DbtNode]
    results: dict[str, DbtResult] = field(default_factory=dict)
    columns: list[KnownColumn] = field(default_factory=list)
    issues: list[FetchIssue] = field(default_factory=list)
    other_nodes: int = 0  # tests, analyses, operations…: read, but no lineage
    # (table, column) the warehouse's catalog (catalog.json) lists: the columns that exist
    in_warehouse: set[tuple[str, str]] = field(default_factory=set)
    descriptions: dict[str, str] = field(default_factory=dict)  # table -> description
    column_descriptions: dict[tuple[str, str], str] = field(default_factory=dict)

    def key(self, node: DbtNode) -> str | None:
        return keys.dataset_key(
            self.platform, node.relation, default_db=node.database, default_schema=node.schema
        )

    def when(self, unique_id: str) -> datetime:
        """When the node last ran (its execution's start), else when dbt wrote the manifest."""
        result = self.results.get(unique_id)
        return (result and (result.started_at or result.completed_at)) or self.generated_at

    def window(self) -> tuple[datetime, datetime]:
        times = [self.generated_at] + [
            t for r in self.results.values() for t in (r.started_at, r.completed_at) if t
        ]
        return min(times), max(times)

    def schema(self, *, documented: bool = True) -> dict[str, dict[str, str]]:
        """Known columns as the parser takes them, to expand ``SELECT *``.

        ``documented=False`` leaves out the columns only schema.yml names: a hint that may
        be partial, which a parser must not take for a table's whole schema.
        """
        known: dict[str, dict[str, str]] = {}
        for col in self.columns:
            if documented or self.exists(col.table, col.column):
                known.setdefault(col.table, {})[col.column.lower()] = col.data_type
        return known

    def exists(self, table: str, column: str) -> bool:
        """Does the warehouse's catalog list this column (so it exists, whatever SQL says)?"""
        return (table, column.lower()) in self.in_warehouse


# --- reading the artifacts ------------------------------------------------------------
def read_json(path: str | Path, what: str) -> dict:
    """One artifact file as a dict, or DbtArtifactsError saying why not."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise DbtArtifactsError(f"{what}: cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise DbtArtifactsError(f"{what}: not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metadata"), dict):
        raise DbtArtifactsError(f"{what}: not a dbt artifact (no metadata object)")
    return data


def load_artifacts(
    manifest_path: str | Path,
    run_results_path: str | Path | None = None,
    catalog_path: str | Path | None = None,
) -> DbtArtifacts:
    """Read the artifacts; an unusable manifest raises, everything else becomes issues."""
    manifest = read_json(manifest_path, "manifest.json")
    meta = manifest["metadata"]
    if not isinstance(manifest.get("nodes"), dict):
        raise DbtArtifactsError("manifest.json: no nodes object")
    artifacts = DbtArtifacts(
        platform=str(meta.get("adapter_type") or "unknown").lower(),
        dbt_version=str(meta.get("dbt_version") or "unknown"),
        generated_at=parse_time(meta.get("generated_at")) or timezone.now(),
        nodes={},
    )
    sources = manifest.get("sources") if isinstance(manifest.get("sources"), dict) else {}
    for unique_id, raw in [*manifest["nodes"].items(), *sources.items()]:
        _add_node(artifacts, unique_id, raw)
    for path, what, reader in (
        (run_results_path, "run_results.json", _add_results),
        (catalog_path, "catalog.json", _add_catalog),
    ):
        if path is not None:
            try:
                reader(artifacts, read_json(path, what))
            except DbtArtifactsError as exc:
                artifacts.issues.append(FetchIssue(what, str(exc)))
    artifacts.columns = ordered_columns(artifacts.columns)
    return artifacts


def ordered_columns(columns: list[KnownColumn]) -> list[KnownColumn]:
    """One entry per column: the catalog's (typed, in table order) first, then the manifest's.

    The order matters: the parser maps a query's outputs onto a table's known columns by
    position, and the manifest lists documented columns in any order.
    """
    by_table: dict[str, dict[str, KnownColumn]] = {}
    for col in sorted(columns, key=lambda c: (c.ordinal == 0, c.ordinal)):
        by_table.setdefault(col.table, {}).setdefault(col.column.lower(), col)
    return [col for table in by_table.values() for col in table.values()]


def _add_node(artifacts: DbtArtifacts, unique_id: str, raw: Any) -> None:
    kind = raw.get("resource_type") if isinstance(raw, dict) else None
    if kind not in (*DATASET_TYPES, "source"):
        artifacts.other_nodes += 1
        return
    try:
        node = node_from_manifest(unique_id, raw)
    except (KeyError, TypeError, ValueError) as exc:
        reason = f"unusable manifest entry: {exc!r}"
        artifacts.issues.append(FetchIssue(unique_id, reason, skipped=True))
        return
    key = artifacts.key(node)
    if key is None:
        reason = f"relation {node.relation!r} is not a database.schema.table name"
        artifacts.issues.append(FetchIssue(unique_id, reason, skipped=True))
        return
    artifacts.nodes[unique_id] = node
    table = keys.key_name(key)
    documented = [c for c in (raw.get("columns") or {}).values() if isinstance(c, dict)]
    documented = [c for c in documented if isinstance(c.get("name"), str) and c["name"].strip()]
    artifacts.columns += [
        KnownColumn(table, c["name"], c.get("data_type") or "", 0) for c in documented
    ]
    for column in documented:
        if isinstance(column.get("description"), str) and column["description"].strip():
            artifacts.column_descriptions[(table, column["name"].lower())] = column[
                "description"
            ].strip()
    if isinstance(raw.get("description"), str) and raw["description"].strip():
        artifacts.descriptions[table] = raw["description"].strip()


def node_from_manifest(unique_id: str, raw: dict) -> DbtNode:
    """A DbtNode from a manifest entry; KeyError/TypeError name what is missing."""
    database, schema = raw["database"] or "", raw["schema"]
    materialized = (raw.get("config") or {}).get("materialized") or "table"
    name = (
        raw["identifier"] if raw["resource_type"] == "source" else raw.get("alias") or raw["name"]
    )
    relation = raw.get("relation_name") or ".".join(
        f'"{part}"' for part in (database, schema, name) if part
    )
    depends = raw["depends_on"]["nodes"] if raw["resource_type"] in TRANSFORMATIONS else []
    checksum = (raw.get("checksum") or {}).get("checksum") or ""
    return DbtNode(
        unique_id=unique_id,
        resource_type=raw["resource_type"],
        relation=relation,
        database=database,
        schema=schema,
        kind="ephemeral"
        if materialized == "ephemeral"
        else "view"
        if materialized in VIEW_MATERIALIZATIONS
        else "table",
        depends_on=tuple(str(d) for d in depends),
        compiled_sql=raw.get("compiled_code") or raw.get("compiled_sql"),
        checksum=str(checksum),
    )


def _add_results(artifacts: DbtArtifacts, data: dict) -> None:
    which = str((data.get("args") or {}).get("which") or "").lower()
    if which and which not in RUNNING_COMMANDS:
        reason = (
            f"run_results.json is from `dbt {which}`, which runs no model: "
            "its statuses are not runs and were ignored"
        )
        artifacts.issues.append(FetchIssue("run_results.json", reason))
        return
    invocation = data["metadata"].get("invocation_id")
    for raw in data.get("results") or ():
        if not isinstance(raw, dict) or raw.get("unique_id") not in artifacts.nodes:
            continue  # tests and operations, or a node the manifest does not have
        timing = {t.get("name"): t for t in raw.get("timing") or () if isinstance(t, dict)}
        step = timing.get("execute") or timing.get("compile") or {}
        status = str(raw.get("status") or "").lower()
        artifacts.results[raw["unique_id"]] = DbtResult(
            status=STATUSES.get(status, status.upper() or "UNKNOWN"),
            started_at=parse_time(step.get("started_at")),
            completed_at=parse_time(step.get("completed_at")),
            execution_time=float(raw.get("execution_time") or 0),
            message=raw.get("message"),
            query_id=(raw.get("adapter_response") or {}).get("query_id") or invocation,
        )


def _add_catalog(artifacts: DbtArtifacts, data: dict) -> None:
    """Typed columns, and the real kind (view or table) of every relation dbt found."""
    for unique_id, entry in [
        *(data.get("nodes") or {}).items(),
        *(data.get("sources") or {}).items(),
    ]:
        node = artifacts.nodes.get(unique_id)
        if node is None or not isinstance(entry, dict):
            continue
        if str((entry.get("metadata") or {}).get("type") or "").upper() == "VIEW":
            artifacts.nodes[unique_id] = replace(node, kind="view")
        table = keys.key_name(artifacts.key(node) or "")
        found = [
            KnownColumn(table, str(c["name"]), str(c.get("type") or ""), int(c.get("index") or 0))
            for c in (entry.get("columns") or {}).values()
            if isinstance(c, dict) and c.get("name")
        ]
        artifacts.columns += found
        artifacts.in_warehouse |= {(table, c.column.lower()) for c in found}


def parse_time(value: Any) -> datetime | None:
    """An artifact's ISO timestamp as an aware UTC datetime (None when absent or bad)."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- what the nodes read ---------------------------------------------------------------
def statement_text(node: DbtNode, target: str | None = None) -> str:
    """The compiled SELECT as the statement that materializes it (into ``target`` if given)."""
    sql = (node.compiled_sql or "").strip().rstrip(";")
    return f"CREATE TABLE {target or node.relation} AS {sql}"


def upstream_nodes(
    artifacts: DbtArtifacts, node: DbtNode, issues: list[FetchIssue]
) -> list[DbtNode]:
    """The datasets a node reads: its dependencies, looking through ephemeral models."""
    found, pending, seen = [], list(node.depends_on), set()
    while pending:
        unique_id = pending.pop(0)
        if unique_id in seen:
            continue
        seen.add(unique_id)
        upstream = artifacts.nodes.get(unique_id)
        if upstream is None:
            reason = f"depends on {unique_id}, which the manifest lacks or which was left out"
            issues.append(FetchIssue(node.unique_id, reason))
        elif upstream.kind == "ephemeral":
            pending += upstream.depends_on
        else:
            found.append(upstream)
    return found


# --- the common source shape ----------------------------------------------------------
class DbtSource(LineageSource):
    """The artifacts as a ``LineageSource``: one CTAS-shaped record per model and snapshot.

    For the generic pipeline (which applies its own rules: transformation CTAS, failed runs
    only onto known edges); ``dbt_artifacts_ingest`` is the dbt-aware way in.
    """

    origin = "dbt"

    def __init__(self, artifacts: DbtArtifacts):
        self.artifacts = artifacts
        self.platform = self.dialect = artifacts.platform

    @classmethod
    def from_model(cls, source: Source) -> DbtSource:
        """The source for a ``graph.models.Source`` of kind dbt: artifact paths in options."""
        options = source.options or {}
        return cls(
            load_artifacts(
                options["manifest_path"],
                options.get("run_results_path"),
                options.get("catalog_path"),
            )
        )

    def fetch(
        self, window_start: datetime, window_end: datetime, *, on_issue: IssueHandler = log_issue
    ) -> Iterator[QueryRecord]:
        """Models and snapshots that last ran (or, never run, were compiled) in the window."""
        for issue in self.artifacts.issues:
            on_issue(issue)
        nodes = sorted(
            self.artifacts.nodes.values(), key=lambda n: self.artifacts.when(n.unique_id)
        )
        for node in nodes:
            if node.resource_type not in TRANSFORMATIONS or node.kind == "ephemeral":
                continue
            if window_start <= self.artifacts.when(node.unique_id) < window_end:
                if node.compiled_sql:
                    yield self.record(node)
                else:
                    on_issue(FetchIssue(node.unique_id, "no compiled SQL", skipped=True))

    def record(self, node: DbtNode) -> QueryRecord:
        """One node as the statement that materializes it."""
        result = self.artifacts.results.get(node.unique_id)
        upstreams = upstream_nodes(self.artifacts, node, [])
        return QueryRecord(
            query_id=node.unique_id,
            text=statement_text(node),
            query_type="CREATE_TABLE_AS_SELECT",
            execution_status=result.status if result else NOT_RUN,
            start_time=self.artifacts.when(node.unique_id),
            end_time=result.completed_at if result else None,
            error=result.message if result and result.status != "SUCCESS" else None,
            database=node.database,
            schema=node.schema,
            job=f"dbt:{node.unique_id}",
            objects_modified=(AccessedObject(node.relation, node.kind.capitalize()),),
            direct_objects_accessed=tuple(
                AccessedObject(u.relation, u.kind.capitalize()) for u in upstreams
            ),
        )

    def fetch_columns(self) -> list[KnownColumn]:
        return list(self.artifacts.columns)
