"""What a SQL expression does to the column values flowing through it.

Every upstream of a written column carries one `transform`:

* ``identity``    the value is copied: a plain column, an alias, a pure CAST, or a
                  value-preserving window function (LAG, LEAD, FIRST_VALUE, ANY_VALUE…);
* ``transformed`` any other expression (UPPER, TRIM, COALESCE, arithmetic, CASE…);
* ``aggregated``  an aggregate over the column (SUM, COUNT, AVG, MIN, MAX, LISTAGG,
                  ARRAY_AGG, APPROX_…, and the same functions used as windows);
* ``redacted``    the column is partly masked: a masking function (MASK…, REDACT…), a
                  REGEXP_REPLACE/REPLACE/TRANSLATE whose replacement is a mask such as
                  ``'*'``, or a concatenation/padding that adds one (``'***' || RIGHT(c, 4)``);
* ``hashed``      a hash, digest or encryption (SHA2, MD5, HASH, HMAC, FARM_FINGERPRINT…).

A target that is a pure constant or NULL has no upstream at all.

Precedence. Steps in sequence (a CTE hashes, the outer query upper-cases) keep the
strongest masking: redacted > hashed > aggregated > transformed > identity (the order
`graph.ingestion.MASKING_ORDER` uses too, so both agree on a value masked twice). The same
upstream reaching a column along alternative paths (UNION branches, several MERGE
clauses, ``CONCAT(SHA2(c), c)``) keeps the *weakest*, because the least-masked path is
what lands downstream.

Columns only in WHERE, JOIN ON, GROUP BY, window PARTITION/ORDER BY, FILTER or WITHIN
GROUP ordering are not lineage.
"""

from __future__ import annotations

import re

from sqlglot import exp

IDENTITY = "identity"
TRANSFORMED = "transformed"
AGGREGATED = "aggregated"
REDACTED = "redacted"
HASHED = "hashed"

_RANK = {IDENTITY: 0, TRANSFORMED: 1, AGGREGATED: 2, HASHED: 3, REDACTED: 4}

_HASH_NAME = re.compile(
    r"HASH|^SHA\d*(_\w*)?$|^MD[45](_\w*)?$|HMAC|DIGEST|ENCRYPT|FINGERPRINT|^CRC32|^XXH|^MURMUR|^BLAKE|^KECCAK"
)
_MASK_NAME = re.compile(r"^(MASK\w*|REDACT\w*|ANONYMI[SZ]E\w*|PSEUDONYMI[SZ]E\w*)$")
_AGG_NAME = re.compile(r"_?AGG$|^APPROX|^LISTAGG$|^COLLECT_(LIST|SET)$|^MEDIAN$|^PERCENTILE")
_NEUTRAL = (exp.Alias, exp.Paren, exp.Cast, exp.TryCast, exp.Column, exp.Distinct, exp.Window)
_VALUE_PRESERVING = (
    exp.AnyValue,
    exp.First,
    exp.FirstValue,
    exp.Last,
    exp.LastValue,
    exp.NthValue,
    exp.Lag,
    exp.Lead,
)
_PASS_THROUGH = _NEUTRAL + _VALUE_PRESERVING
# Functions that build a string out of their arguments; a mask literal among them redacts.
_STRING_BUILDERS = (
    exp.Concat,
    exp.ConcatWs,
    exp.DPipe,
    exp.Pad,
    exp.RegexpReplace,
    exp.Replace,
    exp.Translate,
    exp.Overlay,
)
_STRING_BUILDER_NAMES = frozenset({"INSERT", "STUFF", "OVERLAY", "REGEXP_REPLACE", "REPLACE"})
_MASK_SEPARATORS = re.compile(r"[\s\-_.@/()\[\]:,]")
_MASK_CHARS = frozenset("*#xX•")


def stronger(first: str, second: str) -> str:
    """The transform of two steps applied one after the other."""
    return first if _RANK[first] >= _RANK[second] else second


def weaker(first: str, second: str) -> str:
    """The transform of two alternative paths to the same place."""
    return first if _RANK[first] <= _RANK[second] else second


def is_mask_literal(text: str) -> bool:
    """Whether a string literal looks like a mask: `'*'`, `'XXX-XX-'`, `'[REDACTED]'`."""
    upper = text.upper()
    if "REDACT" in upper or "MASK" in upper:
        return True
    core = _MASK_SEPARATORS.sub("", text)
    if not core or any(char not in _MASK_CHARS for char in core):
        return False
    return len(core) >= 3 or any(char in "*#•" for char in core)  # a lone 'x' is just text


def path_transform(column: exp.Expr, root: exp.Expr) -> str | None:
    """The transform from `column` up to `root`, or None when it is not lineage there."""
    result = IDENTITY
    child, node = column, column.parent
    while node is not None and child is not root:
        step = step_transform(node, child)
        if step is None:
            return None
        result = stronger(result, step)
        child, node = node, node.parent
    return result


def step_transform(node: exp.Expr, child: exp.Expr) -> str | None:
    """What `node` does to the value of its argument `child`; None when `child` only filters
    or orders (window PARTITION/ORDER BY, FILTER (WHERE …), WITHIN GROUP ordering)."""
    if isinstance(child, exp.Where) or (
        isinstance(node, exp.Window | exp.Order) and child is not node.this
    ):
        return None
    if isinstance(node, _PASS_THROUGH):
        return IDENTITY
    names = function_names(node)
    if any(_HASH_NAME.search(name) for name in names):
        return HASHED
    if any(_MASK_NAME.match(name) for name in names) or _adds_mask(node):
        return REDACTED
    if isinstance(node, exp.AggFunc) or any(_AGG_NAME.search(name) for name in names):
        return AGGREGATED
    return TRANSFORMED


def function_names(node: exp.Expr) -> tuple[str, ...]:
    """Upper-case names a function node goes by (class name and SQL names)."""
    if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        return (str(node.name).upper(),)
    if isinstance(node, exp.Func):
        return (type(node).__name__.upper(), *node.sql_names())
    return ()


def _adds_mask(node: exp.Expr) -> bool:
    is_builder = isinstance(node, _STRING_BUILDERS) or (
        isinstance(node, exp.Anonymous) and str(node.name).upper() in _STRING_BUILDER_NAMES
    )
    if not is_builder:
        return False
    return any(
        isinstance(arg, exp.Literal) and arg.is_string and is_mask_literal(arg.name)
        for arg in _builder_arguments(node)
    )


def _builder_arguments(node: exp.Expr):
    """Direct arguments of a string builder, looking through nested concatenations."""
    for arg in node.iter_expressions():
        if isinstance(arg, exp.DPipe | exp.Concat | exp.Paren):
            yield from _builder_arguments(arg)
        else:
            yield arg
