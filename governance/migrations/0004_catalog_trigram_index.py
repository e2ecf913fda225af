"""Formerly the catalog search's trigram indexes on graph's tables; now a step that does nothing.

Those indexes belong to the table they index: ``graph.0005_catalog_trigram_index`` builds
them (and renames the ones this step built on databases migrated before). Kept, empty, so
databases that applied it and migrations that depend on it stay consistent.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_audit_append_only_trigger"),
        ("graph", "0001_initial"),
    ]

    operations = []
