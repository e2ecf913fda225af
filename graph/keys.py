"""Dataset and column keys: the one place they are built, parsed and normalized.

A dataset key is the lower-cased ``platform://database.schema.table`` (as qualified as
the name and its defaults allow); a column key is ``<dataset key>#<column>``. Every layer
(sources, ingestion, both graph stores, governance, pages) speaks these keys, so they are
parsed here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME_PART = re.compile(r'"((?:[^"]|"")*)"|`((?:[^`]|``)*)`|([^."`]+)')


def name_parts(name: str) -> list[str]:
    """``db.schema."Table"`` → ['db', 'schema', 'Table'] (quotes removed, dots inside kept).

    Backticks quote too (BigQuery, MySQL, Databricks): `` `project`.`dataset`.`table` ``
    is three parts, and BigQuery's `` `project.dataset.table` `` — one quoted path — as
    well, so every spelling of a BigQuery table meets one key.
    """
    parts: list[str] = []
    for quoted, ticked, bare in _NAME_PART.findall(name):
        if ticked:
            parts += ticked.replace("``", "`").split(".")
        else:
            parts.append(bare.strip() if bare else quoted.replace('""', '"'))
    return parts


def dataset_key(
    platform: str, name: str, *, default_db: str | None = None, default_schema: str | None = None
) -> str | None:
    """The normalized key of a table name, qualified with the defaults; None if not a table.

    Stages (``@raw.landing_stage``) and empty names are not datasets.
    """
    name = (name or "").strip()
    if not name or name.startswith("@"):
        return None
    parts = [p for p in name_parts(name) if p]
    if not parts or len(parts) > 3:
        return None
    if len(parts) == 1 and default_schema:
        parts = [default_schema, *parts]
    if len(parts) == 2 and default_db:
        parts = [default_db, *parts]
    return f"{platform}://{'.'.join(parts).lower()}"


def column_key(dataset_key: str, column: str) -> str:
    """The key of a column: its dataset's key, '#', the lower-cased column name."""
    return f"{dataset_key}#{column.lower()}"


def is_column_key(key: str) -> bool:
    """True for ``<dataset key>#<column>``: a ``#`` after the platform's ``://``."""
    head, sep, _ = key.partition("://")
    return key.find("#", len(head) + len(sep) if sep else 0) >= 0


@dataclass(frozen=True)
class DatasetKey:
    """A parsed dataset key: ``platform`` and ``name`` (``database.schema.table``)."""

    platform: str
    name: str

    @classmethod
    def parse(cls, key: str) -> DatasetKey:
        """Split ``platform://name`` as it is; a key without a platform keeps it empty."""
        platform, sep, name = key.partition("://")
        return cls(platform, name) if sep else cls("", key)

    def __str__(self) -> str:
        return f"{self.platform}://{self.name}" if self.platform else self.name

    @property
    def parts(self) -> list[str]:
        """The name's dotted parts (database, schema, table — as many as it has)."""
        return self.name.split(".")

    @property
    def table(self) -> str:
        return self.parts[-1]

    @property
    def schema(self) -> str:
        """The schema part, or "" when the name is not qualified that far."""
        parts = self.parts
        return parts[-2] if len(parts) >= 2 else ""

    @property
    def database(self) -> str:
        parts = self.parts
        return parts[-3] if len(parts) >= 3 else ""

    @property
    def short(self) -> str:
        """``schema.table``: how pages name a dataset where the database goes without saying."""
        return ".".join(self.parts[-2:])


@dataclass(frozen=True)
class ColumnKey:
    """A parsed column key: its dataset and the column name."""

    dataset: DatasetKey
    column: str

    @classmethod
    def parse(cls, key: str) -> ColumnKey:
        """Split at the first ``#`` after the platform.

        Column names (Oracle's ``EMP#``) are likelier to hold a ``#`` than table names.
        """
        head, sep, _ = key.partition("://")
        cut = key.find("#", len(head) + len(sep) if sep else 0)
        if cut < 0:
            raise ValueError(f"not a column key (no '#'): {key!r}")
        return cls(DatasetKey.parse(key[:cut]), key[cut + 1 :])

    @property
    def dataset_key(self) -> str:
        return str(self.dataset)

    def __str__(self) -> str:
        return column_key(str(self.dataset), self.column)


def normalize_key(key: str) -> str:
    """A key as typed by a person (any case, spaces around) in its stored form."""
    return key.strip().lower()


def key_name(key: str) -> str:
    """The ``database.schema.table`` part of a dataset key."""
    return key.split("://", 1)[-1]


def asset_label(key: str) -> str:
    """How a page names any key in a sentence: ``raw.customers`` or ``raw.customers.email``."""
    if is_column_key(key):
        column = ColumnKey.parse(key)
        return f"{column.dataset.short}.{column.column}"
    return DatasetKey.parse(key).short
