"""The catalog's identity of datasets and columns: bulk upserts and renames.

Keys are built in ``graph.keys``. The catalog rows (``graph.models.Dataset``/``Column``)
are what governance classifies, so a rename moves a row rather than creating a new one,
and an upsert only widens ``first_seen``/``last_seen`` and fills what it learns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from graph.keys import DatasetKey, column_key
from graph.models import Column, Dataset
from lineage_portal.bulk_insert import objects_update, rows_update

logger = logging.getLogger(__name__)

CHUNK = 500


@dataclass(frozen=True)
class CatalogDataset:
    """What ingestion learned about one dataset in one window."""

    key: str
    platform: str
    name: str  # database.schema.table, lower-case
    kind: str = "table"
    object_id: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    owners: tuple[tuple[str, str], ...] | None = None  # (name, type) a producer reports


@dataclass(frozen=True)
class CatalogColumn:
    """A column of a catalog dataset; type and ordinal when the warehouse's catalog knows them.

    ``documented_only``: only documentation names it (a dbt schema.yml), so the warehouse
    may not have it; such a row never creates a graph node and has no position.
    """

    dataset_key: str
    name: str
    data_type: str = ""
    ordinal: int = 0
    documented_only: bool = False
    description: str = ""


def catalog_upsert(
    *, datasets: Iterable[CatalogDataset], columns: Iterable[CatalogColumn] = ()
) -> int:
    """Create or widen catalog datasets and their columns; returns datasets touched."""
    by_key: dict[str, CatalogDataset] = {}
    for row in datasets:
        by_key[row.key] = combine(by_key.get(row.key), row)
    with transaction.atomic():
        _upsert_datasets(by_key)
        _upsert_columns(list(columns))
    return len(by_key)


def combine(old: CatalogDataset | None, new: CatalogDataset) -> CatalogDataset:
    """Two sightings of one dataset as one: the widest time range, the most specific kind."""
    if old is None:
        return new
    return CatalogDataset(
        key=new.key,
        platform=new.platform,
        name=new.name,
        kind=new.kind if new.kind != "table" else old.kind,
        object_id=new.object_id or old.object_id,
        first_seen=_earliest(old.first_seen, new.first_seen),
        last_seen=_latest(old.last_seen, new.last_seen),
        owners=new.owners if new.owners is not None else old.owners,
    )


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return min((t for t in (a, b) if t is not None), default=None)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def _upsert_datasets(by_key: dict[str, CatalogDataset]) -> None:
    keys = sorted(by_key)
    existing = {}
    for start in range(0, len(keys), CHUNK):
        existing.update(Dataset.objects.in_bulk(keys[start : start + CHUNK], field_name="key"))
    new, changed = [], []
    for key in keys:
        row, current = by_key[key], existing.get(key)
        if current is None:
            new.append(_new_dataset(row))
        elif _widen(current, row):
            changed.append(current)
    Dataset.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    objects_update(Dataset, ["kind", "object_id", "first_seen", "last_seen", "owners"], changed)


def _new_dataset(row: CatalogDataset) -> Dataset:
    name = DatasetKey(row.platform, row.name)
    return Dataset(
        key=row.key,
        platform=row.platform,
        database=name.database,
        schema=name.schema,
        name=name.table,
        kind=row.kind,
        object_id=row.object_id or "",
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        owners=_owners(row.owners) or [],
    )


def _owners(owners: tuple[tuple[str, str], ...] | None) -> list[dict[str, str]] | None:
    return None if owners is None else [{"name": n, "type": t} for n, t in owners]


def _widen(current: Dataset, row: CatalogDataset) -> bool:
    """Fold ``row`` into ``current``; True when anything changed."""
    before = (
        current.kind,
        current.object_id,
        current.first_seen,
        current.last_seen,
        current.owners,
    )
    if row.kind != "table" or current.kind in ("", "unknown"):
        current.kind = row.kind
    current.object_id = current.object_id or row.object_id or ""
    current.first_seen = _earliest(current.first_seen, row.first_seen)
    current.last_seen = _latest(current.last_seen, row.last_seen)
    if row.owners is not None:  # the producer's latest word on its owners
        current.owners = _owners(row.owners)
    after = (current.kind, current.object_id, current.first_seen, current.last_seen, current.owners)
    return before != after


def _strength(row: CatalogColumn) -> tuple[bool, bool]:
    """Which of two rows of one column says more: typed over untyped over documented only."""
    return (not row.documented_only, bool(row.data_type))


def _upsert_columns(rows: list[CatalogColumn]) -> None:
    by_key: dict[str, CatalogColumn] = {}
    described: dict[str, str] = {}
    for r in sorted(rows, key=_strength):
        key = column_key(r.dataset_key, r.name)
        by_key[key] = r
        described[key] = r.description or described.get(key, "")
    if not by_key:
        return
    parents = dict(
        Dataset.objects.filter(key__in={r.dataset_key for r in by_key.values()}).values_list(
            "key", "pk"
        )
    )
    # Plain values, not model objects: nearly every column of a window is already there
    # as it is, and building thousands of objects a window to compare them cost more
    # than the queries.
    keys = sorted(by_key)
    existing: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(keys), CHUNK):
        existing.update(
            (row[0], row[1:])
            for row in Column.objects.filter(key__in=keys[start : start + CHUNK]).values_list(
                "key", "pk", *_FOLDED
            )
        )
    new, changed = [], []
    for key in keys:
        row, current = by_key[key], existing.get(key)
        parent = parents.get(row.dataset_key)
        if current is None and parent is not None:
            new.append(
                Column(
                    dataset_id=parent,
                    key=key,
                    name=row.name.lower(),
                    data_type=row.data_type,
                    ordinal=None if row.documented_only else row.ordinal,
                    documented_only=row.documented_only,
                    description=described[key],
                )
            )
        elif current is not None:
            pk, *values = current
            folded = _fold_column(tuple(values), row, described[key])
            if folded != tuple(values):
                changed.append((*folded, pk))
    Column.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    rows_update(Column, _FOLDED, changed)


_FOLDED = ("data_type", "ordinal", "documented_only", "description")


def _fold_column(current: tuple[Any, ...], row: CatalogColumn, description: str) -> tuple[Any, ...]:
    """A column's ``_FOLDED`` values with ``row`` folded in.

    A description only fills a blank one: a steward's own text is never replaced.
    """
    data_type, ordinal, documented_only, old_description = current
    if row.data_type and not row.documented_only:
        data_type, ordinal = row.data_type, row.ordinal
    if not row.documented_only and documented_only:
        documented_only = False  # seen in lineage or the warehouse: it exists
        ordinal = ordinal if row.data_type else (row.ordinal or None)
    return (data_type, ordinal, documented_only, old_description or description)


def catalog_rename(*, old_key: str, new_key: str) -> bool:
    """Move the catalog row (and its columns) of a renamed dataset, keeping its governance.

    Returns False when there is nothing to move, or when ``new_key`` already has its own
    row: two identities then exist and merging them is a steward's decision, not ours.
    """
    with transaction.atomic():
        row = Dataset.objects.select_for_update().filter(key=old_key).first()
        if row is None or old_key == new_key:
            return False
        if Dataset.objects.filter(key=new_key).exists():
            logger.warning(
                "rename %s -> %s: both have catalog rows; left as they are", old_key, new_key
            )
            return False
        new = DatasetKey.parse(new_key)
        row.key, row.name = new_key, new.table
        if len(new.parts) == 3:
            row.database, row.schema = new.database, new.schema
        row.save(update_fields=["key", "name", "database", "schema"])
        columns = list(row.columns.all())
        for column in columns:
            column.key = column_key(new_key, column.name)
        Column.objects.bulk_update(columns, ["key"], batch_size=CHUNK)
    return True


def catalog_known_keys(keys: Iterable[str]) -> set[str]:
    """The keys among ``keys`` that already have a catalog row."""
    keys = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        found.update(
            Dataset.objects.filter(key__in=keys[start : start + CHUNK]).values_list(
                "key", flat=True
            )
        )
    return found
