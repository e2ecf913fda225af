"""On Postgres, refuse UPDATE and DELETE of evidence register entries in the database itself.

The model refuses them already; the trigger also stops raw SQL and other clients. TRUNCATE
is not blocked (the test runner flushes databases with it). SQLite gets no trigger.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION reports_reportentry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'reports_reportentry is append-only: % of entry #% refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reports_reportentry_append_only ON reports_reportentry;
CREATE TRIGGER reports_reportentry_append_only
    BEFORE UPDATE OR DELETE ON reports_reportentry
    FOR EACH ROW EXECUTE FUNCTION reports_reportentry_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS reports_reportentry_append_only ON reports_reportentry;
DROP FUNCTION IF EXISTS reports_reportentry_refuse_change();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


def _head(apps, schema_editor):
    apps.get_model("reports", "ReportChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP)),
        migrations.RunPython(_head, migrations.RunPython.noop),
    ]
