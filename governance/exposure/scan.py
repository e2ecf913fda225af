"""A scan: compute the drafts, then open, update, resolve and re-open stored findings.

Idempotent: a finding is identified by (kind, source, target), so a re-scan updates the
same row. Every change of state — opened, resolved because the path disappeared or the
asset was reclassified or masked, re-opened when it comes back, an acknowledgement that
expired — is an audit event of the system. Value-carrying copies of classified columns
get classification and tag suggestions, which their stewards accept or reject.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from graph.keys import key_name, normalize_key
from graph.store.base import GraphStore
from lineage_portal.bulk_insert import objects_update

from ..audit import AuditEntry, audit_events_append
from ..models import (
    ExposureScan,
    Finding,
    RegulatoryTag,
    TagSuggestion,
    classification_rank,
)
from ..services import asset_governance_get_or_create_many
from .drafts import Draft, backfill_drafts, exposure_drafts, gap_drafts
from .engine import Exposure, exposure_compute, short_name
from .policy import Governance
from .walk import Progress

State = Finding.State
UNRESOLVED = (State.OPEN, State.ACKNOWLEDGED)
_EVIDENCE = (
    "risk_level",
    "risk_key",
    "source_dataset",
    "source_column",
    "target_dataset",
    "target_column",
    "classification",
    "target_classification",
    "tags",
    "steward",
    "masking",
    "reason",
    "hops",
    "paths",
    "more_paths",
    "readers",
    "grants",
    "details",
)


def exposure_scan(
    *,
    store: GraphStore,
    trigger: str = "manual",
    scan: ExposureScan | None = None,
    progress: Progress | None = None,
) -> ExposureScan:
    """Run one scan now and record it; a failure is recorded on the scan and raised again."""
    scan = scan or ExposureScan.objects.create(trigger=trigger)
    scan.status, scan.started_at = ExposureScan.Status.RUNNING, timezone.now()
    scan.save(update_fields=["status", "started_at"])
    try:
        computed = exposure_compute(store=store, progress=progress)
        drafts = [
            *exposure_drafts(computed.exposures, store),
            *gap_drafts(computed.governance),
            *backfill_drafts(),
        ]
        with transaction.atomic():
            changes = findings_record(drafts, governance=computed.governance)
            suggestions_record(computed.exposures)
        scan.sources, scan.reached = computed.sources, computed.reached
        scan.opened, scan.reopened, scan.resolved = (
            changes["opened"],
            changes["reopened"],
            changes["resolved"],
        )
        scan.open_by_risk = open_by_risk()
        scan.status = ExposureScan.Status.SUCCEEDED
    except Exception as exc:
        scan.status, scan.error = ExposureScan.Status.FAILED, f"{type(exc).__name__}: {exc}"
        raise
    finally:
        scan.finished_at = timezone.now()
        scan.save()
    return scan


def open_by_risk() -> dict[str, int]:
    """Unresolved findings by risk level (acknowledged ones are still unresolved)."""
    rows = Finding.objects.filter(state__in=UNRESOLVED).values_list("risk_level", flat=True)
    return dict(Counter(rows))


def findings_record(drafts: Iterable[Draft], *, governance: Governance) -> Counter:
    """Bring the stored findings in line with ``drafts``; returns what changed."""
    now, today = timezone.now(), timezone.localdate()
    drafts = {d.identity: d for d in drafts}
    stored = {f.identity: f for f in Finding.objects.filter(identity__in=list(drafts))}
    changes: Counter = Counter()
    updated, created, events = [], [], []
    for identity, draft in drafts.items():
        finding = stored.get(identity)
        if finding is None:
            created.append(_new(draft, now))
            continue
        _refresh(finding, draft, now)
        if finding.state == State.RESOLVED:
            events.append(
                _transition(finding, State.OPEN, "finding.reopen", "the exposure is back")
            )
            finding.resolved_at, finding.resolution = None, ""
            changes["reopened"] += 1
        elif (
            finding.state == State.ACKNOWLEDGED
            and finding.ack_expires
            and finding.ack_expires < today
        ):
            events.append(
                _transition(
                    finding, State.OPEN, "finding.ack_expire", "the acknowledgement expired"
                )
            )
            changes["reopened"] += 1
        updated.append(finding)
    objects_update(
        Finding,
        [*_EVIDENCE, "tag_list", "last_detected", "state", "resolved_at", "resolution"],
        updated,
    )
    opened = Finding.objects.bulk_create(created, batch_size=200)
    for finding in opened:
        events.append(
            _event(finding, "finding.open", {}, _summary(finding), "detected by the exposure scan")
        )
        changes["opened"] += 1
    _alert(opened)
    gone = list(Finding.objects.filter(state__in=UNRESOLVED).exclude(identity__in=list(drafts)))
    for finding in gone:
        finding.resolution = _why_gone(finding, governance)
        events.append(_transition(finding, State.RESOLVED, "finding.resolve", finding.resolution))
        finding.resolved_at = now
        changes["resolved"] += 1
    objects_update(Finding, ["state", "resolution", "resolved_at"], gone)
    # One lock of the audit chain's head for the whole scan, however many findings changed.
    audit_events_append(actor=None, entries=events)
    return changes


def _alert(opened: list[Finding]) -> None:
    """One alert per newly opened finding (``monitoring.alert_on``), sent once this commits."""
    from ..alerts.findings import findings_alert

    findings_alert(opened)


def _new(draft: Draft, now) -> Finding:
    finding = Finding(
        identity=draft.identity, kind=draft.kind, source=draft.source, target=draft.target
    )
    _refresh(finding, draft, now)
    finding.first_detected = now
    return finding


def _refresh(finding: Finding, draft: Draft, now) -> None:
    for name in _EVIDENCE:
        setattr(finding, name, getattr(draft, name))
    finding.tag_list = "," + ",".join(draft.tags) + "," if draft.tags else ""
    finding.last_detected = now


def _transition(finding: Finding, state: str, action: str, reason: str) -> AuditEntry:
    before = _summary(finding)
    finding.state = state
    return _event(finding, action, before, _summary(finding), reason)


def _event(finding: Finding, action: str, before, after, reason: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        object_type="finding",
        object_key=f"finding:{finding.pk}",
        before=before,
        after=after,
        reason=reason,
    )


def _summary(finding: Finding) -> dict:
    return {
        "kind": finding.kind,
        "state": finding.state,
        "risk_level": finding.risk_level,
        "source": finding.source,
        "target": finding.target,
    }


def _why_gone(finding: Finding, governance: Governance) -> str:
    """Why a finding no longer holds, in words for the audit trail and the page."""
    if finding.kind == Finding.Kind.STEWARD_MISSING:
        return "a steward is accountable now"
    if finding.kind == Finding.Kind.REVIEW_OVERDUE:
        return "the review was attested"
    if finding.kind == Finding.Kind.FAILED_BACKFILL:
        return "its failed windows have been ingested since"
    target = governance.of(finding.target)
    if target.masked_by:
        return f"reads of {short_name(finding.target)} are masked by policy {target.masked_by}"
    source = governance.of(finding.source)
    if (
        classification_rank(source.classification) < classification_rank("confidential")
        and not source.tags
    ):
        return f"{short_name(finding.source)} is no longer classified as regulated"
    if (
        target.rank >= classification_rank(finding.classification)
        and set(finding.tags) <= target.tags
    ):
        level = target.classification or "unclassified"
        return f"{short_name(finding.target)} is now classified {level}, with {', '.join(sorted(target.tags)) or 'no tags'}"
    return "no path carries the value there any more (lineage changed or masks it on the way)"


# --- classification follows lineage --------------------------------------------------------


def suggestions_record(exposures: Iterable[Exposure]) -> int:
    """Suggest the source's level and missing tags for each readable copy; returns how many new.

    A few queries for the whole scan, however many copies: the columns' governance rows
    are found (or created empty) together, and only suggestions not yet made are written.
    """
    readable = [e for e in exposures if e.readable and e.target.column]
    if not readable:
        return 0
    tags = {t.slug: t for t in RegulatoryTag.objects.all()}
    assets = asset_governance_get_or_create_many(keys={e.target.key for e in readable})
    made = TagSuggestion.objects.filter(asset__in=assets.values(), source__startswith="lineage:")
    levels = {(s.asset_id, s.classification, s.source) for s in made if s.classification}
    tagged = {(s.asset_id, s.tag_id, s.source) for s in made if s.tag_id}
    new: list[TagSuggestion] = []
    for exposure in readable:
        asset = assets.get(normalize_key(exposure.target.key))
        if asset is None:
            continue  # not in the catalog (yet): nothing a steward could classify
        source = exposure.source.protection
        origin, detail = f"lineage:{source.key}"[:128], _detail(exposure)[:512]
        level = (asset.pk, source.classification, origin)
        if exposure.target.rank < source.rank and level not in levels:
            levels.add(level)
            new.append(
                TagSuggestion(
                    asset=asset, classification=source.classification, source=origin, detail=detail
                )
            )
        for slug in sorted(source.tags - exposure.target.tags):
            tag = tags.get(slug)
            if tag is not None and (asset.pk, tag.pk, origin) not in tagged:
                tagged.add((asset.pk, tag.pk, origin))
                new.append(TagSuggestion(asset=asset, tag=tag, source=origin, detail=detail))
    TagSuggestion.objects.bulk_create(new, batch_size=500)
    return len(new)


def _detail(exposure: Exposure) -> str:
    """``restricted + gdpr, pii, propagated from prod_db.raw.customers.email via stg_customers``."""
    source = exposure.source.protection
    via = [key_name(d).split(".")[-1] for d in exposure.paths[0].datasets[1:-1]]
    text = (
        f"{source.classification or 'unclassified'} + {', '.join(sorted(source.tags)) or 'no tags'}"
    )
    text += f", propagated from {key_name(source.dataset_key)}.{source.column}"
    return text + (f" via {', '.join(via)}" if via else "")
