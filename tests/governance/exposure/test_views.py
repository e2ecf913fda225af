"""The exposure pages on findings a real scan raised: list, finding, decisions, scans,
the dashboard panel, the dataset panel's masking lines and the explorer's highlight."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from governance.exposure.scan import exposure_scan
from governance.models import AuditEvent, ExposureScan, Finding
from graph.models import Dataset
from graph.store.base import ReadObservation

from .test_engine import classify, flow, key

pytestmark = pytest.mark.django_db

SOURCE = key("raw.customers", "email")
EXPORT = key("marts.marketing_export")
TARGET = key("marts.marketing_export", "email")


@pytest.fixture
def leak(world, embedded_store):
    """The demo's story, small: raw e-mail and phone (restricted PII) copied through staging
    into an internal marketing export that marketing reads; a hashed copy into a dimension.

    The export is stewarded by ``world.owner``'s steward; the sources by the team.
    """
    for column in ("email", "phone"):
        flow(embedded_store, f"raw.customers.{column}", f"staging.stg_customers.{column}")
        flow(embedded_store, f"staging.stg_customers.{column}", f"marts.marketing_export.{column}")
    flow(embedded_store, "raw.customers.email", "analytics.dim_customers.email_hash", "hash")
    email = classify("raw.customers.email", "restricted", "pii", "gdpr", policy="EMAIL_HASH")
    phone = classify("raw.customers.phone", "restricted", "pii", "gdpr")
    staging = classify("staging.stg_customers", "restricted", "pii", "gdpr")
    dimension = classify("analytics.dim_customers", "confidential", "pii")
    for asset in (email, phone, staging, dimension):
        asset.steward = world.team
        asset.save()
    export = classify("marts.marketing_export", "internal")
    export.steward = world.person
    export.save()
    embedded_store.merge_reads(
        [
            ReadObservation(
                who, kind, EXPORT, timezone.now() - timedelta(days=30), timezone.now(), 12
            )
            for who, kind in (("MARY_MARKETING", "user"), ("MARKETING", "role"))
        ]
    )
    exposure_scan(store=embedded_store, trigger="test")
    return Finding.objects.get(source=SOURCE, target=TARGET)


def text(response) -> str:
    """The page as a person reads it: tags out, whitespace squeezed."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"</?(a|span|strong|code|em)\b[^>]*>", "", html)  # inline: no break
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the list ---------------------------------------------------------------------------------


def test_the_list_groups_by_risk_and_by_datasets_in_sentences(client, world, leak):
    client.force_login(world.auditor)

    page = text(client.get("/exposure/"))

    assert (
        "raw.customers (restricted, GDPR, PII) reaches marts.marketing_export unmasked in "
        "2 columns; read by 2 principals in the last 90 days" in page
    )
    assert (
        "raw.customers.email (restricted, GDPR, PII) reaches marts.marketing_export.email "
        "unmasked, in 2 hops; read by 2 principals in the last 90 days" in page
    )
    assert "dim_customers" not in page  # the hashed copy is no finding
    assert "identity" not in page
    # The HIGH card counts the two exposures; the HIGH section comes before any other.
    assert "2 HIGH unresolved 2 open · 0 acknowledged" in page
    sections = re.findall(r'<h2 id="risk-(\w+)"', client.get("/exposure/").content.decode())
    assert sections[0] == "HIGH"


def test_filters_narrow_the_list_and_resolved_findings_need_asking_for(client, world, leak):
    client.force_login(world.auditor)
    leak.state = Finding.State.RESOLVED
    leak.save()

    default = text(client.get("/exposure/"))
    resolved = text(client.get("/exposure/?state=resolved"))
    medium = text(client.get("/exposure/?risk_level=MEDIUM"))
    by_target = text(client.get("/exposure/?state=all&target=marketing_export.email"))

    assert "marketing_export.email unmasked" not in default
    assert "raw.customers.phone" in default
    assert "marketing_export.email unmasked" in resolved and "raw.customers.phone" not in resolved
    assert "No finding matches these filters" in medium
    assert "raw.customers.email" in by_target and "raw.customers.phone" not in by_target


def test_a_bad_filter_is_named(client, world, leak):
    client.force_login(world.auditor)

    response = client.get("/exposure/?risk_level=SEVERE")

    assert response.status_code == 400
    assert "These filters cannot be applied" in text(response)
    assert "SEVERE" in text(response)


# --- one finding --------------------------------------------------------------------------------


def test_a_finding_reads_as_a_sentence_then_its_path_hops_readers_and_grants(client, world, leak):
    client.force_login(world.auditor)

    response = client.get(f"/exposure/findings/{leak.pk}/")
    page = text(response)

    assert response.status_code == 200
    assert page.index("raw.customers.email (restricted, GDPR, PII) reaches") < page.index(
        "Hop by hop"
    )
    assert "marts.marketing_export.email is classified internal, below restricted" in page
    assert page.count("copied unmasked") == 2 and "identity" not in page
    assert "MARY_MARKETING" in page and "MARKETING" in page
    assert "Opened by the exposure scan by system" in page
    graph = json.loads(
        re.search(
            r'<script id="finding-graph-data" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    nodes = {el["data"]["id"]: el for el in graph if el["group"] == "nodes"}
    assert set(nodes) == {SOURCE, key("staging.stg_customers", "email"), TARGET}
    assert (nodes[SOURCE]["data"]["role"], nodes[TARGET]["data"]["role"]) == ("source", "target")
    assert nodes[TARGET]["classes"].startswith("cls-internal")
    edges = [el for el in graph if el["group"] == "edges"]
    assert [e["classes"] for e in edges] == ["unmasked", "unmasked"]


def test_who_may_not_decide_is_told_who_may(client, world, leak):
    client.force_login(world.auditor)

    page = text(client.get(f"/exposure/findings/{leak.pk}/"))

    assert (
        "Only the steward of marts.marketing_export.email (Olive Owner), the steward of "
        "raw.customers.email or a compliance admin may acknowledge or resolve this finding." in page
    )
    assert "Why is it acceptable for now?" not in page


def test_the_steward_acknowledges_with_a_reason_and_an_expiry(client, world, leak):
    client.force_login(world.owner)
    until = (timezone.localdate() + timedelta(days=30)).isoformat()

    response = client.post(
        f"/exposure/findings/{leak.pk}/acknowledge/",
        {"reason": "marketing consent checked", "expires": until},
    )

    assert response.status_code == 302 and response["Location"].endswith("#decision")
    leak.refresh_from_db()
    assert (leak.state, leak.ack_reason, leak.ack_expires.isoformat()) == (
        "acknowledged",
        "marketing consent checked",
        until,
    )
    event = AuditEvent.objects.get(action="finding.acknowledge", object_key=f"finding:{leak.pk}")
    assert (event.actor, event.reason) == ("owner", "marketing consent checked")
    page = text(client.get(f"/exposure/findings/{leak.pk}/"))
    assert f"Finding #{leak.pk} acknowledged until {until}" in page
    assert "Acknowledged by owner" in page and "expires in 30 days" in page


def test_a_bad_expiry_is_refused_beside_its_field_and_nothing_changes(client, world, leak):
    client.force_login(world.owner)

    response = client.post(
        f"/exposure/findings/{leak.pk}/acknowledge/",
        {"reason": "consent checked", "expires": "03/01/2027"},
    )

    assert response.status_code == 400
    assert "Write the date as YYYY-MM-DD" in text(response)
    assert 'value="consent checked"' in response.content.decode()  # what was typed is kept
    leak.refresh_from_db()
    assert leak.state == "open"


def test_another_steward_may_not_acknowledge(client, world, leak):
    client.force_login(world.other)

    response = client.post(f"/exposure/findings/{leak.pk}/acknowledge/", {"reason": "mine now"})

    assert response.status_code == 403
    assert "Only the steward of marts.marketing_export.email (Olive Owner)" in text(response)
    leak.refresh_from_db()
    assert leak.state == "open"


def test_the_sources_steward_may_decide_too(client, world, leak):
    client.force_login(world.member)  # of the team stewarding raw.customers

    page = text(client.get(f"/exposure/findings/{leak.pk}/"))
    response = client.post(f"/exposure/findings/{leak.pk}/resolve/", {"reason": "copy dropped"})

    assert "Why is it acceptable for now?" in page
    assert response.status_code == 302
    leak.refresh_from_db()
    assert leak.state == "resolved"


def test_an_admin_resolves_and_the_history_says_why(client, world, leak):
    client.force_login(world.admin)

    client.post(f"/exposure/findings/{leak.pk}/resolve/", {"reason": "the export job was dropped"})

    leak.refresh_from_db()
    assert leak.state == "resolved"
    page = text(client.get(f"/exposure/findings/{leak.pk}/"))
    assert "Resolved by ada" in page and "the export job was dropped" in page


def test_a_failed_backfill_reads_as_its_reason_and_is_for_admins_to_decide(client, world):
    when = timezone.now()
    backfill = Finding.objects.create(
        identity="failed_backfill|source:warehouse|backfill:7",
        kind=Finding.Kind.FAILED_BACKFILL,
        risk_level="MEDIUM",
        source="source:warehouse",
        target="backfill:7",
        source_dataset="",
        target_dataset="",
        reason="2 windows of the warehouse backfill failed: could not connect",
        details={"backfill": 7},
        first_detected=when,
        last_detected=when,
    )
    client.force_login(world.owner)

    page = text(client.get(f"/exposure/findings/{backfill.pk}/"))
    listed = text(client.get("/exposure/"))

    assert "2 windows of the warehouse backfill failed: could not connect." in page
    assert "Only a compliance admin may acknowledge or resolve a failed backfill." in page
    assert "The backfill and its failed windows" in page and "Hop by hop" not in page
    assert "2 windows of the warehouse backfill failed" in listed


def test_an_unknown_finding_is_a_page_not_an_error(client, world, leak):
    client.force_login(world.auditor)

    response = client.get("/exposure/findings/999999/")

    assert response.status_code == 404
    assert "There is no finding with this number" in text(response)


# --- scans ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_scan_now_runs_a_scan_for_an_admin(client, world, leak):
    """Committed as in production, so the (eager) scan runs inside the request."""
    client.force_login(world.admin)
    before = ExposureScan.objects.count()

    response = client.post("/exposure/scan/", follow=True)

    scan = ExposureScan.objects.first()
    assert ExposureScan.objects.count() == before + 1
    assert (scan.status, scan.trigger) == ("succeeded", "manual, by ada")
    assert "Scan finished: 0 opened, 0 re-opened, 0 resolved." in text(response)
    status = text(client.get("/exposure/scan/status"))
    assert "Last scan just now (manual, by ada)" in status and "Scan now" in status


def test_a_waiting_scan_is_shown_as_such_and_scan_now_is_for_admins(client, world, leak):
    ExposureScan.objects.create(trigger="ingestion run 7")
    client.force_login(world.auditor)

    response = client.get("/exposure/scan/status")

    assert 'data-state="queued"' in response.content.decode()
    assert "waiting for a worker" in text(response)
    assert "Scan now" not in text(response)
    assert client.post("/exposure/scan/").status_code == 403


# --- the dashboard, the dataset page, the explorer ----------------------------------------------


def test_the_dashboard_shows_the_leak_and_the_coverage(client, world, leak):
    client.force_login(world.auditor)

    page = text(client.get("/"))

    assert "Where regulated data leaves its protection" in page
    assert "2 HIGH findings unresolved" in page
    assert "raw.customers (restricted, GDPR, PII) reaches marts.marketing_export unmasked" in page
    assert "Overdue reviews" in page and "Steward coverage" in page
    assert "1 day with a scan" in page


def test_a_sensitive_columns_masking_line_says_where_its_value_leaves(client, world, leak):
    client.force_login(world.auditor)
    dataset_pk = Dataset.objects.get(key=leak.source_dataset).pk

    panel = text(client.get(f"/governance/datasets/{dataset_pk}/panel/"))

    assert (
        "Policy EMAIL_HASH masks reads of this column, but its value is copied unmasked to "
        f"marts.marketing_export.email (finding #{leak.pk})" in panel
    )
    assert "2 unresolved findings about this table: 2 where a value of it leaves unmasked" in panel
    # No lock beside a policy whose value leaves unmasked: it masks reads of this column only.
    html = client.get(f"/governance/datasets/{dataset_pk}/panel/").content.decode()
    at = html.index('class="masking leaking"')
    email_row = html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]
    assert "<strong>email</strong>" in email_row and "(reads only)" in email_row
    assert 'class="lock"' not in email_row


def test_highlight_exposure_lights_the_leaks_edges_and_not_the_hashed_one(client, world, leak):
    client.force_login(world.auditor)

    response = client.get(f"/lineage/?dataset={key('staging.stg_customers')}&level=column")
    match = re.search(
        r'<script id="lineage-highlights" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    [exposure] = json.loads(match.group(1))

    stg = key("staging.stg_customers", "email")
    assert exposure["label"] == "Highlight exposure"
    assert f"{SOURCE}->{stg}" in exposure["edges"] and f"{stg}->{TARGET}" in exposure["edges"]
    assert f"{key('staging.stg_customers')}->{EXPORT}" in exposure["edges"]  # the table edge too
    assert not [e for e in exposure["edges"] if "dim_customers" in e]
    assert "2 unresolved exposure findings" in exposure["description"]


def test_a_day_without_a_scan_is_not_drawn(client, world, leak):
    from governance.exposure.overview import trend

    today = timezone.localdate()
    drawn = trend([(today - timedelta(days=10), {"HIGH": 2}), (today, {"HIGH": 1, "MEDIUM": 3})])

    assert [bar.day for bar in drawn.bars] == [today - timedelta(days=10), today]
    assert drawn.peak == 4
    # Heights are shares of the peak: today's bar fills the chart, HIGH on top of MEDIUM.
    assert [(level, h) for level, _, h in drawn.bars[1].segments] == [
        ("MEDIUM", "48.00"),
        ("HIGH", "16.00"),
    ]
