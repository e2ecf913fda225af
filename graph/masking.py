"""What happened to a value on its way along an edge: the vocabulary every layer shares.

``masking`` on an edge is one of ``identity``, ``transformed``, ``unknown``,
``aggregated``, ``hashed``, ``redacted`` — ordered here from leakiest to safest. A dataset
edge is as leaky as its leakiest column edge, and of several ways a value travels, the
leakiest is what lands downstream.
"""

from __future__ import annotations

MASKING_ORDER = ("identity", "transformed", "unknown", "aggregated", "hashed", "redacted")


def leakiest(*maskings: str | None) -> str:
    """Of several ways a value travels, the one that leaks the most (``unknown`` if none)."""
    return min((m for m in maskings if m), key=MASKING_ORDER.index, default="unknown")
