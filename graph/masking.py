"""What happened to a value on its way along an edge: the vocabulary every layer shares.

``masking`` on an edge is one of ``identity``, ``transformed``, ``unknown``,
``aggregated``, ``hashed``, ``redacted`` — ordered here from leakiest to safest. A dataset
edge is as leaky as its leakiest column edge, and of several ways a value travels, the
leakiest is what lands downstream.
"""

from __future__ import annotations

# (masking label, flow_type, subtype, masked): everything an edge says about its value.
Vocabulary = tuple[str, str | None, str | None, bool | None]

MASKING_ORDER = ("identity", "transformed", "unknown", "aggregated", "hashed", "redacted")


def leakiest(*maskings: str | None) -> str:
    """Of several ways a value travels, the one that leaks the most (``unknown`` if none)."""
    return min((m for m in maskings if m), key=MASKING_ORDER.index, default="unknown")


# OpenLineage's column-lineage vocabulary, carried on column edges beside ``masking``.
DIRECT, INDIRECT = "DIRECT", "INDIRECT"
FLOW_TYPES = (DIRECT, INDIRECT)
SUBTYPES = (
    "IDENTITY",
    "TRANSFORMATION",
    "AGGREGATION",
    "FILTER",
    "JOIN",
    "GROUP_BY",
    "SORT",
    "WINDOW",
    "CONDITIONAL",
)
# What a bare label says when a producer gave nothing finer. ``aggregated`` alone cannot
# tell a SUM (carries financial values) from a COUNT (carries none): it is not claimed
# masked, so no path is hidden on a guess; ``unknown`` stays unknown.
_FROM_LABEL: dict[str, tuple[str | None, str | None, bool | None]] = {
    "identity": (DIRECT, "IDENTITY", False),
    "transformed": (DIRECT, "TRANSFORMATION", False),
    "aggregated": (DIRECT, "AGGREGATION", False),
    "hashed": (DIRECT, "TRANSFORMATION", True),
    "redacted": (DIRECT, "TRANSFORMATION", True),
    "unknown": (None, None, None),
}


def vocabulary_for(label: str) -> tuple[str | None, str | None, bool | None]:
    """(flow_type, subtype, masked) implied by a masking label alone."""
    return _FROM_LABEL.get(label, (None, None, None))


def upstream_vocabulary(upstream) -> Vocabulary:
    """(masking, flow_type, subtype, masked) of a parsed upstream column.

    The parser gives OpenLineage's ``type``/``subtype``/``masking`` beside its ``transform``
    label; where it gives only the label, the vocabulary is what the label implies.
    """
    label = upstream.transform
    implied = vocabulary_for(label)
    return (
        label,
        getattr(upstream, "type", None) or implied[0],
        getattr(upstream, "subtype", None) or implied[1],
        getattr(upstream, "masking", implied[2]),
    )


def carries_value(flow_type: str | None) -> bool:
    """Whether an edge of this kind can carry the value itself (INDIRECT ones cannot)."""
    return flow_type != INDIRECT
