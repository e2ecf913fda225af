"""The evidence register: append-only, chained, and the file a download gives back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from governance.audit import audit_event_append
from governance.reports.models import AppendOnlyError, ReportEntry
from governance.reports.register import entry_hash, register_verify

from ..factories import auditor_user
from .conftest import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(client):
    user = auditor_user(username="audrey")
    client.force_login(user)
    return user


def some_events(n: int = 3) -> None:
    for i in range(n):
        audit_event_append(
            actor="system",
            action="asset.update",
            object_type="dataset",
            object_key=f"snowflake://db.s.t{i}",
            after={"classification": "restricted"},
            reason="=cmd()",
        )


def test_a_streamed_csv_is_registered_and_downloads_identically(client, auditor):
    some_events(3)
    response = client.get(reverse("report_generate", args=["audit_trail", "csv"]))
    assert response.status_code == 200 and response.streaming
    data = body(response)
    lines = data.decode().splitlines()
    assert lines[0].startswith("seq,at,actor,action") and len(lines) == 4
    assert "'=cmd()" in data.decode()  # neutralized, not a formula

    entry = ReportEntry.objects.get()
    assert (entry.kind, entry.format, entry.row_counts) == ("audit_trail", "csv", {"rows": 3})
    import hashlib

    assert entry.sha256 == hashlib.sha256(data).hexdigest() and entry.size == len(data)
    assert entry.generated_by == "audrey" and entry.prev_hash == ""

    again = client.get(reverse("report_download", args=[entry.seq]))
    assert body(again) == data
    assert again["X-Report-SHA256"] == entry.sha256


def test_entries_are_chained_and_append_only(client, auditor):
    some_events(1)
    for _ in range(2):
        body(client.get(reverse("report_generate", args=["steward_gaps", "csv"])))
    first, second = ReportEntry.objects.order_by("seq")
    assert second.prev_hash == first.hash and entry_hash(second) == second.hash
    assert register_verify() == (2, "")

    with pytest.raises(AppendOnlyError):
        second.title = "edited"
        second.save()
    with pytest.raises(AppendOnlyError):
        second.delete()
    with pytest.raises(AppendOnlyError):
        ReportEntry.objects.filter(pk=first.pk).update(title="edited")
    with pytest.raises(AppendOnlyError):
        ReportEntry.objects.all().delete()
    # The database refuses too, whatever the client.
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reports_reportentry SET title = 'edited' WHERE seq = %s", [first.seq]
            )
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reports_reportentry WHERE seq = %s", [first.seq])


def test_verify_report_names_the_entry_and_refuses_a_changed_byte(client, auditor, tmp_path):
    some_events(2)
    data = body(client.get(reverse("report_generate", args=["audit_trail", "csv"])))
    entry = ReportEntry.objects.get()
    good = tmp_path / "audit.csv"
    good.write_bytes(data)
    out = io.StringIO()
    call_command("verify_report", str(good), stdout=out)
    assert entry.report_id in out.getvalue() and entry.sha256 in out.getvalue()

    bad = tmp_path / "audit-changed.csv"
    changed = bytearray(data)
    changed[-3] = ord("X") if changed[-3] != ord("X") else ord("Y")
    bad.write_bytes(bytes(changed))
    with pytest.raises(CommandError, match="No report in the evidence register") as caught:
        call_command("verify_report", str(bad))
    assert caught.value.returncode == 1


def test_upload_to_verify(client, auditor):
    some_events(1)
    data = body(client.get(reverse("report_generate", args=["audit_trail", "csv"])))
    entry = ReportEntry.objects.get()
    ok = client.post(reverse("report_verify"), {"file": io.BytesIO(data)})
    assert ok.status_code == 200
    assert f"The file is {entry.report_id}" in ok.content.decode()

    changed = data[:-2] + b"Z\n"
    refused = client.post(reverse("report_verify"), {"file": io.BytesIO(changed)})
    assert refused.status_code == 409
    assert (
        "matches none" in refused.content.decode()
        or "No report in the evidence register" in refused.content.decode()
    )


def test_a_csv_has_no_row_limit(client, auditor):
    from governance.audit import AuditEntry, audit_events_append

    audit_events_append(
        actor="loader",
        entries=[
            AuditEntry(action="asset.update", object_type="dataset", object_key=f"k{n}")
            for n in range(1, 10_051)
        ],
    )
    lines = body(client.get(reverse("report_generate", args=["audit_trail", "csv"]))).splitlines()
    assert (
        len(lines) == 10_051
    )  # the header and every event: more than the 10,000 other tools stop at
    assert ReportEntry.objects.get().row_counts == {"rows": 10_050}
