"""CSV pages: a streamed export for auditors, an import previewed line by line, then applied."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance import services
from governance.models import AuditEvent

pytestmark = pytest.mark.django_db
KEY = "snowflake://prod_db.raw.customers"


def upload(client, text: str | bytes, name: str = "classes.csv", reason: str = ""):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("governance_import"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "reason": reason},
    )


def apply(client, preview):
    return client.post(reverse("governance_import_apply"), {"token": preview.context["token"]})


def test_auditors_export_every_governed_asset_as_a_streamed_csv(client, world):
    services.classification_assign(actor=world.admin, asset=world.asset, level="restricted")
    client.force_login(world.auditor)
    response = client.get(reverse("governance_export"))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="governance-' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert (
        lines[0] == "dataset_key,column,classification,tags,steward,masking_policy,next_review_due"
    )
    assert lines[1].startswith(f"{KEY},,restricted,,Olive Owner,")


def test_stewards_cannot_export_and_are_told_who_can(client, world):
    client.force_login(world.owner)
    response = client.get(reverse("governance_export"))
    assert response.status_code == 403
    assert "only auditors and compliance admins may" in response.text
    page = client.get(reverse("governance_csv")).text
    assert "Download the CSV" not in page and "Exports are for auditors" in page


def test_auditors_see_no_upload_form(client, world):
    client.force_login(world.auditor)
    page = client.get(reverse("governance_csv")).text
    assert "Download the CSV" in page and 'name="file"' not in page


def test_a_preview_reports_every_line_and_changes_nothing(client, world):
    client.force_login(world.owner)
    text = (
        "dataset_key,column,classification,tags\n"
        f"{KEY},,restricted,pii\n"
        f"{KEY},nope,public,\n"
        "snowflake://prod_db.raw.payments,,public,\n"
        f"{KEY},,secret,\n"
    )
    response = upload(client, text)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.applied == [2]
    assert [(e.line, e.reason[:40]) for e in report.errors] == [
        (3, "Dataset 'snowflake://prod_db.raw.custome"),
        (4, "owner may not change snowflake://prod_db"),
        (5, "classification: Unknown classification l"),
    ]
    assert "Preview — nothing has changed yet" in response.text and "Apply 1 row" in response.text
    world.asset.refresh_from_db()
    assert world.asset.classification is None and not AuditEvent.objects.exists()


def test_applying_the_preview_changes_the_good_rows_only(client, world):
    client.force_login(world.owner)
    preview = upload(
        client,
        f"dataset_key,classification,tags\n{KEY},restricted,pii\n{KEY}x,public,\n",
        reason="Q3",
    )
    response = apply(client, preview)
    assert response.status_code == 200 and "Import applied" in response.text
    assert response.context["report"].applied == [2] and len(response.context["report"].errors) == 1
    world.asset.refresh_from_db()
    assert world.asset.classification == "restricted"
    assert AuditEvent.objects.get().reason == "Q3"
    again = apply(client, preview)
    assert again.status_code == 400 and "expired or was already applied" in again.text
    assert AuditEvent.objects.count() == 1


def test_a_forged_token_applies_nothing(client, world):
    client.force_login(world.owner)
    response = client.post(reverse("governance_import_apply"), {"token": "forged"})
    assert response.status_code == 400 and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("dataset_key,classification\n".encode("utf-16"), "The file is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"dataset_key\x00,x\n", "binary file"),
    ],
)
def test_files_that_are_not_csv_text_are_refused_at_the_field(client, world, content, message):
    client.force_login(world.owner)
    response = upload(client, content)
    assert response.status_code == 400
    assert message in response.text


def test_a_bad_header_refuses_the_file_on_line_one(client, world):
    client.force_login(world.owner)
    response = upload(client, f"key,level\n{KEY},restricted\n")
    assert [(e.line, e.reason[:28]) for e in response.context["report"].errors] == [
        (1, "Bad header: unknown columns ")
    ]
    assert "Nothing to apply" in response.text


def test_a_spreadsheet_byte_order_mark_is_fine(client, world):
    client.force_login(world.owner)
    response = upload(client, f"\ufeffdataset_key,classification\n{KEY},internal\n")
    assert response.context["report"].applied == [2]


def test_an_unreadable_record_is_reported_and_the_rest_still_read(client, world):
    client.force_login(world.owner)
    huge = "x" * 200_000
    response = upload(client, f"dataset_key,classification\n{KEY},{huge}\n{KEY},internal\n")
    report = response.context["report"]
    assert report.errors[0].line == 2 and "Not readable as CSV" in report.errors[0].reason
    assert report.applied == [3]


def test_auditors_cannot_import(client, world):
    client.force_login(world.auditor)
    response = upload(client, f"dataset_key,classification\n{KEY},public\n")
    assert response.status_code == 403
