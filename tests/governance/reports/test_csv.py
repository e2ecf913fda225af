"""CSV cells a spreadsheet would run as formulas are neutralized; numbers stay numbers."""

import pytest

from governance.reports.csv import csv_lines, neutralize


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),
        ("+7", "+7"),
        ("1e-5", "1e-5"),
        ("plain text", "plain text"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_cells_are_neutralized(cell, safe):
    assert neutralize(cell) == safe


def test_lines_quote_and_neutralize():
    lines = list(csv_lines([["a,b", "=1+1", 'say "hi"']]))
    assert lines == ['"a,b",\'=1+1,"say ""hi"""\r\n']
