"""OpenLineage: events pushed by Airflow, dbt, Spark… turned into lineage.

Unlike the warehouse sources this one is pushed, not fetched: ``POST /api/v1/lineage``
(``graph/openlineage_api.py``) hands each event to :func:`openlineage_event_ingest`, which
checks the whole event first (:func:`openlineage_event_errors`) and only then writes, so a
bad event leaves nothing half-written. What each event records (docs/openlineage.md):

* RunEvent COMPLETE: its inputs and outputs (catalog rows, dataset and column nodes from
  the ``schema`` facet), an edge from every input to every output, and column edges from
  the outputs' ``columnLineage`` facet, all with execution_status SUCCESS.
* RunEvent FAIL / ABORT: no new lineage. Edges between its datasets that already exist get
  a newer observation with execution_status FAILED / ABORTED (counted in run_count, as the
  warehouse pipeline counts failed statements), so the graph shows that the last run
  failed. A failure older than the edge's last run changes nothing.
* RunEvent START / RUNNING / OTHER, or no eventType: accepted, nothing recorded.
* DatasetEvent: the dataset and its columns. JobEvent: its inputs and outputs with their
  columns, and no edges: a job definition is not an execution.

Every write is a merge keyed by the event's own time and runId, so a replayed event
changes nothing.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db import transaction

from graph import catalog
from graph.ingestion import MASKING_ORDER
from graph.models import Dataset
from graph.store.base import ColumnNode, DatasetNode, EdgeObservation, GraphStore, column_key

TRANSFORMATION_TYPE = "OPENLINEAGE_JOB"
EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
FAILED_STATUS = {"FAIL": "FAILED", "ABORT": "ABORTED"}

# OpenLineage namespace schemes that name the same platform as our keys under another name.
PLATFORM_ALIASES = {"postgresql": "postgres", "sqlserver": "mssql", "awsathena": "athena"}
# Object stores and file systems: the bucket or host is part of a file's identity.
FILE_PLATFORMS = frozenset(
    {"s3", "s3a", "s3n", "gs", "gcs", "abfs", "abfss", "wasb", "wasbs", "hdfs", "file", "dbfs"}
)
DATASET_TYPES = {
    "TABLE": "table",
    "VIEW": "view",
    "MATERIALIZED VIEW": "view",
    "MATERIALIZED_VIEW": "view",
    "EXTERNAL TABLE": "external",
    "EXTERNAL": "external",
    "FILE": "file",
}
_PLATFORM = re.compile(r"^[a-z][a-z0-9+.\-]*$")
_QUOTES = re.compile(r'["`\[\]]')

# Column limits of graph.models (catalog and embedded store), checked before any write.
MAX_DATASET_KEY = 512
MAX_COLUMN_KEY = 700
MAX_NAME_PART = 255
MAX_JOB = 512
MAX_DATA_TYPE = 128
MAX_JOB_VERSION = 128

IDENTITY, UNKNOWN, TRANSFORMED = "identity", "unknown", "transformed"
AGGREGATED, REDACTED, HASHED = "aggregated", "redacted", "hashed"
SUBTYPE_MASKING = {"IDENTITY": IDENTITY, "TRANSFORMATION": TRANSFORMED, "AGGREGATION": AGGREGATED}
_HASH_HINT = re.compile(r"hash|sha-?\d|md5|digest|encrypt|fingerprint|hmac", re.IGNORECASE)


@dataclass(frozen=True)
class FieldError:
    """One offending field of an event: its JSON path (``inputs[0].name``) and why."""

    field: str
    reason: str


class InvalidEvent(ValueError):
    """The event cannot be recorded; ``errors`` lists every offending field."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))


@dataclass(frozen=True)
class EventResult:
    """What one event recorded: the numbers of rows merged into the graph store."""

    kind: str  # run | dataset | job
    event_type: str | None = None
    run_id: str | None = None
    datasets: int = 0
    columns: int = 0
    dataset_edges: int = 0
    column_edges: int = 0


# --- naming ---------------------------------------------------------------------------


def dataset_name(namespace: str, name: str) -> tuple[str, str]:
    """(platform, name) of an OpenLineage dataset, lower-cased, as our keys spell them.

    ``snowflake://org-account`` + ``DB.SCHEMA.TABLE`` → (snowflake, db.schema.table);
    ``postgres://host:5432`` + ``db.schema.table`` → (postgres, db.schema.table);
    ``bigquery`` + ``project.dataset.table`` → (bigquery, project.dataset.table). Other
    databases likewise: the server address is dropped, as in the keys the SQL sources
    write. Object stores and file systems keep their bucket or host
    (``s3://bucket`` + ``dir/f.csv`` → (s3, bucket/dir/f.csv)); AWS Glue ARNs become
    ``glue`` with ``database.table``.
    """
    scheme, sep, authority = namespace.strip().partition("://")
    if not sep and scheme.lower().startswith("arn:aws:glue:"):
        return "glue", _sql_name(name.strip().removeprefix("table/").replace("/", "."))
    scheme = scheme.split(":", 1)[0].lower()
    platform = PLATFORM_ALIASES.get(scheme, scheme)
    if platform in FILE_PLATFORMS:
        path = name.strip()
        if authority.strip("/"):
            path = f"{authority.strip('/')}/{path.lstrip('/')}"
        return platform, path.lower()
    return platform, _sql_name(name)


def _sql_name(name: str) -> str:
    """A table name without identifier quotes, lower-cased: quoting only changes case."""
    return _QUOTES.sub("", name).strip().lower()


# --- validation -----------------------------------------------------------------------


def event_kind(event: dict) -> str:
    """``run``, ``dataset`` or ``job``: by the schemaURL's definition name, as Marquez does.

    Without one, an event with a ``dataset`` and no ``run`` is a DatasetEvent; anything
    else is a RunEvent (so a RunEvent that lost its ``run`` is reported, not reinterpreted).
    """
    url = event.get("schemaURL")
    definition = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    if definition in ("DatasetEvent", "JobEvent"):
        return definition.removesuffix("Event").lower()
    return "dataset" if "run" not in event and "dataset" in event else "run"


def parse_event_time(value: str) -> datetime | None:
    """An ISO-8601 date-time with a time zone (Java's ``…Z[UTC]`` suffix allowed), or None."""
    try:
        parsed = datetime.fromisoformat(re.sub(r"\[[^\]]*\]$", "", value.strip()))
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


class _Check:
    """Collects field errors while walking an event; each helper returns the value if usable."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, reason: str) -> None:
        self.errors.append(FieldError(path, reason))

    def object(self, parent: dict, key: str, path: str, *, required: bool = False) -> dict | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if not isinstance(value, dict):
            self.add(path, "must be an object")
            return None
        return value

    def objects(self, parent: dict, key: str, path: str) -> list[tuple[str, dict]]:
        """The items of an optional list of objects, each with its path."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, "must be a list")
            return []
        found = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((f"{path}[{index}]", item))
            else:
                self.add(f"{path}[{index}]", "must be an object")
        return found

    def text(self, parent: dict, key: str, path: str, *, required: bool = True) -> str | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.add(path, "is required")
            return None
        if not isinstance(value, str):
            self.add(path, "must be a string")
        elif not value.strip():
            self.add(path, "must not be empty")
        else:
            return value
        return None


def openlineage_event_errors(event: Any) -> list[FieldError]:
    """Every reason ``event`` cannot be recorded, by field path; empty when it can.

    As lenient as Marquez on what lineage does not need (unknown keys and facets, facet
    ``_producer``/``_schemaURL``, a missing ``eventType`` or ``schemaURL``) and strict on
    what it does: eventTime, run.runId, job and dataset identity, column names.
    """
    if not isinstance(event, dict):
        return [FieldError("body", "must be a JSON object")]
    check = _Check()
    time = check.text(event, "eventTime", "eventTime")
    if time is not None and parse_event_time(time) is None:
        check.add("eventTime", "must be an ISO-8601 date-time with a time zone")
    check.text(event, "producer", "producer")
    check.text(event, "schemaURL", "schemaURL", required=False)
    kind = event_kind(event)
    if kind == "dataset":
        raw = check.object(event, "dataset", "dataset", required=True)
        if raw is not None:
            _check_dataset(check, raw, "dataset")
        return check.errors
    if kind == "run":
        _check_run(check, event)
    _check_job(check, event)
    for side in ("inputs", "outputs"):
        for path, raw in check.objects(event, side, side):
            _check_dataset(check, raw, path)
    return check.errors


def _check_run(check: _Check, event: dict) -> None:
    event_type = check.text(event, "eventType", "eventType", required=False)
    if event_type is not None and event_type.upper() not in EVENT_TYPES:
        check.add("eventType", f"must be one of {', '.join(EVENT_TYPES)}")
    run = check.object(event, "run", "run", required=True)
    run_id = None if run is None else check.text(run, "runId", "run.runId")
    if run_id is not None:
        try:
            uuid.UUID(run_id)
        except ValueError:
            check.add("run.runId", "must be a UUID")


def _check_job(check: _Check, event: dict) -> None:
    job = check.object(event, "job", "job", required=True)
    if job is None:
        return
    namespace = check.text(job, "namespace", "job.namespace")
    name = check.text(job, "name", "job.name")
    if namespace and name and len(f"{namespace}/{name}") > MAX_JOB:
        check.add("job.name", f"is too long (namespace/name over {MAX_JOB} characters)")


def _check_dataset(check: _Check, raw: dict, path: str) -> None:
    key = _check_identity(check, raw, path)
    facets = check.object(raw, "facets", f"{path}.facets")
    if key is None or facets is None:
        return
    schema = check.object(facets, "schema", f"{path}.facets.schema")
    if schema is not None:
        for column_path, column in check.objects(schema, "fields", f"{path}.facets.schema.fields"):
            _check_column(check, key, column.get("name"), f"{column_path}.name")
    lineage = check.object(facets, "columnLineage", f"{path}.facets.columnLineage")
    if lineage is not None:
        _check_column_lineage(check, key, lineage, f"{path}.facets.columnLineage")


def _check_identity(check: _Check, raw: dict, path: str) -> str | None:
    """The dataset key of ``raw`` if its namespace and name make a usable one."""
    namespace = check.text(raw, "namespace", f"{path}.namespace")
    name = check.text(raw, "name", f"{path}.name")
    if namespace is None or name is None:
        return None
    platform, normalized = dataset_name(namespace, name)
    if not _PLATFORM.match(platform):
        check.add(f"{path}.namespace", "must start with a platform, e.g. snowflake://account")
        return None
    key = f"{platform}://{normalized}"
    too_long = len(key) > MAX_DATASET_KEY or any(
        len(part) > MAX_NAME_PART for part in normalized.split(".")
    )
    if too_long or not normalized:
        check.add(f"{path}.name", "is empty or too long for a dataset key")
        return None
    return key


def _check_column(check: _Check, dataset_key: str, name: Any, path: str) -> None:
    if not isinstance(name, str) or not name.strip():
        check.add(path, "is required" if name is None else "must be a non-empty string")
    elif len(name) > MAX_NAME_PART or len(column_key(dataset_key, name)) > MAX_COLUMN_KEY:
        check.add(path, "is too long for a column key")


def _check_column_lineage(check: _Check, key: str, facet: dict, path: str) -> None:
    columns = check.object(facet, "fields", f"{path}.fields") or {}
    for column, spec in columns.items():
        spec_path = f"{path}.fields.{column}"
        _check_column(check, key, column, spec_path)
        if not isinstance(spec, dict):
            check.add(spec_path, "must be an object")
            continue
        for input_path, source in check.objects(spec, "inputFields", f"{spec_path}.inputFields"):
            source_key = _check_identity(check, source, input_path)
            if source_key is not None:
                _check_column(check, source_key, source.get("field"), f"{input_path}.field")
            check.objects(source, "transformations", f"{input_path}.transformations")


# --- masking --------------------------------------------------------------------------


def _weakest(*maskings: str) -> str:
    """The leakiest of alternative paths: what lands downstream (the pipeline's order)."""
    return min(maskings, key=MASKING_ORDER.index)


def transformation_masking(transformation: dict) -> str | None:
    """What one columnLineage transformation did to the value; None when it is INDIRECT.

    ``masking: true`` is ``hashed`` when the description speaks of a hash, digest or
    encryption and ``redacted`` otherwise; else the subtype decides (IDENTITY,
    TRANSFORMATION, AGGREGATION), and a DIRECT one without a known subtype is ``unknown``.
    """
    if str(transformation.get("type") or "").upper() != "DIRECT":
        return None
    if transformation.get("masking") is True:
        return _masked(transformation.get("description"))
    return SUBTYPE_MASKING.get(str(transformation.get("subtype") or "").upper(), UNKNOWN)


def input_masking(source: dict, spec: dict) -> str | None:
    """The masking of one input field of a column; None when it only filters or joins.

    Without ``transformations`` the older field-level ``transformationType`` decides:
    IDENTITY, TRANSFORMATION, AGGREGATION, or MASKED (hashed/redacted as above).
    """
    transformations = [t for t in source.get("transformations") or [] if isinstance(t, dict)]
    if transformations:
        found = [m for t in transformations if (m := transformation_masking(t)) is not None]
        return _weakest(*found) if found else None
    legacy = str(spec.get("transformationType") or "").upper()
    if legacy == "MASKED":
        return _masked(spec.get("transformationDescription"))
    return SUBTYPE_MASKING.get(legacy, UNKNOWN)


def _masked(description: Any) -> str:
    return HASHED if _HASH_HINT.search(str(description or "")) else REDACTED


# --- what an event says ---------------------------------------------------------------


@dataclass
class _Dataset:
    """A dataset as one event describes it."""

    key: str
    platform: str
    name: str
    kind: str | None = None
    description: str = ""
    # column name → (data type, ordinal) from the schema facet, None when only lineage names it
    columns: dict[str, tuple[str, int] | None] = field(default_factory=dict)


@dataclass
class _Lineage:
    """The datasets of one event and how data flowed between their columns."""

    datasets: dict[str, _Dataset] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    # (upstream dataset, column, downstream dataset, column) → masking
    flows: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def add(self, namespace: str, name: str, facets: Any = None) -> _Dataset:
        platform, normalized = dataset_name(namespace, name)
        key = f"{platform}://{normalized}"
        dataset = self.datasets.setdefault(key, _Dataset(key, platform, normalized))
        if isinstance(facets, dict):
            _describe(dataset, facets)
        return dataset


def _facet(facets: dict, name: str) -> dict:
    """A facet by name; a facet we do not check is ignored when it is not an object."""
    value = facets.get(name)
    return value if isinstance(value, dict) else {}


def _describe(dataset: _Dataset, facets: dict) -> None:
    """Fill kind, description and columns of ``dataset`` from its facets."""
    kind = _facet(facets, "datasetType").get("datasetType")
    dataset.kind = dataset.kind or DATASET_TYPES.get(str(kind or "").upper())
    description = _facet(facets, "documentation").get("description")
    if isinstance(description, str) and description.strip():
        dataset.description = description.strip()
    for position, column in enumerate(_facet(facets, "schema").get("fields") or [], start=1):
        data_type = column.get("type")
        data_type = data_type[:MAX_DATA_TYPE] if isinstance(data_type, str) else ""
        ordinal = column.get("ordinal_position")
        ordinal = ordinal if isinstance(ordinal, int) and 0 < ordinal < 2**31 else position
        if dataset.columns.get(column["name"].lower()) is None:
            dataset.columns[column["name"].lower()] = (data_type, ordinal)


def _lineage_of(inputs: list[dict], outputs: list[dict]) -> _Lineage:
    """The datasets of an event (inputs, outputs) and the column flows into its outputs."""
    lineage = _Lineage()
    for raw in inputs:
        lineage.inputs.append(lineage.add(raw["namespace"], raw["name"], raw.get("facets")).key)
    for raw in outputs:
        output = lineage.add(raw["namespace"], raw["name"], raw.get("facets"))
        lineage.outputs.append(output.key)
        _add_flows(lineage, output, _facet(raw.get("facets") or {}, "columnLineage"))
    return lineage


def _add_flows(lineage: _Lineage, output: _Dataset, facet: dict) -> None:
    for column, spec in (facet.get("fields") or {}).items():
        for source in spec.get("inputFields") or []:
            masking = input_masking(source, spec)
            if masking is None:
                continue
            upstream = lineage.add(source["namespace"], source["name"])
            flow = (upstream.key, source["field"].lower(), output.key, column.lower())
            if flow[:2] == flow[2:]:
                continue
            for dataset, name in ((upstream, flow[1]), (output, flow[3])):
                dataset.columns.setdefault(name, None)
            lineage.flows[flow] = _weakest(masking, lineage.flows.get(flow, masking))


@dataclass(frozen=True)
class _Run:
    """The execution an event reports: every edge it writes carries these."""

    time: datetime
    run_id: str
    job: str
    job_version: str | None

    def observe(self, upstream: str, downstream: str, level: str, masking: str) -> EdgeObservation:
        return EdgeObservation(
            upstream=upstream,
            downstream=downstream,
            level=level,
            transformation_type=TRANSFORMATION_TYPE,
            first_seen=self.time,
            last_seen=self.time,
            query_id=self.run_id,
            job=self.job,
            job_version=self.job_version,
            masking=masking,
        )


def _job_version(job: dict) -> str | None:
    """A ``jobVersion`` or ``sourceCodeLocation`` facet's version, else a digest of ``sourceCode``."""
    facets = job.get("facets") if isinstance(job.get("facets"), dict) else {}
    for name in ("jobVersion", "sourceCodeLocation"):
        facet = facets.get(name)
        version = facet.get("version") if isinstance(facet, dict) else None
        if isinstance(version, str) and version.strip():
            return version.strip()[:MAX_JOB_VERSION]
    code = facets.get("sourceCode")
    if isinstance(code, dict) and isinstance(code.get("sourceCode"), str):
        return "sha256:" + hashlib.sha256(code["sourceCode"].encode()).hexdigest()[:16]
    return None


# --- edges ----------------------------------------------------------------------------


def _edges(lineage: _Lineage, run: _Run) -> tuple[list[EdgeObservation], list[EdgeObservation]]:
    """(dataset edges, column edges) of a completed run."""
    columns = [
        run.observe(column_key(up, up_col), column_key(down, down_col), "column", masking)
        for (up, up_col, down, down_col), masking in sorted(lineage.flows.items())
    ]
    pairs = {(i, o) for i in lineage.inputs for o in lineage.outputs}
    pairs |= {(up, down) for up, _, down, _ in lineage.flows}
    datasets = [
        run.observe(up, down, "dataset", _pair_masking(lineage, up, down))
        for up, down in sorted(pairs)
        if up != down
    ]
    return datasets, columns


def _pair_masking(lineage: _Lineage, upstream: str, downstream: str) -> str:
    """The leakiest column flow between two datasets; ``unknown`` without column lineage."""
    found = [
        m for (up, _, down, _), m in lineage.flows.items() if (up, down) == (upstream, downstream)
    ]
    return _weakest(*found) if found else UNKNOWN


def _failed_edges(
    lineage: _Lineage, run: _Run, status: str, store: GraphStore
) -> list[EdgeObservation]:
    """Observations marking this run's existing edges ``status``; never a new edge."""
    datasets, columns = _edges(lineage, run)
    wanted = {(e.upstream, e.downstream) for e in (*datasets, *columns)}
    observed = []
    for downstream in sorted({down for _, down in wanted}):
        for edge in store.edges_of(downstream):
            # Only a failure newer than what is known can be the latest run of the edge; the
            # edge keeps its masking, as a failed run tells nothing new about what it does.
            if (edge.upstream, edge.downstream) in wanted and edge.last_seen < run.time:
                failure = run.observe(edge.upstream, edge.downstream, edge.level, edge.masking)
                observed.append(replace(failure, execution_status=status))
    return observed


# --- writes ---------------------------------------------------------------------------


def openlineage_event_ingest(*, event: dict, store: GraphStore) -> EventResult:
    """Record one OpenLineage event (see the module docstring for what each kind records).

    Raises :class:`InvalidEvent` with every offending field before anything is written.
    """
    errors = openlineage_event_errors(event)
    if errors:
        raise InvalidEvent(errors)
    time = parse_event_time(event["eventTime"])
    kind = event_kind(event)
    if kind == "dataset":
        lineage = _lineage_of([event["dataset"]], [])
        return EventResult(
            "dataset",
            datasets=len(lineage.datasets),
            columns=_record_datasets(lineage, time, store),
        )
    lineage = _lineage_of(event.get("inputs") or [], event.get("outputs") or [])
    if kind == "job":
        return EventResult(
            "job", datasets=len(lineage.datasets), columns=_record_datasets(lineage, time, store)
        )
    return _ingest_run(event, lineage, time, store)


def _ingest_run(event: dict, lineage: _Lineage, time: datetime, store: GraphStore) -> EventResult:
    job = event["job"]
    run = _Run(
        time,
        str(uuid.UUID(event["run"]["runId"])),
        f"{job['namespace']}/{job['name']}",
        _job_version(job),
    )
    event_type = str(event.get("eventType") or "OTHER").upper()
    result = EventResult("run", event_type, run.run_id)
    if event_type == "COMPLETE":
        datasets, columns = _edges(lineage, run)
        with transaction.atomic():
            written = _record_datasets(lineage, time, store)
            store.merge_edges([*datasets, *columns])
        return replace(
            result,
            datasets=len(lineage.datasets),
            columns=written,
            dataset_edges=len(datasets),
            column_edges=len(columns),
        )
    if event_type in FAILED_STATUS:
        with transaction.atomic():
            observed = _failed_edges(lineage, run, FAILED_STATUS[event_type], store)
            store.merge_edges(observed)
        levels = [o.level for o in observed]
        return replace(
            result, dataset_edges=levels.count("dataset"), column_edges=levels.count("column")
        )
    return result


def _record_datasets(lineage: _Lineage, time: datetime, store: GraphStore) -> int:
    """Catalog rows, dataset nodes and column nodes of every dataset; returns the columns."""
    datasets = list(lineage.datasets.values())
    for dataset in datasets:
        dataset.kind = dataset.kind or _known_kind(dataset, store)
    with transaction.atomic():
        catalog.catalog_upsert(
            datasets=[
                catalog.CatalogDataset(
                    key=d.key,
                    platform=d.platform,
                    name=d.name,
                    kind=d.kind,
                    first_seen=time,
                    last_seen=time,
                )
                for d in datasets
            ],
            columns=[
                catalog.CatalogColumn(d.key, name, *(typed or ("", 0)))
                for d in datasets
                for name, typed in d.columns.items()
            ],
        )
        for dataset in datasets:
            if dataset.description:
                # Fills a blank description only: a steward's own text is never replaced.
                Dataset.objects.filter(key=dataset.key, description="").update(
                    description=dataset.description
                )
        store.merge_datasets(
            DatasetNode(key=d.key, platform=d.platform, name=d.name, kind=d.kind, first_seen=time)
            for d in datasets
        )
        return store.merge_columns(
            ColumnNode(key=column_key(d.key, name), dataset_key=d.key, name=name)
            for d in datasets
            for name in d.columns
        )


def _known_kind(dataset: _Dataset, store: GraphStore) -> str:
    """The kind an event does not state: files are files; else what the store knows, or table."""
    if dataset.platform in FILE_PLATFORMS:
        return "file"
    node = store.get_dataset(dataset.key)
    return node.kind if node is not None and node.kind not in (None, "", "unknown") else "table"
