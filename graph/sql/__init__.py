"""SQL → table and column lineage (sqlglot), with a fingerprint cache for query history.

    >>> from graph.sql import parse_statement
    >>> result = parse_statement("INSERT INTO mart.users SELECT id, SHA2(email) AS email "
    ...                          "FROM raw.users", default_db="analytics")
    >>> result.out_tables, result.in_tables
    (('analytics.mart.users',), ('analytics.raw.users',))
    >>> [(c.column, [(u.column, u.transform) for u in c.upstreams]) for c in result.column_lineage]
    [('id', [('id', 'identity')]), ('email', [('email', 'hashed')])]

Modules: `parser` (entry points, cache), `statements` (what each statement kind reads and
writes), `columns` (walking a query's scopes), `transforms` (identity/hashed/aggregated/
redacted/transformed and their precedence), `names` (keys and defaults), `fingerprint`,
`dialects`, `results` (the dataclasses).
"""

from graph.sql.fingerprint import fingerprint
from graph.sql.parser import LineageParser, parse_statement
from graph.sql.results import ColumnLineage, ColumnUpstream, ParseResult

__all__ = [
    "ColumnLineage",
    "ColumnUpstream",
    "LineageParser",
    "ParseResult",
    "fingerprint",
    "parse_statement",
]
