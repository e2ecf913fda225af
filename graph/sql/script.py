"""Statements out of procedural SQL that sqlglot cannot parse whole.

`BEGIN … END` blocks, Snowflake scripting, T-SQL procedures (TRY/CATCH, IF, WHILE, often
without semicolons), PL/SQL and PL/pgSQL bodies, `EXECUTE IMMEDIATE`/`DO` strings. The
text is scanned (strings, quoted names, comments and dollar-quoting respected) and cut
into the statements that read or write data; control flow (IF … THEN, loops, DECLARE,
SET, RETURN, PRINT, EXCEPTION handlers) is skipped. A procedure's body — inline, or a
string after AS — is scanned the same way. Each statement is then parsed on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that begin a statement that reads or writes data.
STARTERS = frozenset(
    {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "CREATE", "ALTER", "DROP",
     "TRUNCATE", "COPY", "UNLOAD", "REPLACE", "UPSERT", "CACHE"}
)  # fmt: skip
# After these a new statement may begin (they open or continue a block).
_BLOCK_WORDS = frozenset({"BEGIN", "THEN", "ELSE", "DO", "LOOP", "TRY", "CATCH", "END", "AS", "IS"})
# Control flow heads whose condition runs to THEN/DO/LOOP/BEGIN (or, in T-SQL, a statement).
_CONDITION_HEADS = frozenset({"IF", "ELSEIF", "ELSIF", "WHILE", "FOR", "WHEN", "REPEAT", "UNTIL"})
# Inside a statement, at top level, these end it (a block closes or a branch begins).
_ENDERS = frozenset({"END", "ELSE", "ELSEIF", "ELSIF", "EXCEPTION", "LOOP", "BEGIN", "GO"})
# T-SQL needs no semicolons: these begin a new statement unless they continue the current one.
_TSQL_ENDERS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DROP", "CREATE", "ALTER", "DECLARE",
     "SET", "EXEC", "EXECUTE", "PRINT", "IF", "WHILE", "RETURN", "THROW", "RAISERROR",
     "COMMIT", "ROLLBACK"}
)  # fmt: skip
_OBJECT_WORDS = frozenset({"TABLE", "VIEW", "INDEX", "SCHEMA", "SEQUENCE", "DATABASE"})
_ROUTINE = frozenset({"PROCEDURE", "PROC", "FUNCTION"})
_BACKSLASH_ESCAPES = frozenset(
    {"mysql", "bigquery", "snowflake", "spark", "spark2", "databricks", "hive", "clickhouse"}
)
_TOKEN = r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z){hash})
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<string>[nNeEbBxXrRuU]?'{string_body}(?:'|\Z))
    | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`[^`]*(?:`|\Z){brackets})
    | (?P<word>[A-Za-z_@#:][\w$@#]*)
    | (?P<punct>.)
"""


@dataclass(frozen=True)
class _Token:
    kind: str  # word, string, dollar, quoted, punct
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _scanner(dialect: str) -> re.Pattern[str]:
    escapes = dialect in _BACKSLASH_ESCAPES
    pattern = _TOKEN.format(
        hash="|\\#[^\\n]*" if dialect == "mysql" else "",
        string_body=r"(?:[^'\\]|\\.|'')*" if escapes else r"(?:[^']|'')*",
        brackets=r"|\[[^\]]*(?:\]|\Z)" if dialect in ("tsql", "fabric") else "",
    )
    return re.compile(pattern, re.VERBOSE | re.DOTALL)


def tokens(text: str, dialect: str) -> list[_Token]:
    """The text's tokens, whitespace and comments left out."""
    found = []
    for match in _scanner(dialect).finditer(text):
        kind = match.lastgroup or "punct"
        kind = "dollar" if kind == "tag" else kind
        if kind not in ("space", "comment"):
            found.append(_Token(kind, match.group(), match.start(), match.end()))
    return found


def split_script(text: str, dialect: str) -> list[str]:
    """The data statements of a script or procedure, in order (empty if there are none)."""
    toks = tokens(text, dialect)
    body = _routine_body(toks, dialect)
    if isinstance(body, str):
        return split_script(body, dialect)
    toks = toks if body is None else body
    return [text[first.start : last.end] for first, last in _Splitter(toks, dialect).spans()]


def _routine_body(toks: list[_Token], dialect: str) -> str | list[_Token] | None:
    """A routine definition's body (a string's text, or the inline tokens after AS/IS),
    a `DO`/`EXECUTE IMMEDIATE` string's text; None when `toks` are not such a wrapper."""
    """The statements of a routine definition, `DO` block or `EXECUTE IMMEDIATE` string."""
    words = [t.word for t in toks[:8]]
    is_routine = (
        bool(words) and words[0] in ("CREATE", "ALTER", "REPLACE") and (bool(_ROUTINE & set(words)))
    )
    is_wrapper = words[:1] == ["DO"] or words[:2] == ["EXECUTE", "IMMEDIATE"]
    if not (is_routine or is_wrapper):
        return None
    for index, token in enumerate(toks):
        if token.kind in ("dollar", "string") and (is_wrapper or _after_as(toks, index)):
            return _unquote(token)
    if is_wrapper:
        return []
    start = next((i for i, t in enumerate(toks) if t.word in ("AS", "IS", "BEGIN")), len(toks))
    skip = 1 if start < len(toks) and toks[start].word in ("AS", "IS") else 0
    return toks[start + skip :]


def _after_as(toks: list[_Token], index: int) -> bool:
    return index > 0 and toks[index - 1].word in ("AS", "IS", "IMMEDIATE")


def _unquote(token: _Token) -> str:
    if token.kind == "dollar":
        opener = token.text.index("$", 1) + 1
        return token.text[opener : len(token.text) - opener]
    body = token.text[token.text.index("'") + 1 : -1]
    return body.replace("''", "'")


class _Splitter:
    """Cuts a token list into data statements (see the module doc)."""

    def __init__(self, toks: list[_Token], dialect: str) -> None:
        self.toks = toks
        self.tsql = dialect in ("tsql", "fabric")

    def spans(self) -> list[tuple[_Token, _Token]]:
        """(first, last) token of every data statement."""
        spans: list[tuple[_Token, _Token]] = []
        current: list[_Token] = []
        mode = "start"  # start | skip (to ;) | condition (to THEN/DO/…)
        depth = cases = 0
        for token in self.toks:
            word = token.word
            if depth == 0 and current and self._ends(word, current, cases):
                spans.append((current[0], current[-1]))
                current, cases, mode = [], 0, "start"
            if token.text == ";" and depth == 0:
                if current:
                    spans.append((current[0], current[-1]))
                current, cases, mode = [], 0, "start"
                continue
            if current:
                current.append(token)
                depth, cases = _nesting(token, depth, cases)
                continue
            depth, _ = _nesting(token, depth, 0)
            if depth > 0 or (depth == 0 and token.text == ")"):
                continue
            if word in STARTERS and self._may_start(mode):
                current = [token]
            elif word in _BLOCK_WORDS:
                mode = "start"
            elif word in _CONDITION_HEADS:
                mode = "condition"
            elif word and mode == "start":
                mode = "skip"
        if current:
            spans.append((current[0], current[-1]))
        return spans

    def _may_start(self, mode: str) -> bool:
        return mode == "start" or self.tsql  # T-SQL: IF cond UPDATE …, SET @x = 1 INSERT …

    def _ends(self, word: str, current: list[_Token], cases: int) -> bool:
        """Whether a top-level `word` ends the statement `current` before it."""
        if not word or cases > 0 and word in ("END", "ELSE"):
            return False
        if word in _ENDERS:
            return True
        if not self.tsql or word not in _TSQL_ENDERS:
            return False
        return not _continues(word, current)


def _continues(word: str, current: list[_Token]) -> bool:
    """T-SQL: whether `word` continues the statement (MERGE actions, UPDATE … SET, …)."""
    previous = current[-1].word
    first = current[0].word
    if previous == "THEN" or (word in ("UPDATE", "DELETE") and previous in ("ON", "FOR")):
        return True
    if word == "SET" and any(t.word in ("UPDATE", "MERGE") for t in current):
        return True
    if word == "IF" and previous in _OBJECT_WORDS:  # DROP TABLE IF EXISTS
        return True
    if first == "WITH" and word in ("INSERT", "UPDATE", "DELETE", "MERGE"):
        return not any(t.word in ("INSERT", "UPDATE", "DELETE", "MERGE") for t in current[1:])
    return False


def _nesting(token: _Token, depth: int, cases: int) -> tuple[int, int]:
    """Parenthesis depth and open CASE count after `token`."""
    if token.text == "(":
        return depth + 1, cases
    if token.text == ")":
        return max(depth - 1, 0), cases
    if token.word == "CASE":
        return depth, cases + 1
    if token.word == "END" and cases > 0:
        return depth, cases - 1
    return depth, cases
