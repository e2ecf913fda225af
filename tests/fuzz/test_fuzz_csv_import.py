"""The CSV import: any file is read to the end, every row applied, unchanged or refused by line."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from governance.csv_io import CSV_COLUMNS, governance_csv_import

from .conftest import time_box

KEY = "snowflake://prod_db.raw.customers"
cells = st.one_of(
    st.sampled_from(
        [
            KEY,
            KEY.upper(),
            "",
            "restricted",
            "secret",
            "pii;gdpr",
            "pii;;nope",
            "Olive Owner",
            "EMAIL",
            "2030-01-31",
            "9999-12-31",
            "31/01/2030",
            "'=cmd",
            "=1+1",
            "\u202e",
            '"',
        ]
    ),
    st.text(max_size=30),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=9), max_size=12)
headers = st.one_of(
    st.just(list(CSV_COLUMNS)),
    st.lists(st.sampled_from([*CSV_COLUMNS, "bogus", ""]), min_size=1, max_size=8),
)


def _csv(header, body) -> list[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    return buffer.getvalue().splitlines(keepends=True)


def _accounted(report, lines) -> None:
    """Every row is somewhere: applied, unchanged or refused — never silently dropped."""
    seen = set(report.applied) | set(report.unchanged) | {error.line for error in report.errors}
    assert len(seen) == len(report.applied) + len(report.unchanged) + len(
        {error.line for error in report.errors}
    )
    assert all(error.reason for error in report.errors)


@given(header=headers, body=rows)
def test_a_structured_file_is_read_to_the_end(world, header, body):
    lines = _csv(header, body)
    with time_box(10):
        report = governance_csv_import(actor=world.admin, lines=lines, dry_run=True, reason="fuzz")
    _accounted(report, lines)


@given(text=st.text(max_size=600))
def test_any_text_is_read_to_the_end(world, text):
    with time_box(10):
        report = governance_csv_import(
            actor=world.owner, lines=text.splitlines(keepends=True), dry_run=False
        )
    _accounted(report, text)
