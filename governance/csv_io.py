"""Classifications as CSV: export every governed asset, import changes row by row.

Format (one header row, then one row per dataset or column)::

    dataset_key,column,classification,tags,steward,masking_policy,next_review_due
    snowflake://prod_db.raw.customers,,restricted,gdpr;pii,Customer Data,,2026-03-01
    snowflake://prod_db.raw.customers,EMAIL,restricted,pii,Customer Data,EMAIL_HASH,

An empty ``column`` means the dataset itself. On import only ``dataset_key`` is required;
the other columns present in the header are applied (absent ones are left alone), and an
empty cell clears that field. Each row is applied atomically through ``asset_update``
(permission-checked, audited); a bad row is reported with its line number and skipped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce

from graph.models import Column, Dataset

from .models import AssetGovernance
from .permissions import ensure_can_export
from .services.assets import asset_governance_get_or_create, asset_update

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
FIELD_COLUMNS = ("classification", "tags", "steward", "masking_policy", "next_review_due")
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


class _Echo:
    """A write-only file whose ``write`` returns the text: csv.writer → one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text line by line, for ``StreamingHttpResponse(csv_lines(rows))``."""
    writer = csv.writer(_Echo())
    return (writer.writerow(row) for row in rows)


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


class _DryRun(Exception):
    """Raised to roll back a row that was applied only to check it."""


def governance_csv_import(
    *, actor: Actor, lines: Iterable[str], reason: str = "", dry_run: bool = False
) -> ImportReport:
    """Apply a CSV of classifications row by row; bad rows are reported, never half-applied.

    ``lines`` is any iterable of text lines (an open file, ``text.splitlines()``). With
    ``dry_run`` every row is checked exactly as it would be applied, then rolled back.
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
    for line, cells in _rows(reader, report):
        if not any(cell.strip() for cell in cells):
            continue
        _import_row(actor, line, dict(zip(header, cells, strict=False)), report, reason, dry_run)
    return report


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


def _import_row(
    actor: Actor,
    line: int,
    row: dict[str, str],
    report: ImportReport,
    reason: str,
    dry_run: bool,
) -> None:
    try:
        with transaction.atomic():
            asset = _row_asset(row)
            changes = {name: row[name].strip() for name in FIELD_COLUMNS if name in row}
            version = asset.version
            updated = asset_update(
                actor=actor,
                asset=asset,
                changes=changes,
                expected_version=None,
                reason=reason or f"CSV import, line {line}",
            )
            (report.applied if updated.version != version else report.unchanged).append(line)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except (ValidationError, PermissionDenied) as exc:
        report.errors.append(RowError(line, _message(exc)))


def _row_asset(row: dict[str, str]) -> AssetGovernance:
    key = row.get("dataset_key", "").strip().lower()
    if not key:
        raise ValidationError("dataset_key is empty.")
    dataset = Dataset.objects.filter(key=key).first()
    if dataset is None:
        raise ValidationError(f"Unknown catalog dataset {key!r}.")
    column_name = row.get("column", "").strip()
    if not column_name:
        return asset_governance_get_or_create(dataset=dataset)
    column = Column.objects.filter(dataset=dataset, name__iexact=column_name).first()
    if column is None:
        raise ValidationError(f"Dataset {key!r} has no column {column_name!r}.")
    return asset_governance_get_or_create(column=column)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)
