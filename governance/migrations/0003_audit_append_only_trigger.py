"""On Postgres, refuse UPDATE and DELETE of audit events in the database itself.

The model already refuses them; the trigger also stops raw SQL and other clients.
TRUNCATE is deliberately not blocked: the test runner flushes databases with it.
SQLite (the single-machine default) gets no trigger; the migration is a no-op there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION governance_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'governance_auditevent is append-only: % of event #% refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS governance_auditevent_append_only ON governance_auditevent;
CREATE TRIGGER governance_auditevent_append_only
    BEFORE UPDATE OR DELETE ON governance_auditevent
    FOR EACH ROW EXECUTE FUNCTION governance_auditevent_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS governance_auditevent_append_only ON governance_auditevent;
DROP FUNCTION IF EXISTS governance_auditevent_refuse_change();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_seed_tags_and_chain_head")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
