"""What happened to a value on a lineage edge, in the words a steward reads.

Column edges carry OpenLineage's vocabulary (``flow_type`` DIRECT/INDIRECT, ``subtype``,
``masked``) beside our own ``masking`` label (identity, transformed, aggregated, hashed,
redacted, unknown). Stores written before that vocabulary existed have only ``masking``;
every function here reads the newer fields with ``getattr`` so both kinds of edge work.
"""

from __future__ import annotations

from typing import Any

# Labels that change the value on the way, so a regulated value does not arrive in the clear.
MASKING_LABELS = frozenset({"hashed", "redacted", "aggregated"})

# INDIRECT subtypes: the column decided *which* rows or how they were arranged, but its
# value was not copied.
_INDIRECT_WORDS = {
    "FILTER": "used to filter rows, value not copied",
    "JOIN": "used to join, value not copied",
    "GROUP_BY": "used to group rows, value not copied",
    "SORT": "used to sort rows, value not copied",
    "WINDOW": "used to partition or order a window, value not copied",
    "CONDITIONAL": "used in a condition, value not copied",
}
_INDIRECT_DEFAULT = "used to filter/join, value not copied"


def flow_type(edge: Any) -> str:
    """DIRECT, INDIRECT or '' when the store does not say."""
    return (getattr(edge, "flow_type", None) or "").upper()


def subtype(edge: Any) -> str:
    return (getattr(edge, "subtype", None) or "").upper()


def masking_label(edge: Any) -> str:
    return (getattr(edge, "masking", None) or "identity").lower()


def is_masked(edge: Any) -> bool | None:
    """True when the value arrives masked, False when in the clear, None when unknown."""
    masked = getattr(edge, "masked", None)
    if masked is not None:
        return bool(masked)
    label = masking_label(edge)
    if label == "unknown":
        return None
    return label in MASKING_LABELS


def carries_value(edge: Any) -> bool:
    """Whether the upstream value itself lands downstream readable (DIRECT and unmasked).

    A table-level edge (``masking`` unknown) never counts: it may or may not carry it,
    and a page must not claim more than it knows.
    """
    if flow_type(edge) == "INDIRECT":
        return False
    return is_masked(edge) is False


def masking_words(edge: Any) -> str:
    """ "copied unmasked", "hashed", "counted or summed", … — never a bare ``identity``."""
    if flow_type(edge) == "INDIRECT":
        return _INDIRECT_WORDS.get(subtype(edge), _INDIRECT_DEFAULT)
    label = masking_label(edge)
    if label == "unknown" or (
        getattr(edge, "level", "column") == "dataset" and label == "identity"
    ):
        return "unknown (table-level lineage only)"
    masked = is_masked(edge)
    if label == "identity":
        return "copied unmasked"
    if label == "transformed":
        return "transformed, value still readable" if masked is not True else "transformed, masked"
    if label == "hashed":
        return "hashed"
    if label == "redacted":
        return "redacted"
    if label == "aggregated":
        # MIN/MAX/ANY_VALUE return real values: the store says so with masked=False.
        if masked is False:
            return "aggregated, real values kept (e.g. MIN/MAX)"
        return "counted, summed or averaged"
    return label
