"""Exposure findings raise alerts: one per new finding, none when a scan sees it again."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings

from governance.alerts.models import Alert
from governance.demo import demo_governance_seed
from governance.exposure.scan import exposure_scan
from governance.models import Finding
from governance.services import demo_users_create
from graph.demo import demo_ingest
from graph.models import Backfill, IngestionRun, Source
from tests.conftest import DEMO_DAYS, EMULATOR_NOISE

from .test_failed_backfill import run_task_like_a_worker

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings(EMULATOR_NOISE)]


def scan(store, capture):
    with capture(execute=True):
        return exposure_scan(store=store, trigger="test")


def test_a_new_finding_is_one_alert_with_its_path(
    alerting, embedded_store, leak, django_capture_on_commit_callbacks
):
    slack, smtp = alerting
    scan(embedded_store, django_capture_on_commit_callbacks)
    finding = Finding.objects.get(kind="unmasked_pii_path")
    assert len(slack.payloads) == 1 and len(smtp.messages) == 1
    payload = slack.payloads[0]
    assert (
        payload["text"]
        == "HIGH · raw.customers.email (restricted, GDPR, PII) reaches marts.export.email unmasked"
    )
    blocks = str(payload["blocks"])
    assert "`raw.customers.email` → `marts.export.email`" in blocks
    assert "raw.customers → marts.export" in blocks and "1 hop: copied unmasked" in blocks
    assert f"http://127.0.0.1:8000/exposure/findings/{finding.pk}/" in blocks  # the page
    alert = Alert.objects.get()
    assert alert.idempotency_key == f"finding:{finding.pk}:opened" and alert.status == "sent"

    scan(embedded_store, django_capture_on_commit_callbacks)  # sees it again: nothing new
    assert len(slack.payloads) == 1 and len(smtp.messages) == 1 and Alert.objects.count() == 1


def test_the_demo_leak_and_a_failed_window_alert_once_each(
    slack,
    smtp,
    embedded_store,
    demo,
    demo_end,
    django_capture_on_commit_callbacks,
):
    config = copy.deepcopy(settings.LINEAGE_CONFIG)
    config["monitoring"].update(
        slack_webhook=slack.url,
        email={
            "to": ["compliance@example.com"],
            "from": "portal@example.com",
            "subject_prefix": "",
        },
    )
    with override_settings(LINEAGE_CONFIG=config):
        demo_ingest(store=embedded_store, days=DEMO_DAYS, end=demo_end)
        demo_users_create()
        demo_governance_seed()
        scan(embedded_store, django_capture_on_commit_callbacks)

        # The leaks of one scan go out as one message per channel, the marketing export in it.
        assert len(slack.payloads) == 1 and len(smtp.messages) == 1
        leak = slack.payloads[0]
        assert leak["text"].startswith("HIGH · ")
        assert "reaches marts.marketing_export.email unmasked" in str(leak)
        assert "marts.marketing_export.email" in smtp.messages[0].get_body(("plain",)).get_content()

        source = Source.objects.create(name="finance-dbt", kind=Source.Kind.DBT)
        job = Backfill.objects.create(
            source=source, start=demo_end - timedelta(days=1), end=demo_end, windows_total=1
        )
        run = IngestionRun.objects.create(
            source=source, backfill=job, window_start=job.start, window_end=job.end
        )
        with django_capture_on_commit_callbacks(execute=True):
            run_task_like_a_worker(run.pk)
        assert len(slack.payloads) == 2 and len(smtp.messages) == 2
        assert slack.payloads[1]["text"].startswith(
            "MEDIUM · Backfill window of finance-dbt failed"
        )

        scan(
            embedded_store, django_capture_on_commit_callbacks
        )  # now also a failed_backfill finding
        assert Finding.objects.filter(kind="failed_backfill").exists()
        assert len(slack.payloads) == 2 and len(smtp.messages) == 2  # nothing new
