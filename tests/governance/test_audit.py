"""The audit trail: append-only in the model and the database, and a verifiable hash chain."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from governance.audit import audit_event_append, audit_trail_verify, event_hash
from governance.models import AppendOnlyError, AuditChainHead, AuditEvent

from .factories import admin_user

TABLE = AuditEvent._meta.db_table
TRIGGER = "governance_auditevent_append_only"


def _append(n: int, actor=None) -> list[AuditEvent]:
    return [
        audit_event_append(
            actor=actor,
            action="test.change",
            object_type="dataset",
            object_key=f"k{i}",
            before={"classification": None},
            after={"classification": "public", "n": i},
            reason=f"change {i}",
        )
        for i in range(1, n + 1)
    ]


def _verify_command() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_trail", stdout=out)
    return out.getvalue()


def _tamper(sql: str, params=()) -> None:
    """Raw SQL as an attacker with table access would run it: the trigger disabled first.

    ALTER TABLE is transactional, so the trigger is back when the test's transaction ends;
    the deferred foreign-key checks of the inserts must run before the table may change.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)


def test_events_chain_by_hash(db):
    user = admin_user(username="ada")
    first, second = _append(2, actor=user)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert first.actor == "ada" and first.actor_user == user
    assert event_hash(AuditEvent.objects.get(seq=2)) == second.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)


def test_an_intact_chain_verifies(db):
    _append(5)
    assert _verify_command().strip() == "5 events verified, chain intact"


def test_an_empty_trail_verifies(db):
    assert _verify_command().strip() == "0 events verified, chain intact"


def test_an_edited_event_is_named(db):
    _append(4)
    _tamper(f"UPDATE {TABLE} SET reason = %s WHERE seq = 3", ["nothing to see"])
    with pytest.raises(CommandError, match=r"broken at seq 3: event #3 was altered") as failed:
        _verify_command()
    assert failed.value.returncode != 0


def test_edited_json_is_detected(db):
    _append(3)
    _tamper(
        f"""UPDATE {TABLE} SET after = '{{"classification": "restricted", "n": 2}}' WHERE seq = 2"""
    )
    report = audit_trail_verify()
    assert (report.intact, report.bad_seq) == (False, 2)


def test_a_deleted_event_is_named(db):
    _append(5)
    _tamper(f"DELETE FROM {TABLE} WHERE seq = 2")
    with pytest.raises(CommandError, match=r"broken at seq 2: event #2 is missing"):
        _verify_command()


def test_a_cut_tail_is_detected(db):
    _append(5)
    _tamper(f"DELETE FROM {TABLE} WHERE seq >= 4")
    with pytest.raises(CommandError, match=r"broken at seq 4: events #4..#5 are missing"):
        _verify_command()


def test_a_rehashed_edit_breaks_the_next_link(db):
    """An attacker who edits an event and recomputes its hash still breaks the chain."""
    _append(4)
    forged = AuditEvent.objects.get(seq=2)
    forged.reason = "forged"
    _tamper(
        f"UPDATE {TABLE} SET reason = %s, hash = %s WHERE seq = 2", ["forged", event_hash(forged)]
    )
    report = audit_trail_verify()
    assert (report.bad_seq, report.problem) == (3, "event #3 does not link to event #2")


def test_the_model_refuses_updates_and_deletes(db):
    (event,) = _append(1)
    event.reason = "rewritten"
    with pytest.raises(AppendOnlyError, match="cannot be updated"):
        event.save()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(seq=1).reason == "change 1"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on Postgres only")
def test_the_database_refuses_raw_updates_and_deletes(db):
    _append(1)
    for sql in (f"UPDATE {TABLE} SET reason = 'x'", f"DELETE FROM {TABLE}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert audit_trail_verify().verified == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_never_fork_the_chain():
    writers, per_writer, errors = 6, 5, []

    def write():
        try:
            for _ in range(per_writer):
                with transaction.atomic():
                    _append(1)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = audit_trail_verify()
    assert report.intact and report.verified == writers * per_writer
