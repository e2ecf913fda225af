"""One window's lineage assembly: what each statement adds to the graph, aggregated per edge.

Pure bookkeeping over ``QueryRecord``s and parse results — no database, no store. A
statement passes here once (``WindowAssembly.add``), after the filter and the parser, and
the window leaves as one ``LineageBatch`` (``WindowAssembly.batch``) for ``merge``.

* What the warehouse recorded wins over what the parser inferred: Snowflake's own column
  lineage (ACCESS_HISTORY ``directSources``) is preferred where a statement has it; the
  parser then only says how each value was transformed (``unknown`` where it cannot tell).
* Failed statements never create lineage: their observations (execution_status FAILED)
  go to ``edges_if_known``, merged only onto edges that already exist.
* Observations are aggregated per edge within the window (first/last seen, run count, the
  latest run's query id and status); renames are kept in statement order and reach the
  store before the window's edges, so earlier observations of the old name follow the
  table to its new key.
* Reads come from ``BASE_OBJECTS_ACCESSED`` of successful statements, per user and role.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from graph.keys import dataset_key, key_name
from graph.masking import carries_value, leakiest, upstream_vocabulary
from graph.sources.base import KnownColumn, QueryRecord
from graph.sql import ParseResult, fingerprint
from graph.store.base import EdgeObservation, ReadObservation, column_key

from .catalog import CatalogColumn, CatalogDataset, combine
from .merge import LineageBatch

logger = logging.getLogger(__name__)

_UNKNOWN = object()

_TRANSFORMATION = {
    "CREATE_TABLE_AS_SELECT": "CTAS",
    "CREATE_VIEW": "VIEW",
    "RENAME_TABLE": "RENAME",
}


@dataclass
class _Seen:
    """Observations of one edge (or read) in the window; the latest one's details win.

    The details are kept as they come (a statement and what it did to the value), and
    worded into the edge's fields only for the latest, when the window's batch is built.
    """

    first: datetime
    last: datetime
    count: int = 0
    latest: tuple = ()
    succeeded: bool = False

    def add(self, at: datetime, details: tuple, succeeded: bool, count: int = 1) -> None:
        if at >= self.last:  # the first observation too: it opens the range at its own time
            self.latest, self.last = details, at
        elif at < self.first:
            self.first = at
        self.count += count
        self.succeeded = self.succeeded or succeeded


_NO_COLUMNS = ("unknown", None, None, None)  # a dataset edge no column edge explains


@dataclass(frozen=True)
class _EdgePlan:
    """One statement's edges as store keys: what every run of it observes.

    ``column_edges``/``dataset_edges``: ((upstream, downstream, level), vocabulary); a
    dataset edge is as leaky as its leakiest value-carrying column edge (a filter or join
    column says nothing of what lands). ``columns``: the (dataset, column) pairs named.
    """

    column_edges: tuple[tuple[tuple[str, str, str], tuple], ...]
    dataset_edges: tuple[tuple[tuple[str, str, str], tuple], ...]
    dataset_pairs: frozenset[tuple[str, str]]
    columns: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, pairs) -> _EdgePlan:
        column_edges, columns, carried = [], set(), {}
        for (up, up_col, down, down_col), vocabulary in pairs:
            if not (up and down):
                continue
            columns.update(((up, up_col), (down, down_col)))
            key = (column_key(up, up_col), column_key(down, down_col), "column")
            column_edges.append((key, vocabulary))
            found = carried.setdefault((up, down), [])
            if carries_value(vocabulary[1]):
                found.append(vocabulary[0])
        dataset_edges = tuple(
            ((up, down, "dataset"), (leakiest(*seen), None, None, None))
            for (up, down), seen in carried.items()
        )
        return cls(tuple(column_edges), dataset_edges, frozenset(carried), frozenset(columns))


class KnownColumns:
    """The warehouse catalog's columns: the parser's schema, and types for our catalog."""

    def __init__(self, columns: list[KnownColumn]):
        self.by_table: dict[str, list[KnownColumn]] = {}
        for col in columns:
            self.by_table.setdefault(col.table.lower(), []).append(col)
        self.schema = {
            table: {c.column.lower(): c.data_type for c in cols}
            for table, cols in self.by_table.items()
        } or None

    def of(self, key: str) -> list[KnownColumn]:
        return self.by_table.get(key_name(key), [])


@dataclass
class WindowAssembly:
    """Everything one window contributes to the graph, aggregated and normalized."""

    platform: str
    known: KnownColumns = field(default_factory=lambda: KnownColumns([]))
    origin: str = "warehouse"  # whose word the edges are (graph.store.base.ORIGINS)
    datasets: dict[str, CatalogDataset] = field(default_factory=dict)
    columns: set[tuple[str, str]] = field(default_factory=set)
    edges: dict[tuple[str, str, str], _Seen] = field(default_factory=dict)
    reads: dict[tuple[str, str, str], _Seen] = field(default_factory=dict)
    temp_tables: set[tuple[str | None, str]] = field(default_factory=set)  # (user, dataset key)
    renames: list[tuple[str, str]] = field(default_factory=list)
    # Whether a moment was merged before (its runs are not counted again); None: nothing
    # of the window was. A window's observations then add their counts (see ``ledger``).
    counted: Callable[[datetime], bool] | None = None
    additive: bool = False
    # Memos: a name under the same defaults is keyed once; a cached parse result's column
    # pairs are worked out once per pair of defaults (scheduled jobs repeat statements).
    _key_memo: dict[tuple, str | None] = field(default_factory=dict)
    _parsed: dict[tuple, tuple[ParseResult, dict]] = field(default_factory=dict)
    _plans: dict[tuple, tuple[ParseResult, _EdgePlan]] = field(default_factory=dict)
    _versions: dict[int, tuple[ParseResult, str]] = field(default_factory=dict)
    _spans: dict[str, list[datetime]] = field(default_factory=dict)  # [first, last] per dataset

    # --- one statement ----------------------------------------------------------------
    def add(
        self,
        record: QueryRecord,
        *,
        temp_table: str | None = None,
        reads: bool = True,
        result: ParseResult | None = None,
    ) -> str:
        """Add what one statement contributes; returns what ``statement_lineage`` said.

        ``temp_table``: the session temporary table the statement creates (filtered);
        ``reads``: whether its reads count (not for excluded users); ``result``: the parse
        of a kept statement, None for a filtered one.
        """
        if temp_table is not None and (key := self.key(temp_table, record)):
            self.temp_tables.add((record.user, key))
        if reads:
            self._record_reads(record)
        if result is None:
            return "filtered"
        if record.succeeded:
            self._record_renames(record, result)
        return self._statement_lineage(record, result)

    def key(self, name: str, record: QueryRecord) -> str | None:
        memo = (name, record.database, record.schema)
        if (found := self._key_memo.get(memo, _UNKNOWN)) is _UNKNOWN:
            found = self._key_memo[memo] = dataset_key(
                self.platform, name, default_db=record.database, default_schema=record.schema
            )
        return found

    def _dataset(
        self, key: str, at: datetime, *, object_id: str | None = None, kind: str = "table"
    ) -> None:
        """A sighting of a dataset: its times widen its span; its kind and id are combined.

        Most rows of a window only widen a span, so spans are kept apart and mutable, and
        joined to the datasets when the batch is built.
        """
        span = self._spans.get(key)
        if span is None:
            self.datasets[key] = CatalogDataset(
                key, self.platform, key_name(key), kind, object_id, at, at
            )
            self._spans[key] = [at, at]
            return
        if at > span[1]:
            span[1] = at
        elif at < span[0]:
            span[0] = at
        old = self.datasets[key]
        if kind in ("table", old.kind) and (not object_id or object_id == old.object_id):
            return  # ``combine`` would change nothing but the span
        seen = CatalogDataset(key, self.platform, old.name, kind, object_id, at, at)
        self.datasets[key] = combine(old, seen)

    @staticmethod
    def _observe(seen: dict, key: tuple, at: datetime, details: tuple, ok: bool, count: int):
        """One more observation of ``key`` (an edge or a read) in the window."""
        if (found := seen.get(key)) is None:
            seen[key] = _Seen(at, at, count, details, ok)
        else:
            found.add(at, details, ok, count)

    def _record_renames(self, record: QueryRecord, result: ParseResult) -> None:
        if result.statement_type == "SWAP":
            # Two tables trade names; the store has no swap, so identities stay where they are.
            logger.warning(
                "query %s swaps tables; their lineage keeps the old names", record.query_id
            )
            return
        for old, new in result.renames:
            old_key, new_key = self.key(old, record), self.key(new, record)
            if old_key and new_key and old_key != new_key:
                self.renames.append((old_key, new_key))

    def _record_reads(self, record: QueryRecord) -> None:
        """Who read what: the base tables behind every successful statement."""
        if not record.succeeded or not record.base_objects_accessed:
            return
        at = record.start_time
        count = 0 if self.counted is not None and self.counted(at) else record.executions
        principals = [(p, kind) for p, kind in ((record.user, "user"), (record.role, "role")) if p]
        for obj in record.base_objects_accessed:
            key = self.key(obj.name, record) if obj.is_dataset else None
            if key is None or (record.user, key) in self.temp_tables:
                continue
            kind = "view" if obj.domain.lower() == "view" else "table"
            self._dataset(key, at, object_id=obj.object_id, kind=kind)
            for principal, principal_kind in principals:
                self._observe(self.reads, (principal, principal_kind, key), at, (), True, count)

    def _statement_lineage(self, record: QueryRecord, result: ParseResult) -> str:
        """Add one kept statement's datasets and edges.

        Returns "temporary" (it writes into a session temporary table: filtered after all),
        "lineage" or "none" (nothing written that we can name, e.g. ALTER … ADD COLUMN).
        """
        if result.statement_type in ("RENAME", "SWAP"):
            return "none"  # a new name, not a data flow (see _record_renames)
        written = {self.key(o.name, record): o for o in record.objects_modified if o.is_dataset}
        read = {self.key(o.name, record): o for o in record.direct_objects_accessed if o.is_dataset}
        targets = [k for k in written if k] or self._keys(result.out_tables, record)
        if self.temp_tables & {(record.user, t) for t in targets}:
            return "temporary"
        sources = [k for k in read if k] or self._keys(result.in_tables, record)
        if record.succeeded:
            objects = {**read, **written}
            for key in {*sources, *targets}:
                obj = objects.get(key)
                view = (obj is not None and obj.domain.lower() == "view") or (
                    key in targets and result.statement_type == "VIEW"
                )
                self._dataset(
                    key,
                    record.start_time,
                    object_id=obj and obj.object_id,
                    kind="view" if view else "table",
                )
        pairs = {(s, t) for s in sources for t in targets if s != t}
        self._add_edges(record, result, pairs)
        return "lineage" if targets else "none"

    def _keys(self, names, record: QueryRecord) -> list[str]:
        return [k for k in (self.key(name, record) for name in names) if k]

    def _add_edges(self, record, result, table_pairs: set[tuple[str, str]]) -> None:
        """Column edges, and dataset edges as leaky as their leakiest column edge."""
        plan = self._edge_plan(record, result)
        at, ok = record.start_time, record.succeeded
        count = 0 if self.counted is not None and self.counted(at) else record.executions
        if ok:
            self.columns |= plan.columns
        statement = (record, result)
        for key, vocabulary in (*plan.column_edges, *plan.dataset_edges):
            self._observe(self.edges, key, at, (statement, vocabulary), ok, count)
        for up, down in table_pairs - plan.dataset_pairs:  # no column lineage: masking unknown
            self._observe(
                self.edges, (up, down, "dataset"), at, (statement, _NO_COLUMNS), ok, count
            )

    def _edge_plan(self, record: QueryRecord, result: ParseResult) -> _EdgePlan:
        """The statement's edges as keys, worked out once per parse result and defaults
        when they come from the parser (scheduled jobs repeat the same statements)."""
        pairs = self._column_pairs(record, result)
        if pairs is None:  # the parser's own edges: the same for every repeat
            memo = (id(result), record.database, record.schema)
            if (found := self._plans.get(memo)) is not None and found[0] is result:
                return found[1]
            plan = _EdgePlan.of(self._parsed_pairs(record, result).items())
            self._plans[memo] = (result, plan)  # the result is held: its id cannot be reused
            return plan
        return _EdgePlan.of(pairs)

    def _details(self, latest: tuple) -> dict:
        """An edge's latest-wins fields, from its latest statement and what it did to the value."""
        (record, result), (masking, flow_type, subtype, masked) = latest
        return {
            "transformation_type": _TRANSFORMATION.get(record.query_type, result.statement_type),
            "query_id": record.query_id,
            "job": record.job,
            "job_version": self._job_version(record, result),
            "execution_status": record.execution_status,
            "masking": masking,
            "flow_type": flow_type,
            "subtype": subtype,
            "masked": masked,
        }

    def _column_pairs(self, record: QueryRecord, result: ParseResult) -> list[tuple] | None:
        """((upstream key, column, downstream key, column), vocabulary) for every column edge
        the warehouse recorded (ACCESS_HISTORY ``directSources``); None when it recorded none
        and the parser's edges stand (``_parsed_pairs``).

        The vocabulary is (masking, flow_type, subtype, masked), see ``graph.masking``.
        """
        warehouse = [
            (
                self.key(src.object_name, record),
                src.column_name.lower(),
                self.key(obj.name, record),
                col.name.lower(),
            )
            for obj in record.objects_modified
            if obj.is_dataset
            for col in obj.columns
            for src in col.direct_sources
        ]
        if not warehouse:
            return None
        # The warehouse's directSources are direct; how the value changed is the parser's.
        parsed = self._parsed_pairs(record, result)
        unknown = ("unknown", "DIRECT", None, None)
        return [(p, parsed.get(p, unknown)) for p in warehouse]

    def _job_version(self, record: QueryRecord, result: ParseResult) -> str:
        """The statement's fingerprint, once per parse result: the texts that share a cached
        result share their fingerprint, and fingerprinting costs as much as a cache lookup."""
        if (found := self._versions.get(id(result))) is not None and found[0] is result:
            return found[1]
        version = job_version(record.text, self.platform)
        self._versions[id(result)] = (result, version)
        return version

    def _parsed_pairs(self, record: QueryRecord, result: ParseResult) -> dict:
        """The parser's column edges as keyed pairs, worked out once per result and defaults."""
        memo = (id(result), record.database, record.schema)
        if (found := self._parsed.get(memo)) is not None and found[0] is result:
            return found[1]
        parsed = {}
        for lineage in result.column_lineage:
            down = self.key(lineage.table, record)
            for up in lineage.upstreams:
                pair = (self.key(up.table, record), up.column.lower(), down, lineage.column.lower())
                parsed[pair] = upstream_vocabulary(up)
        self._parsed[memo] = (result, parsed)  # the result is held: its id cannot be reused
        return parsed

    # --- the window, for merging -------------------------------------------------------
    def batch(self) -> LineageBatch:
        """The window as one batch: observations aggregated per edge and per read."""
        renamed = dict(self.renames)
        datasets = [
            replace(d, first_seen=self._spans[k][0], last_seen=self._spans[k][1])
            for k, d in self.datasets.items()
        ]
        batch = LineageBatch(datasets=datasets, renames=list(self.renames))
        known = {
            (key, c.column.lower()): c
            for key in self.datasets
            for c in self.known.of(renamed.get(key, key))
        }
        batch.columns = [
            CatalogColumn(key, col.column, col.data_type, col.ordinal)
            for (key, _), col in sorted(known.items())
        ] + [CatalogColumn(key, name) for key, name in sorted(self.columns - set(known))]
        for (up, down, level), seen in sorted(self.edges.items()):
            observation = EdgeObservation(
                upstream=up,
                downstream=down,
                level=level,
                first_seen=seen.first,
                last_seen=seen.last,
                run_count=seen.count,
                origin=self.origin,
                additive=self.additive,
                **self._details(seen.latest),
            )
            (batch.edges if seen.succeeded else batch.edges_if_known).append(observation)
        batch.reads = [
            ReadObservation(
                principal=p,
                principal_kind=kind,
                dataset_key=key,
                first_seen=s.first,
                last_seen=s.last,
                count=s.count,
                additive=self.additive,
            )
            for (p, kind, key), s in self.reads.items()
        ]
        return batch


@functools.lru_cache(maxsize=4096)
def job_version(text: str, dialect: str) -> str:
    """A short fingerprint of the statement: it changes when the job's SQL changes."""
    return fingerprint(text, dialect)[:12]
