"""A steward's day in a real browser: classify a column, attest a review, see both audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance import services
from governance.models import AuditEvent, Review
from graph.models import Column, Dataset
from lineage_portal.access import AUDITOR, STEWARD
from tests.governance.factories import tag

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "snowflake://prod_db.raw.customers"


@pytest.fixture
def stewarded(django_user_model):
    """raw.customers, restricted and stewarded by Sam, its review 3 days overdue; its e-mail
    column assigned to Sam but not classified yet; the EMAIL_HASH masking policy."""
    from django.contrib.auth.models import Group

    for slug in ("gdpr", "pii", "ccpa"):  # built in, but a transactional test flushes them
        tag(slug)
    admin = django_user_model.objects.create_user("admin", is_superuser=True)
    sam = django_user_model.objects.create_user("sam", password=PASSWORD, first_name="Sam")
    sam.groups.add(Group.objects.get_or_create(name=STEWARD)[0])
    steward = services.steward_create(actor=admin, name="Sam Steward", members=[sam])
    services.masking_policy_create(
        actor=admin, name="EMAIL_HASH", kind="hash", warehouse_policy="PROD_DB.POLICIES.EMAIL_HASH"
    )
    dataset = Dataset.objects.create(
        key=KEY, platform="snowflake", database="prod_db", schema="raw", name="customers"
    )
    for ordinal, name in enumerate(("customer_id", "email", "country"), start=1):
        Column.objects.create(dataset=dataset, key=f"{KEY}#{name}", name=name, ordinal=ordinal)
    table = services.asset_governance_get_or_create(dataset=dataset)
    services.asset_update(
        actor=admin,
        asset=table,
        changes={
            "classification": "restricted",
            "tags": ["gdpr"],
            "steward": steward,
            "next_review_due": timezone.localdate() - timedelta(days=3),
        },
        expected_version=None,
        reason="overdue for the demo",
    )
    email = services.asset_governance_get_or_create(key=f"{KEY}#email")
    services.steward_assign(actor=admin, asset=email, steward=steward)
    return dataset


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def wait_for_panel(page) -> None:
    page.wait_for_selector("#governance-slot[data-state=ready]", timeout=15_000)


def test_a_steward_classifies_a_column_attests_and_sees_it_audited(
    page, live_server, stewarded, artifacts
):
    sign_in(page, live_server, "sam")

    # Reviews in the top bar: the overdue table is there; open it.
    page.click("nav.nav >> text=Reviews")
    page.wait_for_url("**/reviews/")
    assert "3 days overdue" in page.inner_text("table.data")
    page.click("table.data >> text=customers")
    wait_for_panel(page)
    assert page.is_visible("#governance >> text=Edit governance")

    # Classify the e-mail column in place: restricted, PII, masked by EMAIL_HASH.
    email = stewarded.columns.get(name="email")
    row = page.locator(f"#gov-col-{email.pk}")
    row.locator("text=Edit").click()
    form = page.locator(f"[data-gov-edit='col-{email.pk}'] form")
    assert form.is_visible()
    form.locator("select[name=classification]").select_option("restricted")
    form.locator("label:has-text('pii') input").check()
    form.locator("select[name=masking_policy]").select_option(label="EMAIL_HASH")
    form.locator("input[name=reason]").fill("holds customers' e-mail addresses")
    page.screenshot(path=str(artifacts / "governance-classify-column.png"), full_page=True)
    form.locator("button:has-text('Save')").click()

    wait_for_panel(page)
    assert "Saved the governance of email." in page.inner_text("main .notice")
    row = page.locator(f"#gov-col-{email.pk}")
    assert "restricted" in row.inner_text() and "PII" in row.inner_text()
    assert row.locator(".masking").get_attribute("title").startswith("Masked by EMAIL_HASH")

    # Attest the table's overdue review from the queue, with a comment, in one click.
    page.click("nav.nav >> text=Reviews")
    page.fill("table.data input[name=comment]", "Checked with the CRM team")
    page.click("table.data button:has-text('Confirm')")
    page.wait_for_selector("text=You are up to date")
    assert "attested (confirmed unchanged)" in page.inner_text("main .notice")

    # Back on the dataset: both changes are in its audit trail, with who and why.
    page.goto(f"{live_server.url}/datasets/{stewarded.pk}/")
    wait_for_panel(page)
    trail = page.locator("#gov-audit-title").locator("xpath=../..").inner_text()
    assert "review.attest" in trail and "Checked with the CRM team" in trail
    assert "asset.update" in trail and "+pii" in trail and "EMAIL_HASH" in trail
    assert "by sam" in trail
    assert "Confirmed unchanged" in page.inner_text("#gov-reviews-title >> xpath=../..")
    page.locator("#gov-reviews-title").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "governance-audited.png"), full_page=True)

    assert Review.objects.get().reviewer.username == "sam"
    assert AuditEvent.objects.filter(actor="sam").count() == 2


def test_a_stale_edit_keeps_what_was_typed(page, live_server, stewarded, artifacts):
    sign_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/datasets/{stewarded.pk}/")
    wait_for_panel(page)
    page.click("#governance >> text=Edit governance")
    page.select_option("[data-gov-edit=dataset] select[name=classification]", "confidential")

    # Meanwhile an admin changes the same table.
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    table = services.asset_governance_get_or_create(dataset=stewarded)
    services.tags_set(actor=admin, asset=table, tags=["gdpr", "pii"])

    page.click("[data-gov-edit=dataset] button:has-text('Save')")
    page.wait_for_selector(".stale")
    assert "Changed by admin at" in page.inner_text(".stale")
    typed = page.locator("[data-gov-edit=dataset] select[name=classification]")
    assert typed.input_value() == "confidential"
    page.screenshot(path=str(artifacts / "governance-stale.png"), full_page=True)

    page.click("[data-gov-edit=dataset] button:has-text('Save')")
    page.wait_for_url(f"**/datasets/{stewarded.pk}/#governance")
    table.refresh_from_db()
    assert table.classification == "confidential"
    assert sorted(t.slug for t in table.tags.all()) == ["gdpr", "pii"]  # the admin's change kept


def test_an_auditor_sees_values_not_forms(page, live_server, stewarded, django_user_model):
    from django.contrib.auth.models import Group

    audrey = django_user_model.objects.create_user("audrey", password=PASSWORD)
    audrey.groups.add(Group.objects.get_or_create(name=AUDITOR)[0])
    sign_in(page, live_server, "audrey")
    page.goto(f"{live_server.url}/datasets/{stewarded.pk}/")
    wait_for_panel(page)
    panel = page.inner_text("#governance")
    assert "Read only — only Sam Steward or a compliance admin can change this" in panel
    assert page.locator("#governance-slot form.gov-form").count() == 0
