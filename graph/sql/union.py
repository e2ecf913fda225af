"""The lineage of a script as one result: the union of its statements' lineage.

`parse_script` gives each statement's own result; `parse_statement`/`LineageParser.parse`
give this union for a text holding several statements:

* a temporary table (TEMPORARY/VOLATILE, T-SQL `#t`, CACHE TABLE) is resolved away: what
  reads it reads what it was filled from, column by column (kinds composed as along any
  path), and it is neither an input nor an output;
* a permanent table written and then read is both an output and an input;
* a bare SELECT's result columns count only when no statement of the script writes;
* DROP and RENAME/SWAP contribute no data flow (renames are kept in `renames`);
* a statement that failed is a warning (`statement 3 of 5: …`), unless all failed.

The union's `statement_type` is that of the first statement that writes a table that
is not temporary.
"""

from __future__ import annotations

from graph.sql.results import ColumnLineage, ColumnUpstream, ParseResult
from graph.sql.vocabulary import DESCRIPTIONS, either, then

_KIND_OF = {description: kind for kind, description in enumerate(DESCRIPTIONS)}
_NO_FLOW = ("DROP", "RENAME", "SWAP", "ALTER")
# (table, column) → kind
_Ups = dict[tuple[str, str], int]


def combine(results: list[ParseResult]) -> ParseResult:
    """One result for the statements of a script, in order (see the module doc)."""
    worked = [r for r in results if r.error is None]
    if not worked:
        return results[0]
    temps = {t for r in worked for t in r.temporary} | {
        t for r in worked for t in r.out_tables if t.startswith("#")
    }
    temp_columns: dict[str, dict[str, _Ups]] = {}
    temp_inputs: dict[str, set[str]] = {}
    inputs: set[str] = set()
    outputs: list[str] = []
    lineage: dict[tuple[str | None, str], _Ups] = {}
    writes = any(r.out_tables and r.statement_type not in _NO_FLOW for r in worked)
    for result in worked:
        if result.statement_type in _NO_FLOW:
            continue
        read = _resolved_inputs(result.in_tables, temp_inputs)
        for item in result.column_lineage:
            ups = _resolved_upstreams(item.upstreams, temp_columns)
            if item.table in temps:
                _merge(temp_columns.setdefault(item.table, {}).setdefault(item.column, {}), ups)
            elif item.table is not None or not writes:
                _merge(lineage.setdefault((item.table, item.column), {}), ups)
        for table in result.out_tables:
            if table in temps:
                temp_inputs.setdefault(table, set()).update(read)
            elif table not in outputs:
                outputs.append(table)
        inputs |= read
    return ParseResult(
        in_tables=tuple(sorted(inputs - temps)),
        out_tables=tuple(outputs),
        column_lineage=tuple(
            ColumnLineage(
                table, column, tuple(_upstream(key, kind) for key, kind in sorted(ups.items()))
            )
            for (table, column), ups in lineage.items()
        ),
        statement_type=_statement_type(worked, temps),
        renames=tuple(pair for r in worked for pair in r.renames),
        warnings=_warnings(results),
        temporary=tuple(sorted(temps)),
    )


def _resolved_inputs(tables: tuple[str, ...], temp_inputs: dict[str, set[str]]) -> set[str]:
    read: set[str] = set()
    for table in tables:
        read |= temp_inputs.get(table, {table})
    return read


def _resolved_upstreams(
    upstreams: tuple[ColumnUpstream, ...], temp_columns: dict[str, dict[str, _Ups]]
) -> _Ups:
    """Upstreams with columns of temporary tables replaced by what filled them."""
    resolved: _Ups = {}
    for up in upstreams:
        kind = _KIND_OF[(up.transform, up.type, up.subtype, up.masking)]
        columns = temp_columns.get(up.table)
        if columns is None:
            _merge(resolved, {(up.table, up.column): kind})
            continue
        for (table, column), inner in _temp_column(columns, up.column).items():
            _merge(resolved, {(table, column): then(inner, kind)})
    return resolved


def _temp_column(columns: dict[str, _Ups], name: str) -> _Ups:
    """What fed column `name` of a temporary table (through its `*` when not named)."""
    if name in columns:
        return columns[name]
    star = columns.get("*", {})
    return {
        (table, name if column == "*" else column): kind for (table, column), kind in star.items()
    }


def _merge(into: _Ups, ups: _Ups) -> None:
    for key, kind in ups.items():
        into[key] = either(into[key], kind) if key in into else kind


def _upstream(key: tuple[str, str], kind: int) -> ColumnUpstream:
    return ColumnUpstream(key[0], key[1], *DESCRIPTIONS[kind])


def _statement_type(results: list[ParseResult], temps: set[str]) -> str:
    for result in results:
        if set(result.out_tables) - temps and result.statement_type not in _NO_FLOW:
            return result.statement_type
    return results[0].statement_type


def _warnings(results: list[ParseResult]) -> tuple[str, ...]:
    notes: list[str] = []
    total = len(results)
    for number, result in enumerate(results, start=1):
        prefix = f"statement {number} of {total}: "
        if result.error is not None:
            notes.append(prefix + result.error)
        notes.extend(prefix + warning for warning in result.warnings)
    return tuple(notes)
