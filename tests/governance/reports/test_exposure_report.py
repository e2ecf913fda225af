"""The exposure report on the demo warehouse: the marketing-export leak, in PDF and CSV, verifiable."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from governance.demo import demo_governance_seed
from governance.exposure.scan import exposure_scan
from governance.reports.models import ReportEntry
from governance.services import demo_users_create
from graph.demo import demo_ingest
from tests.conftest import DEMO_DAYS, EMULATOR_NOISE

from ..factories import auditor_user
from .conftest import body, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings(EMULATOR_NOISE)]


@pytest.fixture
def demo_findings(embedded_store, demo, demo_end):
    demo_ingest(store=embedded_store, days=DEMO_DAYS, end=demo_end)
    demo_users_create()
    demo_governance_seed()
    exposure_scan(store=embedded_store, trigger="test")


def test_the_exposure_report_names_the_leak_and_verifies(client, demo_findings, tmp_path):
    client.force_login(auditor_user(username="audrey"))
    response = client.get(
        "/exposure/report.pdf", {"risk_level": "HIGH", "target": "marketing_export"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = body(response)
    text = " ".join(pdf_text(data, tmp_path).split())
    assert "Exposure report" in text and "risk level: HIGH" in text
    assert (
        "raw.customers.email (restricted, GDPR, PII) reaches marts.marketing_export.email unmasked"
        in text
    )
    assert "HIGH · " in text and "MARY_MARKETING" in text  # the export's reader
    assert "Classification inventory" in text and "Ingestion coverage" in text
    assert "demo- snowflake" in text or "demo-snowflake" in text

    kept = tmp_path / "exposure.pdf"
    kept.write_bytes(data)
    out = io.StringIO()
    call_command("verify_report", str(kept), stdout=out)
    entry = ReportEntry.objects.get(kind="exposure", format="pdf")
    assert entry.report_id in out.getvalue()
    changed = tmp_path / "exposure-changed.pdf"
    changed.write_bytes(data[:100] + bytes([data[100] ^ 0x01]) + data[101:])
    with pytest.raises(CommandError) as refused:
        call_command("verify_report", str(changed))
    assert refused.value.returncode == 1


def test_the_exposure_csv_has_one_row_per_finding_and_path(client, demo_findings):
    client.force_login(auditor_user(username="audrey"))
    response = client.get("/exposure/report.csv", {"kind": "unmasked_pii_path"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    email = [r for r in rows if r["target"].endswith("marketing_export#email")]
    assert email and email[0]["risk"] == "HIGH" and email[0]["state"] == "open"
    assert "copied unmasked" in email[0]["transforms"]
    assert {r["kind"] for r in rows} == {"unmasked_pii_path"}
    assert ReportEntry.objects.get(kind="exposure", format="csv").row_counts == {"rows": len(rows)}
