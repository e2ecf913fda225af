"""What an OpenLineage event says, as lineage records: datasets, columns, flows and edges.

Pure reading of a valid event (see ``validation``): nothing here writes. Masking comes from
the ``columnLineage`` facet's transformations (or the older ``transformationType``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.keys import column_key
from graph.masking import DIRECT, MASKING_ORDER, Vocabulary, vocabulary_for
from graph.store.base import EdgeObservation

from .naming import dataset_name
from .validation import MAX_DATA_TYPE, MAX_JOB_VERSION

TRANSFORMATION_TYPE = "OPENLINEAGE_JOB"
DATASET_TYPES = {
    "TABLE": "table",
    "VIEW": "view",
    "MATERIALIZED VIEW": "view",
    "MATERIALIZED_VIEW": "view",
    "EXTERNAL TABLE": "external",
    "EXTERNAL": "external",
    "FILE": "file",
}
IDENTITY, UNKNOWN, TRANSFORMED = "identity", "unknown", "transformed"
AGGREGATED, REDACTED, HASHED = "aggregated", "redacted", "hashed"
SUBTYPE_MASKING = {"IDENTITY": IDENTITY, "TRANSFORMATION": TRANSFORMED, "AGGREGATION": AGGREGATED}
_SUBTYPE = re.compile(r"^[A-Z][A-Z_]{0,15}$")
_HASH_HINT = re.compile(r"hash|sha-?\d|md5|digest|encrypt|fingerprint|hmac", re.IGNORECASE)


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


def transformation_vocabulary(transformation: dict) -> Vocabulary | None:
    """(masking, flow_type, subtype, masked) of one DIRECT transformation; None if INDIRECT."""
    label = transformation_masking(transformation)
    if label is None:
        return None
    subtype = str(transformation.get("subtype") or "").upper()
    return (
        label,
        DIRECT,
        subtype if _SUBTYPE.match(subtype) else None,
        transformation.get("masking") is True,
    )


def input_vocabulary(source: dict, spec: dict) -> Vocabulary | None:
    """The vocabulary of one input field of a column (the leakiest of its transformations).

    None when it only filters or joins. Without ``transformations`` it is what the older
    ``transformationType`` label implies.
    """
    transformations = [t for t in source.get("transformations") or [] if isinstance(t, dict)]
    if transformations:
        found = [v for t in transformations if (v := transformation_vocabulary(t)) is not None]
        return min(found, key=lambda v: MASKING_ORDER.index(v[0])) if found else None
    label = input_masking(source, spec)
    if label is None:
        return None
    flow_type, subtype, masked = vocabulary_for(label)
    return label, flow_type, subtype, masked


def _masked(description: Any) -> str:
    return HASHED if _HASH_HINT.search(str(description or "")) else REDACTED


@dataclass
class EventDataset:
    """A dataset as one event describes it."""

    key: str
    platform: str
    name: str
    kind: str | None = None
    description: str = ""
    # column name → (data type, ordinal) from the schema facet, None when only lineage names it
    columns: dict[str, tuple[str, int] | None] = field(default_factory=dict)


@dataclass
class EventLineage:
    """The datasets of one event and how data flowed between their columns."""

    datasets: dict[str, EventDataset] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    # (upstream dataset, column, downstream dataset, column) → masking
    flows: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    # the same flows → the full vocabulary of the transformation that set their masking
    vocabulary: dict[tuple[str, str, str, str], Vocabulary] = field(default_factory=dict)

    def add(self, namespace: str, name: str, facets: Any = None) -> EventDataset:
        platform, normalized = dataset_name(namespace, name)
        key = f"{platform}://{normalized}"
        dataset = self.datasets.setdefault(key, EventDataset(key, platform, normalized))
        if isinstance(facets, dict):
            _describe(dataset, facets)
        return dataset


def _facet(facets: dict, name: str) -> dict:
    """A facet by name; a facet we do not check is ignored when it is not an object."""
    value = facets.get(name)
    return value if isinstance(value, dict) else {}


def _describe(dataset: EventDataset, facets: dict) -> None:
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


def event_lineage(inputs: list[dict], outputs: list[dict]) -> EventLineage:
    """The datasets of an event (inputs, outputs) and the column flows into its outputs."""
    lineage = EventLineage()
    for raw in inputs:
        lineage.inputs.append(lineage.add(raw["namespace"], raw["name"], raw.get("facets")).key)
    for raw in outputs:
        output = lineage.add(raw["namespace"], raw["name"], raw.get("facets"))
        lineage.outputs.append(output.key)
        _add_flows(lineage, output, _facet(raw.get("facets") or {}, "columnLineage"))
    return lineage


def _add_flows(lineage: EventLineage, output: EventDataset, facet: dict) -> None:
    for column, spec in (facet.get("fields") or {}).items():
        for source in spec.get("inputFields") or []:
            vocabulary = input_vocabulary(source, spec)
            if vocabulary is None:
                continue
            masking = vocabulary[0]
            upstream = lineage.add(source["namespace"], source["name"])
            flow = (upstream.key, source["field"].lower(), output.key, column.lower())
            if flow[:2] == flow[2:]:
                continue
            for dataset, name in ((upstream, flow[1]), (output, flow[3])):
                dataset.columns.setdefault(name, None)
            lineage.flows[flow] = _weakest(masking, lineage.flows.get(flow, masking))
            if lineage.flows[flow] == masking:
                lineage.vocabulary[flow] = vocabulary


@dataclass(frozen=True)
class EventRun:
    """The execution an event reports: every edge it writes carries these."""

    time: datetime
    run_id: str
    job: str
    job_version: str | None

    def observe(
        self,
        upstream: str,
        downstream: str,
        level: str,
        masking: str,
        vocabulary: Vocabulary | None = None,
    ) -> EdgeObservation:
        _, flow_type, subtype, masked = vocabulary or (masking, None, None, None)
        return EdgeObservation(
            flow_type=flow_type,
            subtype=subtype,
            masked=masked,
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


def job_version(job: dict) -> str | None:
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


def run_edges(
    lineage: EventLineage, run: EventRun
) -> tuple[list[EdgeObservation], list[EdgeObservation]]:
    """(dataset edges, column edges) of a completed run."""
    columns = [
        run.observe(
            column_key(up, up_col),
            column_key(down, down_col),
            "column",
            masking,
            lineage.vocabulary.get((up, up_col, down, down_col)),
        )
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


def _pair_masking(lineage: EventLineage, upstream: str, downstream: str) -> str:
    """The leakiest column flow between two datasets; ``unknown`` without column lineage."""
    found = [
        m for (up, _, down, _), m in lineage.flows.items() if (up, down) == (upstream, downstream)
    ]
    return _weakest(*found) if found else UNKNOWN
