"""What a SQL expression does to the column values flowing through it (see `vocabulary`).

Each step from a column up to the output expression is classified, then the steps are
composed with `vocabulary.then`:

* pass-through (the value is copied): the column itself, aliases, parentheses, a pure
  CAST, DISTINCT, LAG/LEAD, the function inside OVER (…);
* value-returning aggregates — MIN, MAX, ANY_VALUE, FIRST/LAST/NTH_VALUE, MODE, LISTAGG,
  STRING_AGG, GROUP_CONCAT, ARRAY_AGG, OBJECT_AGG, COLLECT_LIST/SET, MIN_BY/MAX_BY (also
  as window functions): real values, so not masked;
* COUNT-like aggregates (COUNT, COUNT_IF, APPROX_COUNT_DISTINCT, HLL, uniq…): masking;
* other aggregates (SUM, AVG, STDDEV, MEDIAN, PERCENTILE…): aggregated, not masking;
* hashes, digests, encryption: hashed; masking and tokenization functions, and string
  builders that add a mask literal (``'XXX-XX-' || RIGHT(ssn, 4)``): redacted;
* positions that steer the value without supplying it: a CASE/IF condition, a simple
  CASE operand, NULLIF's second argument, DECODE's searches → CONDITIONAL; a window's
  PARTITION BY / ORDER BY → WINDOW; an aggregate's FILTER (WHERE …) → FILTER; ordering
  inside an aggregate (WITHIN GROUP, ``ARRAY_AGG(x ORDER BY y)``, MAX_BY's key) → SORT —
  except the WITHIN GROUP ordering of PERCENTILE/MODE, which is the value itself;
* anything else (UPPER, TRIM, COALESCE, arithmetic, CONCAT, CASE … THEN c): transformed.
"""

from __future__ import annotations

import re

from sqlglot import exp

from graph.sql.vocabulary import (
    AGGREGATE,
    CONDITIONAL,
    COUNT,
    FILTER,
    HASH,
    IDENTITY,
    JOIN,
    REDACT,
    SORT,
    TRANSFORMATION,
    VALUE_AGGREGATE,
    WINDOW,
    then,
)

_HASH_NAME = re.compile(
    r"HASH|^SHA\d*(_\w*)?$|^MD[45](_\w*)?$|HMAC|DIGEST|ENCRYPT|FINGERPRINT|^CRC32|^XXH|^MURMUR|^BLAKE|^KECCAK"
)
_MASK_NAME = re.compile(
    r"^(MASK\w*|REDACT\w*|ANONYMI[SZ]E\w*|PSEUDONYMI[SZ]E\w*|TOKENI[SZ]E\w*|\w+_TOKENI[SZ]E)$"
)
_COUNT_NAME = re.compile(
    r"^(COUNT(_?(BIG|IF|DISTINCT|STATE|MERGE|ORNULL|ORDEFAULT))*|APPROX_COUNT_DISTINCT\w*"
    r"|APPROXIMATE_COUNT_DISTINCT|APPROX_DISTINCT|NDV|HLL(_\w+)?|HLL_COUNT\.\w+"
    r"|UNIQ(EXACT|COMBINED(64)?|HLL12|THETA|UPTO)?(IF|STATE|MERGE|ORNULL)*"
    r"|BITMAP_(COUNT|CONSTRUCT_AGG|OR_AGG))$"
)
_VALUE_AGG_NAME = re.compile(
    r"^(MIN|MAX|MIN_BY|MAX_BY|ARG_?MIN|ARG_?MAX|ANY|ANY_VALUE|ANYLAST|ANYHEAVY|FIRST|LAST"
    r"|FIRST_VALUE|LAST_VALUE|NTH_VALUE|MODE|LISTAGG|STRING_AGG|GROUP_CONCAT|ARRAY_AGG\w*"
    r"|ARRAY_UNIQUE_AGG|OBJECT_AGG|COLLECT_LIST|COLLECT_SET|GROUPARRAY\w*|GROUPUNIQARRAY\w*"
    r"|TOPK\w*|APPROX_TOP_K|JSONB?_AGG|JSONB?_OBJECT_AGG|XMLAGG)$"
)
_AGG_NAME = re.compile(
    r"_?AGG$|^APPROX|^MEDIAN$|^PERCENTILE|^QUANTILE|^STDDEV|^VAR(IANCE|_?POP|_?SAMP)"
    r"|^BITMAP_(UNION|INTERSECT)$|^GROUPBITMAP"
)
_NEUTRAL = (
    exp.Alias,
    exp.Paren,
    exp.Cast,
    exp.TryCast,
    exp.Column,
    exp.Distinct,
    exp.Ordered,
    exp.IgnoreNulls,
    exp.RespectNulls,
    exp.Subquery,
    exp.Lag,
    exp.Lead,
    # Table functions that turn an array into rows hand its elements on.
    exp.Explode,
    exp.ExplodeOuter,
    exp.Posexplode,
    exp.Unnest,
    exp.Kwarg,
    exp.Lateral,
    exp.TableFromRows,
)
_VALUE_AGGREGATES = (
    exp.Min,
    exp.Max,
    exp.AnyValue,
    exp.First,
    exp.Last,
    exp.FirstValue,
    exp.LastValue,
    exp.NthValue,
    exp.Mode,
    exp.GroupConcat,
    exp.ArrayAgg,
    exp.ArrayUniqueAgg,
    exp.ArrayConcatAgg,
    exp.ArrayUnionAgg,
    exp.ObjectAgg,
    exp.JSONArrayAgg,
    exp.JSONObjectAgg,
    exp.JSONBObjectAgg,
    exp.ArgMax,
    exp.ArgMin,
    exp.ApproxTopK,
)
_COUNTS = (exp.Count, exp.CountIf, exp.ApproxDistinct, exp.Hll, exp.RegrCount)
# Ordered-set aggregates whose WITHIN GROUP (ORDER BY x) names the aggregated value.
_ORDERED_SET = (exp.PercentileCont, exp.PercentileDisc, exp.Mode)
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
DICTIONARY_FUNCTION = re.compile(r"^dictget\w*$|^dicthas$", re.IGNORECASE)


def is_mask_literal(text: str) -> bool:
    """Whether a string literal looks like a mask: `'*'`, `'XXX-XX-'`, `'[REDACTED]'`."""
    upper = text.upper()
    if "REDACT" in upper or "MASK" in upper:
        return True
    core = _MASK_SEPARATORS.sub("", text)
    if not core or any(char not in _MASK_CHARS for char in core):
        return False
    return len(core) >= 3 or any(char in "*#•" for char in core)  # a lone 'x' is just text


def path_kind(column: exp.Expr, root: exp.Expr) -> int:
    """The kind of the path from `column` up to `root` (see `vocabulary`)."""
    result = IDENTITY
    child, node = column, column.parent
    while node is not None and child is not root:
        result = then(result, step_kind(node, child))
        child, node = node, node.parent
    return result


def step_kind(node: exp.Expr, child: exp.Expr) -> int:
    """What `node` does to the value of its argument `child`."""
    if isinstance(child, exp.Where):
        return FILTER
    if isinstance(node, _NEUTRAL):
        return IDENTITY
    steering = _steering_kind(node, child)
    if steering is not None:
        return steering
    return function_kind(node)


def _steering_kind(node: exp.Expr, child: exp.Expr) -> int | None:
    """The kind of a position inside a construct, or None to classify the function itself."""
    if isinstance(node, exp.Window):
        return IDENTITY if child is node.this else WINDOW
    if isinstance(node, exp.Order):  # inside WITHIN GROUP/OVER the enclosing node decides
        holder = isinstance(node.parent, exp.WithinGroup | exp.Window)
        return IDENTITY if holder or child is node.this else SORT
    if isinstance(node, exp.WithinGroup):
        if child is node.this:
            return IDENTITY
        return function_kind(node.this) if isinstance(node.this, _ORDERED_SET) else SORT
    if isinstance(node, exp.If | exp.Case):
        return CONDITIONAL if child is node.this else TRANSFORMATION
    if isinstance(node, exp.Coalesce) and _same_column(node):
        return IDENTITY  # `JOIN … USING (id)`: sqlglot's COALESCE(a.id, b.id) is the key
    if isinstance(node, exp.Nullif):
        return CONDITIONAL if child is node.args.get("expression") else TRANSFORMATION
    if isinstance(node, exp.ArgMax | exp.ArgMin) and child is node.args.get("expression"):
        return SORT
    if isinstance(node, exp.DecodeCase):
        return _decode_kind(node, child)
    if isinstance(node, exp.Anonymous) and DICTIONARY_FUNCTION.match(str(node.name)):
        return JOIN  # a dictionary key: it picks the row, the value is the dictionary's
    return None


def _same_column(node: exp.Coalesce) -> bool:
    """COALESCE of one column name from several tables (how sqlglot writes a USING key)."""
    args = [node.this, *node.expressions]
    names = {arg.name for arg in args if isinstance(arg, exp.Column)}
    return len(args) > 1 and len(names) == 1 and all(isinstance(arg, exp.Column) for arg in args)


def _decode_kind(node: exp.DecodeCase, child: exp.Expr) -> int:
    """DECODE(expr, search, result, …, default): expr and searches steer, results are values."""
    args = node.expressions
    index = next((i for i, arg in enumerate(args) if arg is child), 0)
    if index == 0:
        return CONDITIONAL
    is_search = (index - 1) % 2 == 0 and index != len(args) - 1
    return CONDITIONAL if is_search else TRANSFORMATION


def function_kind(node: exp.Expr) -> int:
    """The kind of a function (or operator) applied to its value arguments."""
    names = function_names(node)
    if any(_HASH_NAME.search(name) for name in names):
        return HASH
    if any(_MASK_NAME.match(name) for name in names) or _adds_mask(node):
        return REDACT
    if isinstance(node, _COUNTS) or any(_COUNT_NAME.match(name) for name in names):
        return COUNT
    if isinstance(node, _VALUE_AGGREGATES) or any(_VALUE_AGG_NAME.match(n) for n in names):
        return VALUE_AGGREGATE
    if isinstance(node, exp.AggFunc) or any(_AGG_NAME.search(name) for name in names):
        return AGGREGATE
    return TRANSFORMATION


def function_names(node: exp.Expr) -> tuple[str, ...]:
    """Upper-case names a function node goes by (class name and SQL names)."""
    if isinstance(node, exp.Anonymous | exp.AnonymousAggFunc):
        name = str(node.name).upper()
        parent = node.parent
        if isinstance(parent, exp.Dot) and parent.expression is node:  # HLL_COUNT.INIT(x)
            return (f"{str(parent.this.name).upper()}.{name}", name)
        return (name,)
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
