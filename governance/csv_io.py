"""Classifications as CSV: export every governed asset, import changes row by row.

Format (one header row, then one row per dataset or column)::

    dataset_key,column,classification,tags,steward,masking_policy,next_review_due
    snowflake://prod_db.raw.customers,,restricted,gdpr;pii,Customer Data,,2026-03-01
    snowflake://prod_db.raw.customers,EMAIL,restricted,pii,Customer Data,EMAIL_HASH,

An empty ``column`` means the dataset itself. On import only ``dataset_key`` is required;
the other columns present in the header are applied (absent ones are left alone), and an
empty cell clears that field. Rows follow the rules of ``asset_update`` (permission-checked,
audited, review dates moved only by a compliance admin with a reason) and are applied a
chunk at a time (``governance.csv_import``); a bad row is reported with its line number
and skipped. Cells a spreadsheet would run are exported behind an apostrophe, which the
import removes again.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import F
from django.db.models.functions import Coalesce

from lineage_portal.csv_safety import csv_lines

from .csv_import import CHUNK_ROWS, FIELD_COLUMNS, ChunkedImport
from .models import AssetGovernance
from .permissions import ensure_can_export

__all__ = [
    "CSV_COLUMNS",
    "FIELD_COLUMNS",
    "csv_lines",
    "governance_csv_import",
    "governance_csv_rows",
]

if TYPE_CHECKING:
    from lineage_portal.access import Actor

CSV_COLUMNS = (
    "dataset_key",
    "column",
    "classification",
    "tags",
    "steward",
    "masking_policy",
    "next_review_due",
)
TAG_SEPARATOR = ";"


# --- export -----------------------------------------------------------------------------


def governance_csv_rows(*, actor: Actor, chunk_size: int = 2000) -> Iterator[list[str]]:
    """The header, then one row per governed asset; checks ``can_export`` before any row."""
    ensure_can_export(actor)
    return _export_rows(chunk_size)


def _export_rows(chunk_size: int) -> Iterator[list[str]]:
    yield list(CSV_COLUMNS)
    assets = (
        AssetGovernance.objects.select_related(
            "dataset", "column__dataset", "steward", "masking_policy"
        )
        .prefetch_related("tags")
        .annotate(sort_key=Coalesce("dataset__key", "column__dataset__key"))
        # The dataset's own row first, then its columns in table order.
        .order_by("sort_key", F("column__ordinal").asc(nulls_first=True), "column__name")
    )
    for asset in assets.iterator(chunk_size=chunk_size):
        yield _export_row(asset)


def _export_row(asset: AssetGovernance) -> list[str]:
    return [
        asset.dataset_key,
        asset.column.name if asset.is_column else "",
        asset.classification or "",
        TAG_SEPARATOR.join(sorted(tag.slug for tag in asset.tags.all())),
        asset.steward.name if asset.steward else "",
        asset.masking_policy.name if asset.masking_policy else "",
        asset.next_review_due.isoformat() if asset.next_review_due else "",
    ]


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A row that was not applied: its line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did, by line number."""

    applied: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "would be applied" if self.dry_run else "applied"
        return (
            f"{len(self.applied)} rows {verb}, {len(self.unchanged)} unchanged, "
            f"{len(self.errors)} refused"
        )


def governance_csv_import(
    *,
    actor: Actor,
    lines: Iterable[str],
    reason: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Apply a CSV of classifications; bad rows are reported by line, the rest applied.

    ``lines`` is any iterable of text lines (an open file, ``text.splitlines()``). Rows are
    judged and applied a chunk at a time (``governance.csv_import``) with the rules of
    ``asset_update``. With ``dry_run`` nothing is written. ``progress`` is told the number
    of rows done after each chunk.
    """
    report = ImportReport(dry_run=dry_run)
    reader = csv.reader(lines)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        report.errors.append(RowError(1, f"Bad header: the line is not readable CSV ({exc})."))
        return report
    header = _header(first, report)
    if header is None:
        return report
    importer = ChunkedImport(actor=actor, reason=reason, dry_run=dry_run)
    done, chunk = 0, []
    for line, cells in _rows(reader, report):
        if any(cell.strip() for cell in cells):
            chunk.append((line, dict(zip(header, cells, strict=False))))
        if len(chunk) >= CHUNK_ROWS:
            done += _apply_chunk(importer, chunk, report)
            chunk = []
            if progress:
                progress(done)
    done += _apply_chunk(importer, chunk, report)
    if progress:
        progress(done)
    report.errors.sort(key=lambda error: error.line)
    return report


def _apply_chunk(importer: ChunkedImport, chunk: list, report: ImportReport) -> int:
    if not chunk:
        return 0
    outcome = importer.chunk(chunk)
    report.applied += outcome.applied
    report.unchanged += outcome.unchanged
    report.errors += [RowError(line, why) for line, why in outcome.errors]
    return len(chunk)


def _rows(reader, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) per record; an unreadable record is reported and skipped.

    ``csv.Error`` (e.g. a cell over the field size limit) would otherwise abort the whole
    import with a server error; the reader resumes at the next line after one.
    """
    last_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.errors.append(RowError(last_line + 1, f"Not readable as CSV: {exc}."))
            last_line = reader.line_num
            continue
        line, last_line = last_line + 1, reader.line_num
        yield line, cells


def _header(cells: list[str] | None, report: ImportReport) -> list[str] | None:
    names = [cell.strip().lower() for cell in cells or []]
    unknown = [name for name in names if name not in CSV_COLUMNS]
    if "dataset_key" not in names or unknown:
        problem = f"unknown columns {', '.join(unknown)}" if unknown else "no dataset_key column"
        report.errors.append(
            RowError(1, f"Bad header: {problem}. Use the columns {', '.join(CSV_COLUMNS)}.")
        )
        return None
    return names
