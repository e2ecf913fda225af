"""CSV reports: streamed row by row with no row limit, formula-injection safe, registered.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
tab or carriage return) as a formula, so such a cell gets a leading apostrophe, which
spreadsheets show as text (OWASP's advice). A plain number such as ``-12.5`` is left as
it is: it is data, not a formula.

The file streams to the browser while it is written beside the register; when the last
row is out it is registered (SHA-256, row count), so a re-download from the Reports page
gives exactly the bytes that were streamed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

from lineage_portal.csv_safety import cell_neutralize, csv_lines

from .register import Rendered, report_register, temp_file

# One neutralizer for every CSV the portal writes (lineage_portal.csv_safety).
neutralize = cell_neutralize


def registered_csv_response(
    *,
    kind: str,
    title: str,
    parameters: dict[str, Any],
    actor: Any,
    filename: str,
    header: list[str],
    rows: Iterable[Iterable[Any]],
) -> StreamingHttpResponse:
    """Stream the CSV to the browser and register it once the last row has gone out."""
    response = StreamingHttpResponse(
        _stream(kind, title, parameters, actor, filename, header, rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stream(
    kind: str,
    title: str,
    parameters: dict[str, Any],
    actor: Any,
    filename: str,
    header: list[str],
    rows: Iterable[Iterable[Any]],
) -> Iterator[bytes]:
    handle, path = temp_file(".csv")
    count, done = 0, False
    try:
        with handle:
            # Row 0 is the header: ``count`` ends as the number of data rows.
            for index, line in enumerate(_with_header(header, rows)):
                count = index
                data = line.encode("utf-8")
                handle.write(data)
                yield data
        report_register(
            kind=kind,
            format="csv",
            title=title,
            parameters=parameters,
            actor=actor,
            filename=filename,
            render=lambda slot: Rendered(path=path, row_counts={"rows": count}),
        )
        done = True
    finally:
        if not done and path.exists():
            path.unlink()  # the download was cut short: nothing to register


def _with_header(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    yield from csv_lines([header])
    yield from csv_lines(rows)
