"""Every hand-written case of `benchmarks/lineage_cases/`: tables, column edges and kinds.

The same cases feed the accuracy table of docs/benchmarks.md. A case with a
`limitation` is one the parser cannot get right from the text alone: there it must
still get the tables, add no wrong edge and say what it left out.
"""

from __future__ import annotations

import logging

import pytest

from benchmarks.cases import load_cases
from graph.sql import parse_statement
from graph.sql.vocabulary import DESCRIPTIONS, KIND_NAMES

CASES = load_cases()
KIND_OF = {description: KIND_NAMES[i] for i, description in enumerate(DESCRIPTIONS)}


def test_the_case_set_is_broad():
    assert len(CASES) >= 150
    assert len({case.dialect for case in CASES}) >= 10


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case):
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    result = parse_statement(
        case.sql,
        dialect=case.dialect,
        default_db=case.default_db,
        default_schema=case.default_schema,
        schema=case.schema,
    )
    edges = {
        (item.table, item.column, up.table, up.column): KIND_OF[
            (up.transform, up.type, up.subtype, up.masking)
        ]
        for item in result.column_lineage
        for up in item.upstreams
    }

    assert result.error is None
    assert (set(result.in_tables), set(result.out_tables)) == (case.in_tables, case.out_tables)
    if case.limitation:
        assert edges.items() <= case.edges.items()
        assert result.warnings
    else:
        assert edges == case.edges
        assert bool(result.warnings) == case.warns, result.warnings
