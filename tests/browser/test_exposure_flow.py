"""The demo's leak in a real browser: an auditor finds it from the dashboard and sees its
path drawn; the exposed asset's steward acknowledges it with a reason, and it is audited.

The lineage comes from the demo warehouse through the real pipeline (emulator →
connector → embedded store), the findings from a real scan.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance import services
from governance.demo import PLATFORM, demo_governance_seed
from governance.exposure.scan import exposure_scan
from governance.models import AuditEvent, Finding, Steward
from graph.demo import demo_ingest
from graph.store import get_store
from tests.conftest import DEMO_DAYS, EMULATOR_NOISE
from tests.governance.factories import tag

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings(EMULATOR_NOISE),
]

BUILTIN_TAGS = ("gdpr", "ccpa", "pii", "sox", "financial", "hipaa", "pci")
SF = "snowflake://prod_db"
RAW, STG, EXPORT = (
    f"{SF}.raw.customers",
    f"{SF}.staging.stg_customers",
    f"{SF}.marts.marketing_export",
)


@pytest.fixture
def scanned(demo, demo_end):
    """The demo warehouse ingested, governed as the demo seeds it, and scanned.

    The demo's ``steward`` login joins the team that stewards the marts, so that one
    person can be both the steward here and the one refused elsewhere.
    """
    for slug in BUILTIN_TAGS:  # seeded by a migration, but a transactional test flushes them
        tag(slug)
    services.demo_users_create()
    store = get_store()
    store.ensure_schema()
    store.clear()
    demo_ingest(store=store, days=DEMO_DAYS, end=demo_end)
    demo_governance_seed()
    users = get_user_model().objects
    services.steward_update(
        actor=users.get(username="admin"),
        steward=Steward.objects.get(name=PLATFORM),
        changes={"members": [users.get(username="steward")]},
        reason="the steward answers for the marts",
    )
    exposure_scan(store=store, trigger="test")
    return Finding.objects.get(source=f"{RAW}#email", target=f"{EXPORT}#email")


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_an_auditor_finds_the_leak_and_its_steward_acknowledges_it(
    page, live_server, scanned, artifacts
):
    sign_in(page, live_server, "auditor")

    # The dashboard names the leak among the gravest findings.
    panel = page.locator("[data-exposure-panel]")
    leak = panel.locator("[data-gravest]", has_text="reaches marts.marketing_export unmasked")
    assert leak.count() == 1
    assert leak.inner_text().startswith("raw.customers (restricted")
    page.screenshot(path=str(artifacts / "exposure-dashboard.png"), full_page=True)

    # It leads to the findings of that export; the e-mail is one of them.
    with page.expect_navigation():
        leak.click()
    assert page.url.startswith(f"{live_server.url}/exposure/?")
    group = page.locator("details", has_text="raw.customers (restricted")
    group.locator("summary").click()
    group.locator("a.sentence", has_text="raw.customers.email").click()
    page.wait_for_url(f"**/exposure/findings/{scanned.pk}/")

    # The sentence first, then the path drawn: only its nodes, source left, export right.
    sentence = page.inner_text("[data-finding-sentence]")
    assert sentence.startswith("raw.customers.email (restricted")
    assert "reaches marts.marketing_export.email unmasked, in 2 hops" in sentence
    page.wait_for_selector("#finding-graph[data-state=ready]")
    drawn = page.evaluate(
        """() => window.exposureGraph.nodes().map(n => ({
            dataset: n.data('dataset'), role: n.data('role'), x: n.position('x')}))"""
    )
    assert {node["dataset"] for node in drawn} == {RAW, STG, EXPORT}
    by_role = {node["role"]: node for node in drawn}
    assert by_role["source"]["dataset"] == RAW and by_role["target"]["dataset"] == EXPORT
    assert by_role["source"]["x"] < by_role["via"]["x"] < by_role["target"]["x"]
    assert page.evaluate("window.exposureGraph.edges('.unmasked').length") == 2
    assert "MARY_MARKETING" in page.inner_text("#readers-title >> xpath=..")
    # An auditor reads; the decision belongs to the stewards of the export and of the e-mail.
    decision = page.inner_text("#decision")
    assert "Only the steward of marts.marketing_export.email (Data Platform)" in decision
    assert "the steward of raw.customers.email" in decision
    assert page.locator("#decision form").count() == 0
    page.screenshot(path=str(artifacts / "exposure-finding-auditor.png"), full_page=True)

    # The steward acknowledges it, with a reason and an expiry.
    page.click("button:has-text('Log out')")
    sign_in(page, live_server, "steward")
    page.goto(f"{live_server.url}/exposure/findings/{scanned.pk}/")
    until = (timezone.localdate() + timedelta(days=60)).isoformat()
    form = page.locator("form[data-acknowledge]")
    form.locator("input[name=reason]").fill("Consent for marketing e-mail is on file")
    form.locator("input[name=expires]").fill(until)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/exposure/findings/{scanned.pk}/#decision")

    assert f"acknowledged until {until}" in page.inner_text("main .notice")
    assert "acknowledged" in page.inner_text(".finding-head .eyebrow")
    history = page.inner_text("[data-finding-history]")
    assert "Acknowledged by steward" in history
    assert "Consent for marketing e-mail is on file" in history
    page.screenshot(path=str(artifacts / "exposure-finding-acknowledged.png"), full_page=True)

    scanned.refresh_from_db()
    assert (scanned.state, scanned.ack_expires.isoformat()) == ("acknowledged", until)
    event = AuditEvent.objects.get(action="finding.acknowledge", object_key=f"finding:{scanned.pk}")
    assert (event.actor, event.reason) == ("steward", "Consent for marketing e-mail is on file")


def test_the_exposure_page_follows_a_scan_without_reloading(page, live_server):
    """A scan a worker has not finished yet: the page shows it waiting, then done."""
    from governance.models import ExposureScan

    services.demo_users_create()
    scan = ExposureScan.objects.create(trigger="ingestion run 7")
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/exposure/")
    status = page.locator("[data-scan-status]")
    assert "waiting for a worker" in status.inner_text()
    assert status.locator("button:has-text('Scan now')").is_disabled()
    page.evaluate("window.notReloaded = true")  # gone if the page reloads

    scan.status, scan.started_at = ExposureScan.Status.RUNNING, timezone.now()
    scan.save()
    page.wait_for_selector("[data-scan-status][data-state=running]", timeout=10_000)
    scan.status, scan.finished_at, scan.opened = (
        ExposureScan.Status.SUCCEEDED,
        timezone.now(),
        3,
    )
    scan.save()
    page.wait_for_selector("[data-scan-status][data-state=succeeded]", timeout=10_000)

    assert "3 findings opened" in page.inner_text("[data-scan-status]")
    assert "The scan has finished." in page.inner_text("[data-scan-finished]")
    assert page.evaluate("window.notReloaded === true")
    assert page.locator("[data-scan-status] button:has-text('Scan now')").is_enabled()


def test_highlight_exposure_lights_the_leak_and_dims_the_hashed_copy(
    page, live_server, scanned, artifacts
):
    sign_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/lineage/?dataset={STG}&depth=1&level=column")
    page.wait_for_selector("#cy[data-state=ready]")

    page.click("[data-lineage-highlight=exposure]")

    lit = set(page.evaluate("window.lineageGraph.edges('.lit').map(e => e.id())"))
    dimmed = set(page.evaluate("window.lineageGraph.edges('.dimmed').map(e => e.id())"))
    assert f"{RAW}#email->{STG}#email" in lit and f"{STG}#email->{EXPORT}#email" in lit
    hashed = [e for e in dimmed if e.startswith(f"{STG}#email->") and "dim_customers" in e]
    assert hashed and not [e for e in lit if "dim_customers#email" in e]
    assert "unresolved exposure finding" in page.inner_text("[data-highlight-note]")
    page.screenshot(path=str(artifacts / "exposure-lineage-highlight.png"))

    page.click("[data-lineage-highlight=exposure]")  # off again: nothing dimmed
    assert page.evaluate("window.lineageGraph.elements('.dimmed').length") == 0
    assert page.is_hidden("[data-highlight-note]")
