"""CSV export (streamed rows) and import (per-row, line-numbered, never half a row)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from governance import services
from governance.csv_io import CSV_COLUMNS, csv_lines, governance_csv_import, governance_csv_rows
from governance.models import AssetGovernance, AuditEvent

from .factories import AssetGovernanceFactory, ColumnFactory, MaskingPolicyFactory


@pytest.fixture
def governed(world):
    """The customers table restricted with an e-mail column hashed, both stewarded."""
    MaskingPolicyFactory(name="EMAIL_HASH")
    email = ColumnFactory(dataset=world.asset.dataset, name="EMAIL", ordinal=2)
    ColumnFactory(dataset=world.asset.dataset, name="PHONE", ordinal=3)
    services.asset_update(
        actor=world.admin,
        asset=world.asset,
        expected_version=None,
        changes={
            "classification": "restricted",
            "tags": ["pii", "gdpr"],
            "next_review_due": "2030-01-31",
        },
        reason="scheduled",
    )
    column = AssetGovernanceFactory(dataset=None, column=email, steward=world.person)
    services.asset_update(
        actor=world.admin,
        asset=column,
        expected_version=None,
        changes={
            "classification": "restricted",
            "tags": ["pii"],
            "masking_policy": "EMAIL_HASH",
            "next_review_due": "2030-01-31",
        },
        reason="scheduled",
    )
    return world


def _csv(*rows: str) -> list[str]:
    return [",".join(CSV_COLUMNS), *rows]


def test_export_rows_dataset_first_then_columns(governed):
    rows = list(governance_csv_rows(actor=governed.auditor))
    key = governed.asset.key
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1] == [key, "", "restricted", "gdpr;pii", "Olive Owner", "", "2030-01-31"]
    assert rows[2] == [key, "EMAIL", "restricted", "pii", "Olive Owner", "EMAIL_HASH", "2030-01-31"]
    assert [row[0] for row in rows[3:]] == [governed.team_asset.key]


def test_export_streams_text_lines(governed):
    lines = list(csv_lines(governance_csv_rows(actor=governed.admin)))
    assert lines[0] == ",".join(CSV_COLUMNS) + "\r\n"
    assert len(lines) == 4


def test_only_auditors_and_admins_export(governed):
    with pytest.raises(PermissionDenied, match="may not export"):
        governance_csv_rows(actor=governed.owner)


def test_import_applies_good_rows_and_reports_bad_ones_by_line(governed):
    key, team_key = governed.asset.key, governed.team_asset.key
    before = AuditEvent.objects.count()
    report = governance_csv_import(
        actor=governed.owner,
        lines=_csv(
            f"{key},,confidential,pii,Olive Owner,,2030-01-31",  # 2: good (date as it was)
            f"{key},PHONE,restricted,pii;bogus,,,",  # 3: unknown tag — nothing of it applied
            "",  # 4: blank, skipped
            f"{key},EMAIL,secret,pii,,,",  # 5: unknown level
            f"{team_key},,public,,,,",  # 6: not the owner's asset
            "snowflake://prod_db.raw.nope,,public,,,,",  # 7: not in the catalog
            f"{key},FAX,public,,,,",  # 8: no such column
            f"{key},PHONE,confidential,pii,Olive Owner,,2030-13-01",  # 9: bad date
            f"{key},EMAIL,confidential,pii,Olive Owner,EMAIL_HASH,2030-01-31",  # 10: good
            f"{key},PHONE,confidential,pii,Olive Owner,,",  # 11: good: the table's steward
        ),
    )
    assert report.applied == [2, 10, 11]
    assert [error.line for error in report.errors] == [3, 5, 6, 7, 8, 9]
    reasons = {error.line: error.reason for error in report.errors}
    assert "'bogus'" in reasons[3] and reasons[3].startswith("tags:")
    assert "'secret'" in reasons[5]
    assert "may not change" in reasons[6]
    assert "Unknown catalog dataset 'snowflake://prod_db.raw.nope'" in reasons[7]
    assert "no column 'FAX'" in reasons[8]
    assert "'2030-13-01'" in reasons[9]
    email = AssetGovernance.objects.get(column__name="EMAIL")
    assert (email.classification, email.masking_policy.name) == ("confidential", "EMAIL_HASH")
    assert email.next_review_due == date(2030, 1, 31)  # a steward does not move it
    # Line 3 (refused) left nothing of itself behind; line 11 set the column as written.
    phone = AssetGovernance.objects.get(column__name="PHONE")
    assert phone.classification == "confidential"
    assert list(phone.tags.values_list("slug", flat=True)) == ["pii"]
    governed.asset.refresh_from_db()
    assert governed.asset.classification == "confidential"
    assert governed.asset.next_review_due == date(2030, 1, 31)
    assert AuditEvent.objects.count() == before + 3
    assert AuditEvent.objects.order_by("-seq").first().reason == "CSV import, line 11"
    assert report.summary() == "3 rows applied, 0 unchanged, 6 refused"


def test_an_admin_imports_rows_for_assets_without_governance(governed):
    key = governed.asset.key
    report = governance_csv_import(
        actor=governed.admin, lines=_csv(f"{key},PHONE,confidential,pii,Olive Owner,,")
    )
    assert report.applied == [2]
    phone = AssetGovernance.objects.get(column__name="PHONE")
    assert (phone.classification, phone.steward.name) == ("confidential", "Olive Owner")


def test_importing_an_export_changes_nothing(governed):
    rows = list(csv_lines(governance_csv_rows(actor=governed.admin)))
    before = AuditEvent.objects.count()
    report = governance_csv_import(actor=governed.admin, lines=rows)
    assert report.ok and not report.applied and report.unchanged == [2, 3, 4]
    assert AuditEvent.objects.count() == before


def test_only_the_columns_in_the_header_are_applied(governed):
    report = governance_csv_import(
        actor=governed.admin, lines=["dataset_key,classification", f"{governed.asset.key},internal"]
    )
    assert report.applied == [2]
    governed.asset.refresh_from_db()
    assert governed.asset.classification == "internal"
    assert sorted(governed.asset.tags.values_list("slug", flat=True)) == ["gdpr", "pii"]


def test_a_bad_header_applies_nothing(governed):
    report = governance_csv_import(actor=governed.admin, lines=["dataset,level", "x,public"])
    assert [(e.line, e.reason.split(":")[0]) for e in report.errors] == [(1, "Bad header")]


def test_quoted_multiline_cells_keep_line_numbers(governed):
    key = governed.asset.key
    lines = "\n".join(
        _csv(f'"{key}",,"pub\nlic",,,,2030-01-31', f"{key},,internal,,,,2030-01-31")
    ).splitlines(keepends=True)
    report = governance_csv_import(actor=governed.admin, lines=lines)
    assert [e.line for e in report.errors] == [2] and report.applied == [4]


def test_dry_run_checks_everything_and_applies_nothing(governed):
    before = AuditEvent.objects.count()
    report = governance_csv_import(
        actor=governed.owner,
        dry_run=True,
        lines=_csv(
            f"{governed.asset.key},,public,,,,2030-01-31", f"{governed.team_asset.key},,public,,,,"
        ),
    )
    assert report.applied == [2] and [e.line for e in report.errors] == [3]
    assert "would be applied" in report.summary()
    governed.asset.refresh_from_db()
    assert governed.asset.classification == "restricted"
    assert AuditEvent.objects.count() == before
