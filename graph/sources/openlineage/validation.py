"""Is an OpenLineage event recordable? Every offending field, by JSON path, before any write.

As lenient as Marquez on what lineage does not need (unknown keys and facets, facet
``_producer``/``_schemaURL``, a missing ``eventType`` or ``schemaURL``, a namespace that
follows no naming convention, an ``eventTime`` without offset, read as UTC) and strict on
what it does: eventTime (and not too far ahead of our clock), run.runId, job and dataset
identity, column names. ``event_oversize`` says what is over the per-event limits.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.keys import column_key

from .naming import dataset_name

EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")

# Column limits of graph.models (catalog and embedded store), checked before any write.
MAX_DATASET_KEY = 512
MAX_COLUMN_KEY = 700
MAX_NAME_PART = 255
MAX_JOB = 512
MAX_DATA_TYPE = 128
MAX_JOB_VERSION = 128


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


@dataclass(frozen=True)
class EventLimits:
    """How much one event may hold, and how far ahead of our clock its eventTime may be."""

    max_future_skew: timedelta = timedelta(days=1)
    max_inputs: int = 500
    max_outputs: int = 500
    max_dataset_edges: int = 10_000
    max_column_edges: int = 20_000


def parse_event_time(value: str) -> datetime | None:
    """An ISO-8601 date-time in UTC, or None (see :func:`event_time_error` for why).

    Java's ``…Z[UTC]`` suffix is allowed; a time without offset (as the Python client's own
    examples write) is read as UTC.
    """
    return _event_time(value)[0]


def _event_time(value: str) -> tuple[datetime | None, str | None]:
    try:
        parsed = datetime.fromisoformat(re.sub(r"\[[^\]]*\]$", "", value.strip()))
    except ValueError:
        return None, "must be an ISO-8601 date-time, e.g. 2026-06-30T12:00:00Z"
    if parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC), None
    except OverflowError:  # 9999-12-31T23:59:59-14:00 is in the year 10000 in UTC
        return None, "is out of range (after the year 9999 in UTC)"


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


def openlineage_event_errors(
    event: Any, *, now: datetime | None = None, limits: EventLimits | None = None
) -> list[FieldError]:
    """Every reason ``event`` cannot be recorded, by field path; empty when it can.

    With ``now``, an eventTime more than ``limits.max_future_skew`` after it is refused: an
    event from the future would pin its edges against every later, real observation.
    """
    if not isinstance(event, dict):
        return [FieldError("body", "must be a JSON object")]
    check = _Check()
    time = check.text(event, "eventTime", "eventTime")
    if time is not None:
        _check_time(check, time, now, limits or EventLimits())
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


def _check_time(check: _Check, value: str, now: datetime | None, limits: EventLimits) -> None:
    parsed, reason = _event_time(value)
    if reason is not None or parsed is None:
        check.add("eventTime", reason or "must be an ISO-8601 date-time")
    elif now is not None and parsed > now + limits.max_future_skew:
        hours = limits.max_future_skew.total_seconds() / 3600
        check.add(
            "eventTime",
            f"is {parsed.isoformat()}, more than {hours:g} hours ahead of the portal's clock "
            f"({now.astimezone(UTC).isoformat(timespec='seconds')}); past times are history, "
            "future ones are refused",
        )


def event_oversize(event: dict, limits: EventLimits) -> list[FieldError]:
    """What a valid event holds beyond the per-event limits (answered 413), by field."""
    errors = []
    counts = {side: len(event.get(side) or []) for side in ("inputs", "outputs")}
    for side, most in (("inputs", limits.max_inputs), ("outputs", limits.max_outputs)):
        if counts[side] > most:
            errors.append(FieldError(side, f"has {counts[side]} datasets; at most {most}"))
    pairs = counts["inputs"] * counts["outputs"]
    if pairs > limits.max_dataset_edges:
        reason = f"make {pairs} dataset edges; at most {limits.max_dataset_edges} per event"
        errors.append(FieldError("inputs, outputs", reason))
    flows = column_edge_count(event)
    if flows > limits.max_column_edges:
        reason = f"has {flows} column edges; at most {limits.max_column_edges} per event"
        errors.append(FieldError("outputs[].facets.columnLineage", reason))
    return errors


def column_edge_count(event: dict) -> int:
    """How many column edges the outputs' columnLineage facets of a valid event name."""
    total = 0
    for output in event.get("outputs") or []:
        facet = (output.get("facets") or {}).get("columnLineage") or {}
        fields = facet.get("fields") if isinstance(facet, dict) else None
        for spec in (fields or {}).values():
            if isinstance(spec, dict) and isinstance(spec.get("inputFields"), list):
                total += len(spec["inputFields"])
    return total


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
