"""An auditor in a real browser: export the audit trail as PDF, then check that file on the Reports page."""

from __future__ import annotations

import copy
import subprocess

import pytest
from django.conf import settings
from django.test import override_settings

from governance.audit import audit_event_append
from lineage_portal.access import AUDITOR

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def auditor_page(page, live_server, django_user_model, tmp_path):
    from django.contrib.auth.models import Group

    config = copy.deepcopy(settings.LINEAGE_CONFIG)
    config["reports"]["directory"] = str(tmp_path / "kept")
    config["reports"]["organisation"] = "Example Bank plc"
    user = django_user_model.objects.create_user("audrey", password=PASSWORD, first_name="Audrey")
    user.groups.add(Group.objects.get_or_create(name=AUDITOR)[0])
    for i in range(3):
        audit_event_append(
            actor="system",
            action="asset.update",
            object_type="dataset",
            object_key=f"snowflake://prod_db.raw.t{i}",
            after={"classification": "restricted"},
            reason="review",
        )
    with override_settings(LINEAGE_CONFIG=config):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "audrey")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        yield page


def test_export_then_verify_the_file(auditor_page, live_server, tmp_path, artifacts):
    page = auditor_page
    page.goto(f"{live_server.url}/governance/audit/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Audit trail" in text and "R-000001" in text and "3 events verified" in text

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(f"{live_server.url}/reports/")
    assert page.get_by_text("R-000001").first.is_visible()
    page.set_input_files("input[type=file]", str(saved))
    page.get_by_role("button", name="Check").click()
    result = page.locator("[data-verify-result]")
    assert result.get_attribute("data-verify-result") == "match"
    assert "The file is R-000001: Audit trail (PDF)" in result.inner_text()
    page.screenshot(path=str(artifacts / "reports-verified.png"), full_page=True)

    changed = tmp_path / "changed.pdf"
    changed.write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    page.set_input_files("input[type=file]", str(changed))
    page.get_by_role("button", name="Check").click()
    result = page.locator("[data-verify-result]")
    assert result.get_attribute("data-verify-result") == "none"
    assert "No report in the evidence register" in result.inner_text()
