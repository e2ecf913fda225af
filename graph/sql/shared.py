"""The process-wide parser: its fingerprint cache is what makes repeated jobs cheap."""

from __future__ import annotations

from graph.sql.parser import LineageParser

_parser: LineageParser | None = None


def default_parser() -> LineageParser:
    """One parser per process, shared by every source and pipeline that parses SQL."""
    global _parser
    if _parser is None:
        _parser = LineageParser(cache_size=100_000)
    return _parser
