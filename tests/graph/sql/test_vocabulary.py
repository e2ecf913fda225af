"""Edge kinds: how steps compose along a path and across alternative paths."""

from __future__ import annotations

import pytest

from graph.sql.vocabulary import (
    AGGREGATE,
    CONDITIONAL,
    COUNT,
    DESCRIPTIONS,
    HASH,
    IDENTITY,
    REDACT,
    SORT,
    TRANSFORMATION,
    VALUE_AGGREGATE,
    WINDOW,
    either,
    is_indirect,
    then,
)


@pytest.mark.parametrize(
    ("inner", "outer", "expected"),
    [
        (HASH, TRANSFORMATION, HASH),  # a hashed value upper-cased is still hashed
        (TRANSFORMATION, REDACT, REDACT),
        (VALUE_AGGREGATE, IDENTITY, VALUE_AGGREGATE),  # MAX(x) copied on
        (AGGREGATE, COUNT, COUNT),  # COUNT over sums still reveals no value
        (IDENTITY, WINDOW, WINDOW),  # a window key stays a key downstream
        (CONDITIONAL, HASH, CONDITIONAL),  # hashing a CASE result: the condition only steers
        (CONDITIONAL, SORT, SORT),  # the step nearest the output names the subtype
    ],
)
def test_steps_in_sequence(inner, outer, expected):
    assert then(inner, outer) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (HASH, IDENTITY, IDENTITY),  # the raw path beside a hashed one leaks
        (COUNT, AGGREGATE, AGGREGATE),
        (CONDITIONAL, TRANSFORMATION, TRANSFORMATION),  # a value path beats a condition
        (WINDOW, SORT, WINDOW),
    ],
)
def test_alternative_paths_keep_the_least_masked(first, second, expected):
    assert either(first, second) == either(second, first) == expected


def test_only_hashes_redactions_and_counts_mask_and_indirect_never_does():
    masking = {kind for kind, (_, _, _, masks) in enumerate(DESCRIPTIONS) if masks}
    indirect = {kind for kind in range(len(DESCRIPTIONS)) if is_indirect(kind)}

    assert masking == {HASH, REDACT, COUNT}
    assert all(DESCRIPTIONS[kind][1] == "INDIRECT" for kind in indirect)
    assert all(DESCRIPTIONS[kind][0] == "transformed" for kind in indirect)
