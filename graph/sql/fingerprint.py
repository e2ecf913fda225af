"""Statement fingerprints: the same statement with other literals gets the same key.

Scheduled jobs repeat one statement thousands of times with different dates and ids,
so the parse cache is keyed by a fingerprint instead of the text. It is one regex pass
over the text (no sqlglot tokenizer), which costs a few percent of a parse:

* comments are dropped, runs of whitespace become one space;
* string literals become `?` — except ones that look like a mask (`'***'`, `'XXX-XX-'`),
  which become `'*'`, because they decide whether a column counts as redacted, and ones
  that name a table or column (`IDENTIFIER('db.s.t')`, `dictGet('dict', 'attr', …)`);
* numbers become `?`; `IN (?, ?, ?)` and repeated `VALUES` rows collapse to one;
* everything else is lower-cased, except quoted identifiers, which are kept as written.
"""

from __future__ import annotations

import hashlib
import re

from graph.sql.repairs import batch_separators
from graph.sql.transforms import is_mask_literal

_TOKEN = re.compile(
    r"""
      (?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<ident_fn>identifier\s*\(\s*'[^']*'\s*\)|dictget\w*\s*\(\s*(?:'[^']*'|[\w.`"]+)\s*,\s*'[^']*')
    | (?P<string>[nNeEbBxXrR]?'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`[^`]*(?:`|\Z))
    | (?P<word>[A-Za-z_][\w$]*)
    | (?P<positional>\$\d+)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<space>\s+)
    """,
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
# T-SQL brackets quote identifiers; MySQL also starts comments with `#`.
_BRACKETS = re.compile(r"\[[^\]]*\]")
_HASH_COMMENT = re.compile(r"#[^\n]*")
_IN_LIST = re.compile(r"\bin \(\?(?:, ?\?)+\)")
_VALUES_ROWS = re.compile(r"(\(\?(?:, ?\?)*\))(?:, ?\1)+")


def normalize_sql(sql: str, dialect: str) -> str:
    """The statement text with literals, comments, whitespace and case normalized."""
    parts: list[str] = []
    text = sql
    if dialect in ("mssql", "tsql", "sqlserver"):
        text = _BRACKETS.sub(lambda m: '"' + m.group()[1:-1] + '"', text)
        text = batch_separators(text, "tsql")  # a GO line ends a batch: keep it apart
    if dialect == "mysql":
        text = _HASH_COMMENT.sub(" ", text)
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()].lower())
        replacement = _replacement(match)
        if not (replacement == " " and parts and parts[-1] == " "):  # comment next to space
            parts.append(replacement)
        position = match.end()
    parts.append(text[position:].lower())
    normalized = "".join(parts).strip()
    normalized = _IN_LIST.sub("in (?)", normalized)
    return _VALUES_ROWS.sub(r"\1", normalized)


def _replacement(match: re.Match) -> str:
    kind = match.lastgroup
    if kind in ("comment", "space"):
        return " "
    if kind == "string":
        body = match.group()
        return "'*'" if is_mask_literal(body[body.index("'") + 1 : -1]) else "?"
    if kind in ("dollar", "number"):
        return "?"
    if kind in ("word", "ident_fn"):
        return match.group().lower()
    return match.group()  # quoted identifiers, positional columns


def fingerprint(sql: str, dialect: str) -> str:
    """A short stable key for the statement once literals are replaced (see module doc)."""
    return digest(normalize_sql(sql, (dialect or "").lower()))


def digest(normalized: str) -> str:
    """32 hex characters identifying a normalized statement."""
    return hashlib.blake2b(normalized.encode("utf-8", "replace"), digest_size=16).hexdigest()
