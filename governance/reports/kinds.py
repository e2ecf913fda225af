"""What each report contains: its parameters, its CSV rows, and its PDF document.

A kind reads through the selectors (never writes). ``parameters`` are the validated,
JSON-ready filters, which the register keeps with the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from ..audit_verify import audit_trail_verify
from ..filters import AuditEventFilterSet
from ..models import AssetGovernance, AuditEvent, Review
from ..selectors import review_due_list, review_list, steward_gap_list
from ..views.common import event_changes
from .pdf import ReportDocument, Section, Stat

Progress = Callable[[int, int, str], None]
Params = dict[str, Any]
CsvRows = tuple[list[str], Iterator[list[Any]]]


class ReportParametersError(ValueError):
    """The filters of a report request are not valid; the message names the bad one."""


@dataclass(frozen=True)
class ReportKind:
    """A report: its name, title, filters, rows (CSV) and document (PDF)."""

    name: str
    title: str
    formats: tuple[str, ...]

    def clean(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def count(self, params: dict[str, Any]) -> int:
        raise NotImplementedError

    def csv(self, params: dict[str, Any]) -> tuple[list[str], Iterator[list[Any]]]:
        raise NotImplementedError

    def document(self, params: dict[str, Any], progress: Progress) -> ReportDocument:
        raise NotImplementedError

    def filename(self, params: dict[str, Any], fmt: str) -> str:
        return f"{self.name.replace('_', '-')}-{timezone.now():%Y-%m-%d}.{fmt}"


def _changes_text(event: AuditEvent) -> str:
    parts = []
    for change in event_changes(event):
        if change.added or change.removed:
            moved = [f"+{a}" for a in change.added] + [f"-{r}" for r in change.removed]
            parts.append(f"{change.field}: {' '.join(moved)}")
        else:
            parts.append(f"{change.field}: {change.before} → {change.after}")
    return "; ".join(parts)


class AuditTrailReport(ReportKind):
    """Every governance change (filtered like the Audit trail page), and the chain's state."""

    def clean(self, data: Mapping[str, Any]) -> Params:
        filterset = AuditEventFilterSet(data)  # type: ignore[no-untyped-call]
        if not filterset.is_valid():
            field, errors = next(iter(filterset.errors.items()))
            raise ReportParametersError(f"{field}: {' '.join(errors)}")
        cleaned = filterset.form.cleaned_data
        return {k: v for k, v in cleaned.items() if v not in (None, "", False)}

    def _events(self, params: Params) -> QuerySet[AuditEvent]:
        filterset = AuditEventFilterSet(params)  # type: ignore[no-untyped-call]
        events: QuerySet[AuditEvent] = filterset.qs.order_by("seq")
        return events

    def count(self, params: Params) -> int:
        return self._events(params).count()

    def csv(self, params: Params) -> CsvRows:
        header = [
            "seq",
            "at",
            "actor",
            "action",
            "object_type",
            "object_key",
            "changes",
            "reason",
            "prev_hash",
            "hash",
        ]
        rows = (
            [
                e.seq,
                e.at.isoformat(),
                e.actor,
                e.action,
                e.object_type,
                e.object_key,
                _changes_text(e),
                e.reason,
                e.prev_hash,
                e.hash,
            ]
            for e in self._events(params).iterator(chunk_size=2000)
        )
        return header, rows

    def document(self, params: Params, progress: Progress) -> ReportDocument:
        chain = audit_trail_verify()
        events, total = [], self.count(params)
        for index, event in enumerate(self._events(params).iterator(chunk_size=2000), start=1):
            events.append({"event": event, "changes": _changes_text(event)})
            if index % 500 == 0:
                progress(index, total, f"{index:,} of {total:,} events read")
        verdict = "intact" if chain.intact else "BROKEN"
        return ReportDocument(
            title="Audit trail",
            scope="Every governance change recorded in the portal's hash-chained audit trail.",
            filters=[(k.replace("_", " "), str(v)) for k, v in params.items()],
            summary=[
                Stat("events in this report", len(events)),
                Stat(
                    f"chain {verdict}",
                    chain.verified,
                    "ok" if chain.intact else "bad",
                    "events verified",
                ),
            ],
            sections=[
                Section("Chain verification", "reports/pdf/_chain.html", {"chain": chain}),
                Section(
                    "Events",
                    "reports/pdf/_audit_events.html",
                    {"events": events},
                    "Oldest first; each event's hash covers its content and the previous event's hash.",
                ),
            ],
            rows={"events": len(events)},
        )


def _asset_name(asset: AssetGovernance) -> tuple[str, str]:
    return asset.dataset_key, asset.column.name if asset.column is not None else ""


class ReviewsReport(ReportKind):
    """Attestations (who confirmed what, when) and the reviews overdue or due soon."""

    def clean(self, data: Mapping[str, Any]) -> Params:
        outcome = (data.get("outcome") or "").strip()
        if outcome and outcome not in Review.Outcome.values:
            raise ReportParametersError(
                f"outcome: must be one of {', '.join(Review.Outcome.values)}"
            )
        reviewer = (data.get("reviewer") or "").strip()
        return {k: v for k, v in {"reviewer": reviewer, "outcome": outcome}.items() if v}

    def _reviews(self, params: Params) -> QuerySet[Review]:
        return review_list(reviewer=params.get("reviewer"), outcome=params.get("outcome"))

    def count(self, params: Params) -> int:
        return self._reviews(params).count()

    def csv(self, params: Params) -> CsvRows:
        header = [
            "attested_at",
            "dataset_key",
            "column",
            "reviewer",
            "outcome",
            "was_due",
            "next_due",
            "comment",
        ]
        rows = (
            [
                r.created.isoformat(),
                *_asset_name(r.asset),
                r.reviewer.get_username(),
                r.outcome,
                r.was_due.isoformat() if r.was_due else "",
                r.next_due.isoformat(),
                r.comment,
            ]
            for r in self._reviews(params).iterator(chunk_size=2000)
        )
        return header, rows

    def document(self, params: Params, progress: Progress) -> ReportDocument:
        due = list(review_due_list(user=None, everyone=True))
        today = timezone.localdate()
        overdue = [a for a in due if a.next_review_due is not None and a.next_review_due < today]
        reviews = list(self._reviews(params))
        progress(len(reviews), len(reviews), f"{len(reviews):,} attestations read")
        return ReportDocument(
            title="Reviews and attestations",
            scope="Periodic reviews of governed assets: attestations made, and reviews overdue or due soon.",
            filters=[(k, v) for k, v in params.items()],
            as_of=f"{today:%Y-%m-%d}",
            summary=[
                Stat("attestations", len(reviews)),
                Stat("reviews overdue", len(overdue), "bad" if overdue else "ok"),
                Stat(
                    "due within 14 days",
                    len(due) - len(overdue),
                    "warn" if len(due) > len(overdue) else "",
                ),
            ],
            sections=[
                Section(
                    "Reviews overdue or due soon",
                    "reports/pdf/_due.html",
                    {"assets": due, "today": today},
                ),
                Section(
                    "Attestations",
                    "reports/pdf/_reviews.html",
                    {"reviews": reviews},
                    "Newest first.",
                ),
            ],
            rows={"attestations": len(reviews), "due": len(due)},
        )


class StewardGapsReport(ReportKind):
    """Classified assets above public without an active steward."""

    def count(self, params: Params) -> int:
        return steward_gap_list().count()

    def csv(self, params: Params) -> CsvRows:
        header = ["dataset_key", "column", "classification", "tags", "steward", "next_review_due"]
        rows = (
            [
                *_asset_name(a),
                a.classification,
                ";".join(t.slug for t in a.tags.all()),
                f"{a.steward.name} (inactive)" if a.steward else "",
                a.next_review_due.isoformat() if a.next_review_due else "",
            ]
            for a in steward_gap_list().iterator(chunk_size=2000)
        )
        return header, rows

    def document(self, params: Params, progress: Progress) -> ReportDocument:
        gaps = list(steward_gap_list())
        return ReportDocument(
            title="Steward gaps",
            scope="Assets classified internal, confidential or restricted that no active steward answers for.",
            as_of=f"{timezone.localdate():%Y-%m-%d}",
            summary=[Stat("assets without a steward", len(gaps), "bad" if gaps else "ok")],
            sections=[
                Section(
                    "Assets without an active steward",
                    "reports/pdf/_gaps.html",
                    {"gaps": gaps},
                    "Strongest classification first.",
                )
            ],
            rows={"gaps": len(gaps)},
        )
