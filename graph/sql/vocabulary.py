"""How an upstream value reaches a column: one small integer "kind" per edge while walking,
spelled out at the end as our `transform` label plus OpenLineage's `type`, `subtype` and
`masking`.

=================  ===========  ========  ==============  =======  ==========================
kind               transform    type      subtype         masking  e.g.
=================  ===========  ========  ==============  =======  ==========================
IDENTITY           identity     DIRECT    IDENTITY        false    ``c``, ``CAST(c …)``, LAG
VALUE_AGGREGATE    identity     DIRECT    AGGREGATION     false    MIN, MAX, LISTAGG, ARRAY_AGG
TRANSFORMATION     transformed  DIRECT    TRANSFORMATION  false    UPPER, COALESCE, CASE … THEN c
AGGREGATE          aggregated   DIRECT    AGGREGATION     false    SUM, AVG, MEDIAN
COUNT              aggregated   DIRECT    AGGREGATION     true     COUNT, APPROX_COUNT_DISTINCT
HASH               hashed       DIRECT    TRANSFORMATION  true     SHA2, MD5, HMAC, ENCRYPT
REDACT             redacted     DIRECT    TRANSFORMATION  true     MASK…, ``'***' || RIGHT(c, 4)``
CONDITIONAL        transformed  INDIRECT  CONDITIONAL     false    ``CASE WHEN c … THEN``
WINDOW             transformed  INDIRECT  WINDOW          false    ``OVER (PARTITION BY c)``
FILTER             transformed  INDIRECT  FILTER          false    ``COUNT(*) FILTER (WHERE c)``
SORT               transformed  INDIRECT  SORT            false    ``WITHIN GROUP (ORDER BY c)``
JOIN               transformed  INDIRECT  JOIN            false    ``dictGet('d', 'a', c)`` key
=================  ===========  ========  ==============  =======  ==========================

Precedence. Steps in sequence (a CTE hashes, the outer query upper-cases) keep the
strongest masking — the order of the DIRECT kinds above — and a path that passes an
INDIRECT step anywhere is INDIRECT (the step nearest the output names its subtype). The
same upstream reaching a column along alternative paths (UNION branches, MERGE clauses,
``CONCAT(SHA2(c), c)``, ``CASE WHEN c IS NULL THEN 'x' ELSE c END``) keeps the *weakest*:
the least-masked path is what lands, and a value path beats an INDIRECT one.
"""

from __future__ import annotations

IDENTITY = 0
VALUE_AGGREGATE = 1
TRANSFORMATION = 2
AGGREGATE = 3
COUNT = 4
HASH = 5
REDACT = 6
CONDITIONAL = 7
WINDOW = 8
FILTER = 9
SORT = 10
JOIN = 11
_FIRST_INDIRECT = CONDITIONAL

# Our transform labels (the graph's `masking` property on an edge).
IDENTITY_LABEL = "identity"
TRANSFORMED_LABEL = "transformed"
AGGREGATED_LABEL = "aggregated"
HASHED_LABEL = "hashed"
REDACTED_LABEL = "redacted"

# kind → (transform, type, subtype, masking)
DESCRIPTIONS: tuple[tuple[str, str, str, bool], ...] = (
    (IDENTITY_LABEL, "DIRECT", "IDENTITY", False),
    (IDENTITY_LABEL, "DIRECT", "AGGREGATION", False),
    (TRANSFORMED_LABEL, "DIRECT", "TRANSFORMATION", False),
    (AGGREGATED_LABEL, "DIRECT", "AGGREGATION", False),
    (AGGREGATED_LABEL, "DIRECT", "AGGREGATION", True),
    (HASHED_LABEL, "DIRECT", "TRANSFORMATION", True),
    (REDACTED_LABEL, "DIRECT", "TRANSFORMATION", True),
    (TRANSFORMED_LABEL, "INDIRECT", "CONDITIONAL", False),
    (TRANSFORMED_LABEL, "INDIRECT", "WINDOW", False),
    (TRANSFORMED_LABEL, "INDIRECT", "FILTER", False),
    (TRANSFORMED_LABEL, "INDIRECT", "SORT", False),
    (TRANSFORMED_LABEL, "INDIRECT", "JOIN", False),
)
KIND_NAMES = (
    "identity",
    "value_aggregate",
    "transformed",
    "aggregated",
    "counted",
    "hashed",
    "redacted",
    "conditional",
    "window",
    "filter",
    "sort",
    "join",
)


def is_indirect(kind: int) -> bool:
    """Whether the upstream only steers the value (condition, window, filter, order, key)."""
    return kind >= _FIRST_INDIRECT


def then(inner: int, outer: int) -> int:
    """The kind of a path that goes through `inner` and then through `outer`."""
    if outer >= _FIRST_INDIRECT:
        return outer
    if inner >= _FIRST_INDIRECT:
        return inner
    return inner if inner >= outer else outer


def either(first: int, second: int) -> int:
    """The kind of two alternative paths to the same place: the least-masked one."""
    return first if first <= second else second
