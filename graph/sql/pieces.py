"""A text → the statements in it, each prepared and analyzed at the deepest level it allows.

The common case — one statement sqlglot parses — costs one parse. A text sqlglot cannot
parse whole, or a routine definition, goes through `graph.sql.script`. Before analysis
each statement's identifiers are folded, Snowflake `IDENTIFIER('db.s.t')` becomes the
table it names and BigQuery shard/wildcard/partition names become one table; inside a
procedure body `SELECT … INTO var` assigns a variable (T-SQL aside, where it creates a
table). A fallback parses the statement afresh: analysis rewrites it in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from graph.sql.analysis import ColumnsUnresolved, Depth, analyze_statement
from graph.sql.errors import StatementCountError, describe_error, first_line
from graph.sql.names import Naming, SchemaIndex, bigquery_table_name
from graph.sql.repairs import batch_separators, repaired, restore_outputs
from graph.sql.results import ParseResult, failed
from graph.sql.script import split_script

_TRANSACTION_CONTROL = (exp.Transaction, exp.Commit, exp.Rollback)
_PROCEDURAL_COMMANDS = frozenset({"EXECUTE", "DO", "BEGIN", "DECLARE"})
_ROUTINES = frozenset({"PROCEDURE", "FUNCTION"})


@dataclass(frozen=True)
class Context:
    """What every statement of one call is parsed with."""

    dialect: Dialect
    name: str  # sqlglot's dialect name
    naming: Naming
    schema: Callable[[], SchemaIndex]
    schema_digest: str


@dataclass
class _Piece:
    """One statement to analyze: parsed already (`first`), and how to parse it again."""

    first: exp.Expr | None
    again: Callable[[], exp.Expr]
    in_script: bool = False


def parse_pieces(sql: str, context: Context) -> list[ParseResult]:
    """The result of every statement in `sql`, in order (one for a plain statement)."""
    try:
        pieces = _pieces(sql, context)
    except Exception as exc:  # the contract is "never raise"
        return [failed(describe_error(exc))]
    if not pieces:  # a routine or block without a statement that reads or writes data
        return [ParseResult((), (), (), "OTHER")]
    return [_analyze(piece, context, "identifier" in sql.lower()) for piece in pieces]


def _pieces(sql: str, context: Context) -> list[_Piece]:
    if not isinstance(sql, str):
        raise StatementCountError(f"sql must be a string, not {type(sql).__name__}")
    try:
        parsed, problem = _statements(sql, context), None
    except (ParseError, TokenError) as exc:
        parsed, problem = None, exc
    if parsed is not None and not _procedural(parsed):
        if not parsed:
            raise StatementCountError("empty statement: nothing to parse")
        wanted = [i for i, s in enumerate(parsed) if not isinstance(s, _TRANSACTION_CONTROL)]
        return [_Piece(parsed[i], partial(_nth, sql, context, i)) for i in wanted or [0]]
    texts = split_script(sql, context.name)
    if not texts and problem is not None:
        raise problem
    return [_Piece(None, partial(_one, text, context), in_script=True) for text in texts]


def _statements(sql: str, context: Context) -> list[exp.Expr]:
    """sqlglot's statements, without empty ones and comment-only `;` tails; a text with
    syntax sqlglot does not read is repaired and parsed again (`graph.sql.repairs`)."""
    text = batch_separators(sql, context.name)
    try:
        return _parsed(text, context.dialect)
    except (ParseError, TokenError):
        fix = repaired(text, context.name)
        if fix is None:
            raise
        text, outputs = fix
        return [
            restore_outputs(s, outputs, context.dialect) for s in _parsed(text, context.dialect)
        ]


def _parsed(sql: str, dialect: Dialect) -> list[exp.Expr]:
    return [s for s in dialect.parse(sql) if s is not None and not isinstance(s, exp.Semicolon)]


def _nth(sql: str, context: Context, index: int) -> exp.Expr:
    return _statements(sql, context)[index]


def _one(text: str, context: Context) -> exp.Expr:
    statements = _statements(text, context)
    if not statements:
        raise StatementCountError("empty statement: nothing to parse")
    return statements[0]


def _procedural(statements: list[exp.Expr]) -> bool:
    """Whether sqlglot read a routine or block it cannot see into."""
    for statement in statements:
        if isinstance(statement, exp.Block):
            return True
        if (
            isinstance(statement, exp.Create)
            and str(statement.args.get("kind")).upper() in _ROUTINES
        ):
            return True
        if (
            isinstance(statement, exp.Command)
            and str(statement.this).upper() in _PROCEDURAL_COMMANDS
        ):
            return True
    return False


def _analyze(piece: _Piece, context: Context, identifiers: bool) -> ParseResult:
    """Analyze one statement, one depth shallower each time columns cannot be resolved."""
    schema = context.schema()
    depth = Depth.SCHEMA if schema.columns else Depth.NO_SCHEMA
    fallbacks: list[str] = []
    statement = piece.first
    while True:
        try:
            if statement is None:
                statement = piece.again()
            prepared = _prepare(statement, context, identifiers, piece.in_script)
            result = analyze_statement(
                prepared, dialect=context.dialect, naming=context.naming, schema=schema, depth=depth
            )
        except ColumnsUnresolved as exc:
            fallbacks.append(_fallback_note(depth, exc.cause))
            depth = Depth.NO_SCHEMA if depth is Depth.SCHEMA else Depth.TABLES
            statement = None
            continue
        except Exception as exc:  # the contract is "never raise"
            return failed(describe_error(exc))
        if fallbacks:
            result = replace(result, warnings=(*fallbacks, *result.warnings))
        return result


def _fallback_note(depth: Depth, cause: BaseException) -> str:
    if depth is Depth.SCHEMA:
        return f"the schema given does not fit this statement ({first_line(cause)}): columns resolved without it"
    return f"column lineage could not be resolved ({first_line(cause)}): tables only"


def _prepare(statement: exp.Expr, context: Context, identifiers: bool, in_script: bool) -> exp.Expr:
    statement = normalize_identifiers(statement, dialect=context.dialect)
    if identifiers:
        _resolve_identifier_calls(statement, context.dialect)
    if context.naming.sharded:
        _rename_shards(statement)
    if in_script and context.name not in ("tsql", "fabric") and isinstance(statement, exp.Select):
        statement.set("into", None)  # PL/SQL, PL/pgSQL, Snowflake scripting: a variable
    return statement


def _resolve_identifier_calls(statement: exp.Expr, dialect: Dialect) -> None:
    """Snowflake `IDENTIFIER('db.s.t')` → the table `db.s.t` (a variable stays unknown)."""
    for table in list(statement.find_all(exp.Table)):
        dynamic = table.this
        if isinstance(dynamic, exp.DynamicIdentifier) and isinstance(dynamic.this, exp.Literal):
            named = exp.to_table(dynamic.this.name, dialect=dialect)
            for part in ("this", "db", "catalog"):
                value = named.args.get(part)
                table.set(part, exp.to_identifier(value.name.lower()) if value else None)


def _rename_shards(statement: exp.Expr) -> None:
    """BigQuery: `events_20230101`, `events_*`, `t$20230101` → one table name, so that the
    schema's columns apply and the keys agree; the old name stays the reference's alias."""
    for table in statement.find_all(exp.Table):
        name = table.this
        if not isinstance(name, exp.Identifier):
            continue
        new = bigquery_table_name(name.name)
        if new != name.name:
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(name.name)))
            table.set("this", exp.to_identifier(new))
