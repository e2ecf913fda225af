"""The audit trail: a keyed hash chain, guarded by the database, anchored outside it."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from governance.audit import audit_event_append, audit_key_id, event_hash
from governance.audit_verify import audit_trail_verify
from governance.models import AppendOnlyError, AuditChainHead, AuditEvent

from .factories import admin_user

EVENTS = AuditEvent._meta.db_table
HEAD = AuditChainHead._meta.db_table


def append(n: int, actor=None) -> list[AuditEvent]:
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


def verify_command(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit_trail", *args, stdout=out)
    return out.getvalue()


def tamper(*statements: str | tuple[str, list]) -> None:
    """Raw SQL as an attacker who owns the tables would run it: the triggers disabled first.

    ALTER TABLE is transactional, so the triggers are back when the test's transaction
    ends; the deferred foreign-key checks of the inserts must run before a table may change.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in (EVENTS, HEAD):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, [])
            cursor.execute(sql, params)


def test_events_chain_by_keyed_hash(db):
    user = admin_user(username="ada")
    first, second = append(2, actor=user)
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert first.actor == "ada" and first.actor_user == user
    assert event_hash(AuditEvent.objects.get(seq=2)) == second.hash
    # Keyed: the same content under another key hashes differently.
    assert event_hash(AuditEvent.objects.get(seq=2), key=b"another key") != second.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)


def test_an_intact_chain_verifies(db):
    append(5)
    assert verify_command().strip() == "5 events verified, chain intact"


def test_an_empty_trail_verifies(db):
    assert verify_command().strip() == "0 events verified, chain intact"


FIELDS = [
    ("at", "at = at + interval '1 second'"),
    ("actor", "actor = 'mallory'"),
    ("action", "action = 'test.other'"),
    ("object_type", "object_type = 'column'"),
    ("object_key", "object_key = 'elsewhere'"),
    ("before", """before = '{"classification": "restricted"}'"""),
    ("after", """after = '{"classification": "restricted", "n": 2}'"""),
    ("reason", "reason = 'nothing to see'"),
]


@pytest.mark.parametrize("field,assignment", FIELDS, ids=[name for name, _ in FIELDS])
def test_every_field_is_hashed(db, field, assignment):
    append(3)
    tamper(f"UPDATE {EVENTS} SET {assignment} WHERE seq = 2")
    report = audit_trail_verify()
    assert (report.kind, report.bad_seq) == ("edited", 2), field


def test_changing_the_acting_user_is_detected(db):
    """actor_user_id was once outside the hash: now it is a field like the others."""
    ada, mallory = admin_user(username="ada"), admin_user(username="mallory")
    append(3, actor=ada)
    tamper((f"UPDATE {EVENTS} SET actor_user_id = %s WHERE seq = 2", [mallory.pk]))
    report = audit_trail_verify()
    assert (report.kind, report.bad_seq) == ("edited", 2)


def test_the_hashed_content_covers_every_column():
    """A column added to AuditEvent later must be hashed too, or this fails."""
    from governance.audit import event_content

    stored = {field.attname for field in AuditEvent._meta.concrete_fields} - {"id", "hash"}
    hashed = set(event_content(AuditEvent(seq=1, at=__import__("django").utils.timezone.now())))
    assert stored <= hashed


def test_an_edited_event_is_named_by_the_command(db):
    append(4)
    tamper((f"UPDATE {EVENTS} SET reason = %s WHERE seq = 3", ["nothing to see"]))
    with pytest.raises(CommandError, match=r"broken at seq 3: event #3 was altered") as failed:
        verify_command()
    assert failed.value.returncode == 2


def test_a_deleted_event_is_named(db):
    append(5)
    tamper(f"DELETE FROM {EVENTS} WHERE seq = 2")
    with pytest.raises(CommandError, match=r"broken at seq 2: event #2 is missing"):
        verify_command()


def test_the_model_refuses_updates_and_deletes(db):
    (event,) = append(1)
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


def _refused(sql: str, params=()) -> str:
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            # What a production connection has: the test runner's TRUNCATE allowance off.
            cursor.execute("SET LOCAL lineage_portal.allow_audit_truncate = 'off'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql, params)
    return str(refused.value)


REFUSED = [
    f"UPDATE {EVENTS} SET reason = 'x'",
    f"DELETE FROM {EVENTS}",
    f"TRUNCATE {EVENTS}",
    f"DELETE FROM {HEAD}",
    f"TRUNCATE {HEAD}",
    f"UPDATE {HEAD} SET seq = 1, hash = 'forged'",
    f"UPDATE {HEAD} SET seq = 0, hash = ''",
    f"INSERT INTO {EVENTS} (seq, at, actor, action, object_type, object_key, reason,"
    " prev_hash, hash) VALUES (9, now(), 'm', 'x', 'dataset', 'k', '', 'p', 'h')",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_the_database_refuses_changes_to_the_trail(db, sql):
    append(2)
    message = _refused(sql)
    assert "append-only" in message or "chain head" in message or "moves forward" in message
    assert audit_trail_verify().intact


# --- the attacks, and what catches each ---------------------------------------------------


def checkpoint():
    from governance.audit_runs import audit_verification_run

    row = audit_verification_run()
    assert row.intact and row.checkpoint_written
    return row


def test_attack_edit_and_rehash_without_the_key_is_caught_by_the_keyed_hash(db):
    """Edit #2, recompute #2..#4 and the head as an attacker must: without the key."""
    append(4)
    statements, prev = [], AuditEvent.objects.get(seq=1).hash
    for event in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
        event.reason = "forged" if event.seq == 2 else event.reason
        event.prev_hash = prev
        prev = event_hash(event, key=b"a guess at the key")
        statements.append(
            (
                f"UPDATE {EVENTS} SET reason = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [event.reason, event.prev_hash, prev, event.seq],
            )
        )
    tamper(*statements, (f"UPDATE {HEAD} SET hash = %s", [prev]))
    report = audit_trail_verify()
    assert (report.kind, report.bad_seq) == ("edited", 2)


def _rewrite_with_key(key: bytes | None, from_seq: int) -> None:
    """Edit ``from_seq`` and recompute every later hash and the head under ``key``."""
    statements, prev = [], AuditEvent.objects.get(seq=from_seq - 1).hash if from_seq > 1 else ""
    for event in AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq"):
        if event.seq == from_seq:
            event.after = {"classification": "public", "forged": True}
        event.prev_hash = prev
        prev = event_hash(event, key=key)
        statements.append(
            (
                f"UPDATE {EVENTS} SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [__import__("json").dumps(event.after), event.prev_hash, prev, event.seq],
            )
        )
    tamper(*statements, (f"UPDATE {HEAD} SET hash = %s", [prev]))


def test_attack_edit_and_rehash_with_the_key_is_caught_by_the_checkpoint(db):
    """An insider holding the key recomputes a valid chain; the checkpoint outside remembers."""
    append(4)
    checkpoint()
    _rewrite_with_key(None, from_seq=2)
    report = audit_trail_verify()
    assert (report.kind, report.bad_seq) == ("rewritten", 4)
    assert "rewritten" in report.problem


def test_attack_cut_tail_and_head_is_caught_by_the_checkpoint(db):
    append(5)
    checkpoint()
    last_kept = AuditEvent.objects.get(seq=3)
    tamper(
        f"DELETE FROM {EVENTS} WHERE seq >= 4",
        (f"UPDATE {HEAD} SET seq = 3, hash = %s", [last_kept.hash]),
    )
    report = audit_trail_verify()
    assert (report.kind, report.bad_seq) == ("truncated", 4)
    assert "events #4..#5 are missing" in report.problem


def test_attack_cut_tail_leaving_the_head_is_caught_by_the_head(db):
    append(5)
    tamper(f"DELETE FROM {EVENTS} WHERE seq >= 4")
    with pytest.raises(CommandError, match=r"broken at seq 4: events #4..#5 are missing"):
        verify_command()


def test_attack_delete_the_head_is_caught(db):
    append(3)
    tamper(f"DELETE FROM {HEAD}")
    report = audit_trail_verify()
    assert report.kind == "head" and "head row is missing" in report.problem


def test_attack_delete_everything_is_caught_by_the_checkpoint(db):
    append(4)
    checkpoint()
    tamper(f"TRUNCATE {EVENTS}", f"TRUNCATE {HEAD}")
    report = audit_trail_verify()
    assert report.kind == "emptied"
    assert "every event is gone" in report.problem and "recorded 4" in report.problem
    with pytest.raises(CommandError, match="trail was emptied"):
        verify_command()


def test_attack_rekeying_is_caught_by_the_checkpoint_signatures(db, settings):
    """The key is replaced and the whole chain recomputed under it: old checkpoints say so."""
    append(3)
    checkpoint()
    old_id = audit_key_id()
    settings.AUDIT_HMAC_KEY = "a key the attacker chose"
    _rewrite_with_key(None, from_seq=1)
    report = audit_trail_verify()
    assert report.kind == "rekeyed"
    assert old_id in report.problem and "audit key was changed" in report.problem


def test_a_forged_checkpoint_line_is_refused(db):
    from governance.audit_checkpoints import Checkpoint, checkpoint_append

    append(2)
    checkpoint()
    fake = Checkpoint(seq=1, hash="0" * 64, count=1, at="now", key_id=audit_key_id(), signature="f")
    checkpoint_append(fake)
    report = audit_trail_verify()
    assert report.kind == "forged" and "not written by the portal" in report.problem


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_never_fork_the_chain():
    writers, per_writer, errors = 6, 5, []

    def write():
        try:
            for _ in range(per_writer):
                with transaction.atomic():
                    append(1)
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
