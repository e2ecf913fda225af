"""CSV pages: a streamed export for auditors; an import kept on disk, checked then applied by tasks."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from governance import services
from governance.models import AuditEvent, CsvImport

pytestmark = pytest.mark.django_db
KEY = "snowflake://prod_db.raw.customers"


@pytest.fixture
def tasks(django_capture_on_commit_callbacks, settings, tmp_path):
    """Run the tasks a request queues once it commits (Celery runs them in-process in tests)."""
    settings.CSV_IMPORT_DIR = str(tmp_path / "imports")

    def run(request):
        with django_capture_on_commit_callbacks(execute=True):
            return request()

    return run


def upload(client, tasks, text: str | bytes, name: str = "classes.csv", reason: str = ""):
    """Upload a CSV; its check runs; the response is the import's page (or the refused form)."""
    content = text.encode() if isinstance(text, str) else text
    response = tasks(
        lambda: client.post(
            reverse("governance_import"),
            {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "reason": reason},
        )
    )
    return client.get(response["Location"]) if response.status_code == 302 else response


def apply(client, tasks, page):
    job = page.context["job"]
    response = tasks(lambda: client.post(reverse("governance_import_apply", args=[job.pk])))
    return client.get(response["Location"])


def lines(page) -> tuple[list[int], list[tuple[int, str]]]:
    job = page.context["job"]
    job.refresh_from_db()
    return job.applied_lines, [(line, why) for line, why in job.errors]


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


def test_a_check_reports_every_line_and_changes_nothing(client, world, tasks):
    client.force_login(world.owner)
    text = (
        "dataset_key,column,classification,tags\n"
        f"{KEY},,restricted,pii\n"
        f"{KEY},nope,public,\n"
        "snowflake://prod_db.raw.payments,,public,\n"
        f"{KEY},,secret,\n"
    )
    page = upload(client, tasks, text)
    assert page.status_code == 200
    applied, errors = lines(page)
    assert applied == [2]
    assert [(line, why[:40]) for line, why in errors] == [
        (3, "Dataset 'snowflake://prod_db.raw.custome"),
        (4, "owner may not change snowflake://prod_db"),
        (5, "classification: Unknown classification l"),
    ]
    assert "Checked — nothing has changed yet" in page.text and "Apply 1 row" in page.text
    world.asset.refresh_from_db()
    assert world.asset.classification is None and not AuditEvent.objects.exists()


def test_the_upload_waits_on_disk_not_in_the_session(client, world, tasks):
    client.force_login(world.owner)
    page = upload(client, tasks, f"dataset_key,classification\n{KEY},internal\n")
    job = page.context["job"]
    stored = Path(settings.CSV_IMPORT_DIR) / job.stored_name
    assert stored.read_text().startswith("dataset_key,classification")
    assert not any("csv" in key for key in client.session.keys())
    apply(client, tasks, page)
    job.refresh_from_db()
    assert job.state == "applied" and job.stored_name == "" and not stored.exists()


def test_applying_the_check_changes_the_good_rows_only(client, world, tasks):
    client.force_login(world.owner)
    page = upload(
        client,
        tasks,
        f"dataset_key,classification,tags\n{KEY},restricted,pii\n{KEY}x,public,\n",
        reason="Q3",
    )
    done = apply(client, tasks, page)
    assert done.status_code == 200 and "Import applied" in done.text
    applied, errors = lines(done)
    assert applied == [2] and len(errors) == 1
    world.asset.refresh_from_db()
    assert world.asset.classification == "restricted"
    assert AuditEvent.objects.get().reason == "Q3"
    again = apply(client, tasks, page)
    assert "can be applied once" in again.text
    assert AuditEvent.objects.count() == 1


def test_a_running_import_shows_its_progress(client, world, settings, tmp_path):
    settings.CSV_IMPORT_DIR = str(tmp_path)
    client.force_login(world.owner)
    job = CsvImport.objects.create(
        created_by=world.owner,
        filename="big.csv",
        stored_name="x.csv",
        rows_total=5000,
        rows_done=1250,
    )
    page = client.get(reverse("governance_import_detail", args=[job.pk]))
    assert "Checking every row" in page.text and 'data-progress-url="' in page.text
    assert "1250" in page.text and "25 %" in page.text
    progress = client.get(reverse("governance_import_progress", args=[job.pk])).json()
    assert (progress["state"], progress["percent"], progress["finished"]) == (
        "previewing",
        25,
        False,
    )


def test_someone_elses_import_is_not_shown(client, world, tasks):
    client.force_login(world.owner)
    page = upload(client, tasks, f"dataset_key,classification\n{KEY},internal\n")
    job = page.context["job"]
    client.force_login(world.other)
    assert client.get(reverse("governance_import_detail", args=[job.pk])).status_code == 403
    refused = tasks(lambda: client.post(reverse("governance_import_apply", args=[job.pk])))
    assert refused.status_code == 403
    job.refresh_from_db()
    assert job.state == "previewed"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("dataset_key,classification\n".encode("utf-16"), "The file is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"dataset_key\x00,x\n", "binary file"),
    ],
)
def test_files_that_are_not_csv_text_are_refused_at_the_field(
    client, world, tasks, content, message
):
    client.force_login(world.owner)
    response = upload(client, tasks, content)
    assert response.status_code == 400
    assert message in response.text


def test_a_bad_header_refuses_the_file_on_line_one(client, world, tasks):
    client.force_login(world.owner)
    response = upload(client, tasks, f"key,level\n{KEY},restricted\n")
    assert [(line, why[:28]) for line, why in lines(response)[1]] == [
        (1, "Bad header: unknown columns ")
    ]
    assert "Nothing to apply" in response.text


def test_a_spreadsheet_byte_order_mark_is_fine(client, world, tasks):
    client.force_login(world.owner)
    response = upload(client, tasks, f"\ufeffdataset_key,classification\n{KEY},internal\n")
    assert lines(response)[0] == [2]


def test_an_unreadable_record_is_reported_and_the_rest_still_read(client, world, tasks):
    client.force_login(world.owner)
    huge = "x" * 200_000
    response = upload(client, tasks, f"dataset_key,classification\n{KEY},{huge}\n{KEY},internal\n")
    applied, errors = lines(response)
    assert errors[0][0] == 2 and "Not readable as CSV" in errors[0][1]
    assert applied == [3]


def test_auditors_cannot_import(client, world, tasks):
    client.force_login(world.auditor)
    response = upload(client, tasks, f"dataset_key,classification\n{KEY},public\n")
    assert response.status_code == 403
