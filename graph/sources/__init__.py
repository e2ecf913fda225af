"""Where lineage comes from: one module per kind of system, each returning plain records.

A source knows how to talk to one kind of system and nothing about the graph (see
``base``). ``source_for`` picks the implementation for a ``graph.models.Source`` row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.models import Source

    from .base import LineageSource

# Kinds whose history the portal pulls (the others push: OpenLineage events, dbt uploads).
PULLED_KINDS = ("snowflake", "postgres")


def source_for(source: Source) -> LineageSource:
    """The source implementation for a ``graph.models.Source`` row."""
    if source.kind == "snowflake":
        from .snowflake import SnowflakeSource

        return SnowflakeSource.from_model(source)
    if source.kind == "postgres":
        from .postgres import PostgresSource

        return PostgresSource.from_model(source)
    raise ValueError(f"source {source.name!r}: no fetcher for kind {source.kind!r}")
