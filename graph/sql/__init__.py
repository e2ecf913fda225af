"""SQL → table and column lineage (sqlglot), with a fingerprint cache for query history.

    >>> from graph.sql import parse_statement
    >>> result = parse_statement("INSERT INTO mart.users SELECT id, SHA2(email) AS email "
    ...                          "FROM raw.users", default_db="analytics")
    >>> result.out_tables, result.in_tables
    (('analytics.mart.users',), ('analytics.raw.users',))
    >>> [(c.column, [(u.column, u.transform) for u in c.upstreams]) for c in result.column_lineage]
    [('id', [('id', 'identity')]), ('email', [('email', 'hashed')])]

Modules: `parser` (entry points, cache), `pieces` (a text → its statements, fallbacks),
`script` (statements out of procedural SQL), `union` (a script's lineage as one result),
`statements` and `dml` (what each statement kind reads and writes), `analysis` (one
statement → result), `columns` and `stars` (walking a query's scopes), `transforms` and
`vocabulary` (what happens to a value on the way: our transform label and OpenLineage's
type/subtype/masking), `names` (keys and defaults), `fingerprint`, `dialects`, `errors`,
`results` (the dataclasses).
"""

from graph.sql.fingerprint import fingerprint
from graph.sql.parser import LineageParser, parse_script, parse_statement
from graph.sql.results import ColumnLineage, ColumnUpstream, ParseResult

__all__ = [
    "ColumnLineage",
    "ColumnUpstream",
    "LineageParser",
    "ParseResult",
    "fingerprint",
    "parse_script",
    "parse_statement",
]
