"""A dataset's exposure, for the "Exposure" panel of its page and its columns' masking lines.

A column's masking policy masks *reads of that column*; it says nothing of copies made
from it. Where a column's value leaves unmasked, its masking line must say so, or the
page would claim more than is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode

from ..models import Finding
from . import selectors
from .presenters import FindingRow, finding_row
from .wording import arrival_phrase, leak_phrase

PANEL_ROWS = 8


@dataclass(frozen=True)
class Leak:
    """A finding as one column's masking line says it."""

    finding: Finding
    phrase: str

    @property
    def url(self) -> str:
        return reverse("exposure_finding", args=[self.finding.pk])


@dataclass
class ColumnExposure:
    """Where a column's value leaves unmasked (``leaks``), and what arrives in it (``lands``)."""

    leaks: list[Leak] = field(default_factory=list)
    lands: list[Leak] = field(default_factory=list)


@dataclass
class DatasetExposure:
    """Unresolved findings where the dataset is the source or the exposed asset."""

    rows: list[FindingRow]
    count: int
    leaving: int  # exposures whose source is this table (or one of its columns)
    arriving: int  # exposures whose exposed asset is this table (or one of its columns)
    dataset_key: str
    columns: dict[str, ColumnExposure]

    @property
    def gaps(self) -> int:
        """Governance gaps (no steward, overdue review) of the table or its columns."""
        return self.count - self.leaving - self.arriving

    @property
    def source_url(self) -> str:
        return reverse("exposure") + "?" + urlencode({"source": self.dataset_key})

    @property
    def target_url(self) -> str:
        return reverse("exposure") + "?" + urlencode({"target": self.dataset_key})

    def of(self, column_key: str) -> ColumnExposure:
        return self.columns.get(column_key) or ColumnExposure()


def dataset_exposure(*, dataset_key: str) -> DatasetExposure:
    """The panel's findings (gravest first, a few) and every column's leaks and arrivals."""
    unresolved = selectors.findings_for_asset(dataset_key=dataset_key).filter(
        state__in=selectors.UNRESOLVED
    )
    groups = selectors.finding_groups(unresolved)
    pks = [pk for group in groups for pk in group.pks][:PANEL_ROWS]
    by_pk = {f.pk: f for f in unresolved.filter(pk__in=pks)}
    columns: dict[str, ColumnExposure] = {}
    for key, found in selectors.leaks_from(dataset_key=dataset_key).items():
        columns.setdefault(key, ColumnExposure()).leaks = [Leak(f, leak_phrase(f)) for f in found]
    for key, found in selectors.leaks_into(dataset_key=dataset_key).items():
        columns.setdefault(key, ColumnExposure()).lands = [
            Leak(f, arrival_phrase(f)) for f in found
        ]
    return DatasetExposure(
        rows=[finding_row(by_pk[pk]) for pk in pks if pk in by_pk],
        count=unresolved.count(),
        leaving=sum(len(c.leaks) for c in columns.values()),
        arriving=sum(len(c.lands) for c in columns.values()),
        dataset_key=dataset_key,
        columns=columns,
    )
