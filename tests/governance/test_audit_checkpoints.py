"""Checkpoints outside the database, the scheduled verification and what the page shows."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from governance.audit_checkpoints import audit_checkpoint_latest, checkpoint_path
from governance.audit_runs import audit_verification_run, audit_verification_status
from governance.models import AuditEvent, AuditVerification

from .factories import admin_user, auditor_user
from .test_audit import EVENTS, HEAD, append, tamper, verify_command


def test_a_run_appends_a_signed_checkpoint_of_the_head(db):
    events = append(3)
    row = audit_verification_run()
    assert (row.intact, row.scope, row.checkpoint_written) == (True, "full", 3)
    latest = audit_checkpoint_latest()
    assert (latest.seq, latest.hash, latest.count) == (3, events[-1].hash, 3)
    assert latest.problem() == ""
    assert set(latest.as_dict()) == {"seq", "hash", "count", "at", "key_id", "signature"}


def test_no_checkpoint_before_the_first_run(db):
    append(1)
    assert audit_checkpoint_latest() is None
    assert not checkpoint_path().exists()


def test_later_runs_verify_only_what_was_appended_since(db):
    append(5)
    audit_verification_run()
    append(2)
    row = audit_verification_run()
    assert (row.scope, row.events_checked, row.checkpoint_seq) == ("incremental", 2, 5)
    assert row.checkpoint_written == 7
    # Nothing new: no new line, still verified.
    again = audit_verification_run()
    assert (again.events_checked, again.checkpoint_written) == (0, 0)
    lines = checkpoint_path().read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [5, 7]


def test_the_file_is_only_ever_appended_to(db):
    append(2)
    audit_verification_run()
    first = checkpoint_path().read_bytes()
    append(1)
    audit_verification_run()
    assert checkpoint_path().read_bytes().startswith(first)


def test_the_incremental_run_catches_a_cut_tail(db):
    append(5)
    audit_verification_run()
    kept = AuditEvent.objects.get(seq=2)
    tamper(
        f"DELETE FROM {EVENTS} WHERE seq >= 3",
        (f"UPDATE {HEAD} SET seq = 2, hash = %s", [kept.hash]),
    )
    row = audit_verification_run()
    assert (row.scope, row.intact, row.kind, row.checkpoint_written) == (
        "incremental",
        False,
        "truncated",
        0,
    )


def test_the_incremental_run_catches_a_rewrite_past_the_checkpoint(db):
    append(3)
    audit_verification_run()
    append(2)
    tamper((f"UPDATE {EVENTS} SET reason = 'forged' WHERE seq = 5", []))
    row = audit_verification_run()
    assert (row.kind, row.bad_seq) == ("edited", 5)


def test_the_command_can_anchor_on_demand(db):
    append(2)
    out = verify_command("--checkpoint")
    assert "2 events verified, chain intact" in out
    assert f"Checkpoint at #2 appended to {checkpoint_path()}" in out
    assert AuditVerification.objects.get().scope == "full"


def test_a_hand_written_result_is_not_trusted(db):
    append(1)
    row = audit_verification_run()
    assert audit_verification_status().trusted
    tamper()  # the tables' triggers do not guard this one; its signature does
    AuditVerification.objects.filter(pk=row.pk).update(events_checked=999)
    assert not audit_verification_status().trusted


def test_the_beat_schedule_verifies_and_anchors():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "governance.tasks.audit_checkpoint_task",
        "governance.tasks.audit_full_verification_task",
    } <= tasks


def test_the_tasks_store_their_results(db):
    from governance.tasks import audit_checkpoint_task, audit_full_verification_task

    append(2)
    incremental = AuditVerification.objects.get(pk=audit_checkpoint_task.delay().get())
    full = AuditVerification.objects.get(pk=audit_full_verification_task.delay().get())
    assert (incremental.intact, full.scope) == (True, "full")


# --- the audit page ------------------------------------------------------------------------


def test_the_page_shows_the_stored_result_without_recomputing(client, db):
    append(3)
    audit_verification_run()
    # Tampered after the run: the page still shows what the run found, with its time…
    tamper((f"UPDATE {EVENTS} SET reason = 'forged' WHERE seq = 2", []))
    client.force_login(auditor_user(username="audrey"))
    html = client.get(reverse("governance_audit")).content.decode()
    assert "Chain intact" in html and "just now" in html
    assert "Anchored outside the database at event #3" in html
    # …until the next run, which the page then reports.
    audit_verification_run(full=True)
    html = client.get(reverse("governance_audit")).content.decode()
    assert "The audit trail has been tampered with: event #2 was altered" in html


def test_the_page_says_when_nothing_was_verified_yet(client, db):
    append(1)
    client.force_login(auditor_user(username="audrey"))
    html = client.get(reverse("governance_audit")).content.decode()
    assert "Not verified yet." in html and "Chain intact" not in html


def test_the_page_distrusts_a_hand_written_result(client, db):
    append(1)
    row = audit_verification_run()
    tamper()
    AuditVerification.objects.filter(pk=row.pk).update(kind="intact", problem="")
    AuditVerification.objects.filter(pk=row.pk).update(signature="0" * 64)
    client.force_login(auditor_user(username="audrey"))
    html = client.get(reverse("governance_audit")).content.decode()
    assert "was not written by the portal" in html and "Chain intact" not in html


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_verify_now_runs_a_verification(client, db, who, django_capture_on_commit_callbacks):
    append(2)
    user = auditor_user(username="audrey") if who == "auditor" else admin_user(username="ada")
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("governance_audit_verify"))
    assert response.status_code == 302
    row = AuditVerification.objects.get()
    assert (row.intact, row.checkpoint_written) == (True, 2)


def test_verify_now_is_refused_to_a_steward(client, db):
    from .factories import steward_user

    client.force_login(steward_user(username="sam"))
    assert client.post(reverse("governance_audit_verify")).status_code == 403
