"""The audit chain becomes keyed and fully hashed, and the database guards it.

* Every existing event is re-hashed with HMAC-SHA256 under ``AUDIT_HMAC_KEY`` over all of
  its fields (``actor_user_id`` included). The old SHA-256 chain is verified first: a
  broken one stops the migration rather than being sealed as if it were intact.
* Triggers refuse UPDATE, DELETE and TRUNCATE of events, refuse an event that does not
  continue the last one (next seq, linked to its hash) or that falls behind the head,
  refuse deleting the head and let it move only forward, to the last event.
  Postgres allows TRUNCATE only to a session that set ``lineage_portal.allow_audit_truncate``
  (the test runner resets its throwaway databases that way). SQLite gets the same triggers
  (it has no TRUNCATE); a later migration that rebuilds these tables on SQLite must
  create them again.

The hashing below is a frozen copy, so this migration means the same thing forever.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations, models


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _iso(at) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _legacy_hash(event) -> str:
    content = [
        event.seq,
        _iso(event.at),
        event.actor,
        event.action,
        event.object_type,
        event.object_key,
        event.before,
        event.after,
        event.reason,
        event.prev_hash,
    ]
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def _keyed_hash(event) -> str:
    content = {
        "scheme": "hmac-sha256/v2",
        "seq": event.seq,
        "at": _iso(event.at),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_key": event.object_key,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    key = str(settings.AUDIT_HMAC_KEY).encode()
    return hmac.new(key, _canonical(content).encode(), hashlib.sha256).hexdigest()


def _rechain(apps, old, new):
    """Check every event under the ``old`` hash, then re-link and re-hash it under ``new``."""
    events = apps.get_model("governance", "AuditEvent")
    heads = apps.get_model("governance", "AuditChainHead")
    old_prev = new_prev = ""
    for event in events.objects.order_by("seq").iterator(chunk_size=2000):
        if event.prev_hash != old_prev or old(event) != event.hash:
            raise RuntimeError(
                f"The audit trail is broken at event #{event.seq}; investigate it "
                "(manage.py verify_audit_trail on the previous release) before upgrading."
            )
        old_prev = event.hash
        event.prev_hash = new_prev
        new_prev = new(event)
        events.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=new_prev)
    heads.objects.filter(pk=1).update(hash=new_prev)


def rehash_keyed(apps, schema_editor):
    _rechain(apps, _legacy_hash, _keyed_hash)


def rehash_legacy(apps, schema_editor):
    _rechain(apps, _keyed_hash, _legacy_hash)


PG_OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION governance_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_auditevent is append-only: % of event #% refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_auditevent_append_only
    BEFORE UPDATE OR DELETE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_auditevent_refuse_change();
"""
PG_DROP_OLD_TRIGGER = """
DROP TRIGGER IF EXISTS governance_auditevent_append_only ON governance_auditevent;
DROP FUNCTION IF EXISTS governance_auditevent_refuse_change();
"""

PG_GUARDS = """
CREATE OR REPLACE FUNCTION governance_audit_refuse() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('lineage_portal.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_auditevent_continues_head() RETURNS trigger AS $$
DECLARE
    head_seq bigint;
    bad bigint;
BEGIN
    -- Once per INSERT statement (a batch appends many events before the head moves once):
    -- every new event is past the head and links to the event just before it.
    SELECT seq INTO head_seq FROM governance_auditchainhead WHERE id = 1;
    SELECT n.seq INTO bad
    FROM new_events n
    LEFT JOIN governance_auditevent p ON p.seq = n.seq - 1
    WHERE head_seq IS NULL OR n.seq <= head_seq
       OR (n.seq = 1 AND n.prev_hash <> '')
       OR (n.seq > 1 AND (p.hash IS NULL OR p.hash <> n.prev_hash))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'governance_auditevent is append-only: event #% does not continue the chain', bad
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_auditchainhead_moves_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq <> COALESCE((SELECT max(seq) FROM governance_auditevent), 0)
           OR NEW.hash <> COALESCE(
               (SELECT hash FROM governance_auditevent ORDER BY seq DESC LIMIT 1), '') THEN
            RAISE EXCEPTION 'governance_auditchainhead must start where the events end'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;  -- rewriting the same values changes nothing
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NOT EXISTS (
        SELECT 1 FROM governance_auditevent
        WHERE seq = NEW.seq AND hash = NEW.hash
          AND seq = (SELECT max(seq) FROM governance_auditevent)
    ) THEN
        RAISE EXCEPTION 'governance_auditchainhead only moves forward to the last event'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER governance_auditevent_append_only
    BEFORE UPDATE OR DELETE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_audit_refuse();
CREATE TRIGGER governance_auditevent_no_truncate
    BEFORE TRUNCATE ON governance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse();
CREATE TRIGGER governance_auditevent_continues_head
    AFTER INSERT ON governance_auditevent
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION governance_auditevent_continues_head();
CREATE TRIGGER governance_auditchainhead_no_delete
    BEFORE DELETE ON governance_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION governance_audit_refuse();
CREATE TRIGGER governance_auditchainhead_no_truncate
    BEFORE TRUNCATE ON governance_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_refuse();
CREATE TRIGGER governance_auditchainhead_moves_forward
    BEFORE INSERT OR UPDATE ON governance_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION governance_auditchainhead_moves_forward();
"""

PG_DROP_GUARDS = """
DROP TRIGGER IF EXISTS governance_auditevent_append_only ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_auditevent_no_truncate ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_auditevent_continues_head ON governance_auditevent;
DROP TRIGGER IF EXISTS governance_auditchainhead_no_delete ON governance_auditchainhead;
DROP TRIGGER IF EXISTS governance_auditchainhead_no_truncate ON governance_auditchainhead;
DROP TRIGGER IF EXISTS governance_auditchainhead_moves_forward ON governance_auditchainhead;
DROP FUNCTION IF EXISTS governance_audit_refuse();
DROP FUNCTION IF EXISTS governance_auditevent_continues_head();
DROP FUNCTION IF EXISTS governance_auditchainhead_moves_forward();
"""

SQLITE_GUARDS = [
    """CREATE TRIGGER governance_auditevent_no_update BEFORE UPDATE ON governance_auditevent
    BEGIN SELECT RAISE(ABORT, 'governance_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER governance_auditevent_no_delete BEFORE DELETE ON governance_auditevent
    BEGIN SELECT RAISE(ABORT, 'governance_auditevent is append-only: DELETE refused'); END""",
    """CREATE TRIGGER governance_auditevent_continues_head BEFORE INSERT ON governance_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM governance_auditchainhead WHERE id = 1 AND seq < NEW.seq)
      OR NEW.seq <> COALESCE((SELECT max(seq) FROM governance_auditevent), 0) + 1
      OR NEW.prev_hash <> COALESCE(
          (SELECT hash FROM governance_auditevent ORDER BY seq DESC LIMIT 1), '')
    BEGIN SELECT RAISE(ABORT,
        'governance_auditevent is append-only: the event does not continue the chain'); END""",
    """CREATE TRIGGER governance_auditchainhead_no_delete BEFORE DELETE ON governance_auditchainhead
    BEGIN SELECT RAISE(ABORT, 'governance_auditchainhead is append-only: DELETE refused'); END""",
    """CREATE TRIGGER governance_auditchainhead_starts_at_end
    BEFORE INSERT ON governance_auditchainhead
    WHEN NEW.seq <> COALESCE((SELECT max(seq) FROM governance_auditevent), 0)
      OR NEW.hash <> COALESCE((SELECT hash FROM governance_auditevent ORDER BY seq DESC LIMIT 1), '')
    BEGIN SELECT RAISE(ABORT,
        'governance_auditchainhead must start where the events end'); END""",
    """CREATE TRIGGER governance_auditchainhead_moves_forward
    BEFORE UPDATE ON governance_auditchainhead
    WHEN NOT (NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.hash = OLD.hash) AND (
        NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NOT EXISTS (
            SELECT 1 FROM governance_auditevent
            WHERE seq = NEW.seq AND hash = NEW.hash
              AND seq = (SELECT max(seq) FROM governance_auditevent)))
    BEGIN SELECT RAISE(ABORT,
        'governance_auditchainhead only moves forward to the last event'); END""",
]
SQLITE_TRIGGERS = [
    "governance_auditevent_no_update",
    "governance_auditevent_no_delete",
    "governance_auditevent_continues_head",
    "governance_auditchainhead_no_delete",
    "governance_auditchainhead_starts_at_end",
    "governance_auditchainhead_moves_forward",
]


def _run(schema_editor, postgres=None, sqlite=()):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql" and postgres:
        schema_editor.execute(postgres, params=None)
    elif vendor == "sqlite":
        for statement in sqlite:
            schema_editor.execute(statement, params=None)


def drop_old_trigger(apps, schema_editor):
    _run(schema_editor, postgres=PG_DROP_OLD_TRIGGER)


def restore_old_trigger(apps, schema_editor):
    _run(schema_editor, postgres=PG_OLD_TRIGGER)


def create_guards(apps, schema_editor):
    _run(schema_editor, postgres=PG_GUARDS, sqlite=SQLITE_GUARDS)


def drop_guards(apps, schema_editor):
    drops = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
    _run(schema_editor, postgres=PG_DROP_GUARDS, sqlite=drops)


class Migration(migrations.Migration):
    dependencies = [("governance", "0005_exposure_findings")]

    operations = [
        migrations.CreateModel(
            name="AuditVerification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ran_at", models.DateTimeField()),
                (
                    "scope",
                    models.CharField(
                        choices=[("full", "Full"), ("incremental", "Since the last checkpoint")],
                        max_length=16,
                    ),
                ),
                ("intact", models.BooleanField()),
                ("kind", models.CharField(max_length=16)),
                ("problem", models.TextField(blank=True)),
                ("bad_seq", models.PositiveBigIntegerField(blank=True, null=True)),
                ("events_checked", models.PositiveBigIntegerField(default=0)),
                ("head_seq", models.PositiveBigIntegerField(default=0)),
                ("checkpoint_seq", models.PositiveBigIntegerField(default=0)),
                ("checkpoint_written", models.PositiveBigIntegerField(default=0)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                ("signature", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-ran_at", "-id"]},
        ),
        migrations.AddConstraint(
            model_name="auditchainhead",
            constraint=models.CheckConstraint(
                condition=models.Q(id=1), name="audit_chain_head_single_row"
            ),
        ),
        migrations.RunPython(drop_old_trigger, restore_old_trigger),
        migrations.RunPython(rehash_keyed, rehash_legacy),
        migrations.RunPython(create_guards, drop_guards),
    ]
