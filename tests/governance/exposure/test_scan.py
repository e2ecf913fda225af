"""Scans record findings: opened once, updated, resolved, re-opened, acknowledged — audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from governance import services
from governance.exposure import services as decisions
from governance.exposure.scan import exposure_scan
from governance.models import AuditEvent, ExposureScan, Finding, TagSuggestion
from graph.models import Backfill, IngestionRun, Source

from ..factories import StewardFactory, tag
from .test_engine import JUNE, classify, flow, key

pytestmark = pytest.mark.django_db

LEAK = f"unmasked_pii_path|{key('raw.customers', 'email')}|{key('marts.export', 'email')}"


@pytest.fixture
def leak(embedded_store):
    """raw.customers.email (restricted, PII) copied into an internal marketing export."""
    flow(embedded_store, "raw.customers.email", "marts.export.email")
    owner = StewardFactory(name="Data Owner")
    source = classify("raw.customers.email", "restricted", "pii", "gdpr")
    export = classify("marts.export", "internal")
    for asset in (source, export):  # accountable, so no steward_missing finding muddles these
        asset.steward = owner
        asset.save()
    return export


def scan(store) -> ExposureScan:
    return exposure_scan(store=store, trigger="test")


def test_a_scan_opens_a_finding_once_and_keeps_it(embedded_store, leak):
    first = scan(embedded_store)
    finding = Finding.objects.get(identity=LEAK)
    assert (finding.state, finding.kind, finding.risk_level, finding.masking) == (
        "open",
        "unmasked_pii_path",
        "HIGH",
        "unmasked",
    )
    assert finding.paths[0]["hops"][0]["transform"] == "identity"
    assert (first.opened, first.status, first.open_by_risk) == (1, "succeeded", {"HIGH": 1})

    again = scan(embedded_store)
    assert Finding.objects.filter(identity=LEAK).count() == 1
    assert (again.opened, again.resolved, again.reopened) == (0, 0, 0)
    assert Finding.objects.get(identity=LEAK).first_detected == finding.first_detected
    opened = AuditEvent.objects.filter(action="finding.open", object_key=f"finding:{finding.pk}")
    assert opened.count() == 1 and opened.get().actor == "system"


def test_reclassifying_the_target_resolves_and_a_new_path_reopens(embedded_store, leak, world):
    scan(embedded_store)
    services.asset_update(
        actor=world.admin,
        asset=leak,
        changes={"classification": "restricted", "tags": ["pii", "gdpr"]},
        expected_version=leak.version,
        reason="the export is restricted now",
    )

    after = scan(embedded_store)

    finding = Finding.objects.get(identity=LEAK)
    assert (after.resolved, finding.state) == (1, "resolved")
    assert "now classified restricted" in finding.resolution
    assert AuditEvent.objects.filter(action="finding.resolve", object_key=f"finding:{finding.pk}")

    services.asset_update(
        actor=world.admin,
        asset=leak,
        changes={"classification": "internal", "tags": []},
        expected_version=leak.version + 1,
        reason="lowered again",
    )
    back = scan(embedded_store)
    assert (back.reopened, Finding.objects.get(identity=LEAK).state) == (1, "open")


def test_a_path_that_disappears_resolves_its_finding(embedded_store, leak):
    scan(embedded_store)
    embedded_store.clear()

    scan(embedded_store)

    finding = Finding.objects.get(identity=LEAK)
    assert finding.state == "resolved" and "no path carries the value" in finding.resolution


def test_copies_get_classification_suggestions_once(embedded_store, leak):
    scan(embedded_store)
    scan(embedded_store)

    suggested = TagSuggestion.objects.filter(asset__column__key=key("marts.export", "email"))
    assert sorted(s.suggested for s in suggested) == ["level:restricted", "tag:gdpr", "tag:pii"]
    detail = suggested.first().detail
    assert detail.startswith("restricted + gdpr, pii, propagated from prod_db.raw.customers.email")


def test_accepting_the_suggestions_resolves_the_finding(embedded_store, leak, world):
    scan(embedded_store)
    for suggestion in TagSuggestion.objects.filter(source__startswith="lineage:"):
        services.tag_suggestion_accept(actor=world.admin, suggestion=suggestion)

    scan(embedded_store)

    assert Finding.objects.get(identity=LEAK).state == "resolved"


def test_the_steward_acknowledges_with_a_reason_until_it_expires(embedded_store, leak, world):
    leak.steward = world.person
    leak.save()
    scan(embedded_store)
    finding = Finding.objects.get(identity=LEAK)
    with pytest.raises(PermissionDenied):
        decisions.finding_acknowledge(actor=world.other, finding=finding, reason="not mine")
    with pytest.raises(ValidationError):
        decisions.finding_acknowledge(actor=world.owner, finding=finding, reason=" ")

    expires = timezone.localdate() + timedelta(days=30)
    decisions.finding_acknowledge(
        actor=world.owner, finding=finding, reason="Legal approved the campaign", expires=expires
    )
    scan(embedded_store)
    finding.refresh_from_db()
    assert (finding.state, finding.ack_reason, finding.ack_expires) == (
        "acknowledged",
        "Legal approved the campaign",
        expires,
    )
    event = AuditEvent.objects.get(action="finding.acknowledge")
    assert (event.actor, event.after["state"], event.before["state"]) == (
        "owner",
        "acknowledged",
        "open",
    )

    Finding.objects.filter(pk=finding.pk).update(ack_expires=timezone.localdate() - timedelta(1))
    scan(embedded_store)
    assert Finding.objects.get(pk=finding.pk).state == "open"


def test_resolving_by_hand_is_undone_by_a_scan_that_still_sees_it(embedded_store, leak, world):
    scan(embedded_store)
    finding = Finding.objects.get(identity=LEAK)
    decisions.finding_resolve(actor=world.admin, finding=finding, reason="export job dropped")
    assert Finding.objects.get(pk=finding.pk).state == "resolved"

    again = scan(embedded_store)

    assert again.reopened == 1 and Finding.objects.get(pk=finding.pk).state == "open"


def test_governance_gaps_are_findings(embedded_store):
    classify("raw.web_events", "confidential", "pii")  # nobody stewards it
    overdue = classify("raw.orders", "confidential", "financial")
    overdue.steward = StewardFactory(name="Finance")
    overdue.next_review_due = timezone.localdate() - timedelta(days=3)
    overdue.save()

    scan(embedded_store)

    kinds = {(f.kind, f.target, f.risk_level) for f in Finding.objects.all()}
    assert ("steward_missing", key("raw.web_events"), "HIGH") in kinds
    assert ("review_overdue", key("raw.orders"), "MEDIUM") in kinds
    assert ("steward_missing", key("raw.orders"), "MEDIUM") not in kinds
    review = Finding.objects.get(kind="review_overdue")
    assert review.details["days_overdue"] == 3


def test_a_backfill_with_failed_windows_is_a_finding_until_retried(embedded_store):
    source = Source.objects.create(name="warehouse", kind="snowflake")
    job = Backfill.objects.create(source=source, start=JUNE, end=JUNE + timedelta(days=2))
    failed = IngestionRun.objects.create(
        source=source,
        backfill=job,
        window_start=JUNE,
        window_end=JUNE + timedelta(days=1),
        status="failed",
        error="OperationalError: could not connect to Snowflake",
    )

    scan(embedded_store)
    finding = Finding.objects.get(kind="failed_backfill")
    assert finding.details["failed_windows"] == 1 and "could not connect" in finding.reason

    IngestionRun.objects.filter(pk=failed.pk).update(status="succeeded")
    scan(embedded_store)
    assert Finding.objects.get(pk=finding.pk).state == "resolved"


def test_tags_filter_findings_on_every_database(embedded_store, leak):
    from governance.exposure.selectors import finding_list

    tag("sox")
    scan(embedded_store)

    assert list(finding_list(tag="gdpr").values_list("identity", flat=True)) == [LEAK]
    assert not finding_list(tag="sox").exists()
    assert list(finding_list(target="marts.export.email").values_list("identity", flat=True)) == [
        LEAK
    ]


@override_settings(EXPOSURE_AUTO_SCAN=True)
def test_a_finished_ingestion_run_queues_one_scan(
    embedded_store, leak, django_capture_on_commit_callbacks
):
    import time

    import graph.store as graph_store
    from graph.ingestion.merge import run_finish

    graph_store._store = embedded_store
    source = Source.objects.create(name="warehouse", kind="snowflake")
    run = IngestionRun.objects.create(source=source, window_start=JUNE, window_end=JUNE)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            run_finish(run=run, status="succeeded", started=time.monotonic())
    finally:
        graph_store._store = None

    scan = ExposureScan.objects.get()
    assert (scan.trigger, scan.status) == (f"ingestion run {run.pk}", "succeeded")
    assert Finding.objects.filter(identity=LEAK, state="open").exists()
